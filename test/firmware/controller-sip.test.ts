/**
 * The firmware against a Yardline endpoint playing the controller's SIP side: each handset
 * registers with digest authentication, a lift reaches the controller's ringdown account, the
 * controller's prompt replaces the local dial tone in the earpiece, and the digits keyed arrive
 * at the controller as RFC 4733 events.
 */
import { join } from "node:path";
import test from "ava";
import { BankServer } from "../../controller/banks/server.ts";
import { startFirmware } from "../../firmware/runtime.ts";
import type { Call, DtmfEvent } from "../../telephony/api.ts";
import { createEndpoint } from "../../telephony/ua/endpoint.ts";
import { frequencyPresence, readWav } from "../support/audio.ts";
import { tempDir, waitFor } from "./harness.ts";

test("handsets register with the controller and a lift hears its prompt after local dial tone", async (t) => {
  const dir = await tempDir(t);
  const ctl = createEndpoint();
  t.teardown(() => ctl.libDestroy());
  const sipPort = (await ctl.transportCreate("udp", { host: "127.0.0.1", port: 0 })).port;
  ctl.registrarStart("yardline", (user) => (user.startsWith("bank-ctl-") ? { password: "s3cret" } : undefined));
  const ringdown = ctl.accountCreate({ idUri: "sip:ringdown@127.0.0.1" });
  const incoming: Call[] = [];
  const heardByController: DtmfEvent[] = [];
  ringdown.on("incomingCall", (call) => {
    incoming.push(call);
    call.on("dtmf", (d) => heardByController.push(d));
    call.on("media", (m) => {
      // The controller's prompt: a steady 1 kHz tone stands in for the recorded greeting.
      const prompt = ctl.createToneGenerator();
      prompt.play([{ freq1: 1000, onMs: 60_000, offMs: 0, levelDbm0: -10 }], true);
      prompt.startTransmit(m);
    });
    // The controller takes half a second to answer: the inmate hears local dial tone meanwhile.
    setTimeout(() => void call.answer().catch(() => undefined), 500);
  });
  const banks = new BankServer();
  const linkPort = await banks.listen(0);
  t.teardown(() => banks.close());

  const rt = await startFirmware({
    board: "sim",
    boardId: "bank-ctl",
    journalFile: join(dir, "journal.json"),
    controllerUrl: `ws://127.0.0.1:${linkPort}`,
    sip: { controller: `127.0.0.1:${sipPort}`, password: "s3cret" },
    sim: { audioDir: dir },
  });
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await rt.stop();
  });
  await waitFor(() => [...rt.accounts.values()].every((a) => a.getRegistrationState().registered), "all registered");
  t.is(ctl.registrations().length, 8);
  t.true(ctl.registrations().some((r) => r.aor.includes("bank-ctl-h1@")));

  await waitFor(() => rt.daemon.serviceAvailable, "link");
  rt.sim!.lift("h1");
  await waitFor(() => rt.daemon.handsets.get("h1")!.state === "dialling", "controller audio", 15_000);
  t.is(incoming.length, 1);
  t.regex(incoming[0]!.getInfo().remoteUri, /bank-ctl-h1@/);
  rt.sim!.press("h1", "7*");
  await waitFor(() => heardByController.length >= 2, "digits at the controller");
  t.deepEqual(
    heardByController.map((d) => `${d.digit}/${d.method}`),
    ["7/rfc4733", "*/rfc4733"],
  );
  rt.sim!.hangUp("h1");
  await waitFor(() => incoming[0]!.getInfo().state === "DISCONNECTED", "BYE at the controller");

  stopped = true;
  await rt.stop();
  const ear = readWav(rt.earpieceFiles.get("h1")!).channel(0);
  const dial = frequencyPresence(ear, 350).map((p, i) => p && frequencyPresence(ear, 440)[i]);
  const prompt = frequencyPresence(ear, 1000);
  t.true(dial.filter(Boolean).length >= 6, "local dial tone while the controller had not answered");
  t.true(prompt.filter(Boolean).length >= 4, "the controller's prompt heard");
  t.true(prompt.indexOf(true) > dial.indexOf(true), "prompt after dial tone");
});
