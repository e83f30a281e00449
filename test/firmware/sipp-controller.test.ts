/**
 * The firmware against SIPp acting as the controller's SIP side: a lift places the ringdown
 * INVITE at once, the earpiece hears local dial tone until the controller's audio arrives, and
 * keypad digits and a hook flash leave as RFC 4733 events. SIPp runs with -rtp_echo, so every
 * RTP packet it receives comes back: the events decoded from the echo are the ones SIPp got.
 */
import { join } from "node:path";
import test from "ava";
import { BankServer } from "../../controller/banks/server.ts";
import { startFirmware } from "../../firmware/runtime.ts";
import type { Call, DtmfEvent } from "../../telephony/api.ts";
import { frequencyPresence, readWav, sine, writeWav } from "../support/audio.ts";
import { freePort, startSippOnFreePorts } from "../support/sipp.ts";
import { tempDir, waitFor } from "./harness.ts";

/** Answers after 600 ms (the controller warming up its prompt), then waits for our BYE. */
const UAS_SLOW_ANSWER = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="controller ringdown answer">
  <recv request="INVITE"/>
  <send>
    <![CDATA[

      SIP/2.0 100 Trying
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <pause milliseconds="600"/>
  <send retrans="500">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=ctl 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16

    ]]>
  </send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

test("off-hook sends the INVITE at once; keypad digits and a flash reach SIPp as RFC 4733 events", async (t) => {
  const dir = await tempDir(t);
  const {
    run: sipp,
    ports: { sip: sippPort },
  } = await startSippOnFreePorts(
    async () => ({ sip: await freePort(), media: await freePort() }),
    (p) => ({
      scenario: { name: "ctl.xml", xml: UAS_SLOW_ANSWER },
      args: [
        "-sf",
        "ctl.xml",
        "-i",
        "127.0.0.1",
        "-p",
        String(p.sip),
        "-mi",
        "127.0.0.1",
        "-mp",
        String(p.media),
        "-rtp_echo",
        "-m",
        "1",
        "-timeout",
        "30s",
      ],
      timeoutMs: 40_000,
    }),
  );
  t.teardown(() => sipp.stop());

  const banks = new BankServer();
  const linkPort = await banks.listen(0);
  t.teardown(() => banks.close());

  // The inmate's microphone: a 1 kHz tone, which SIPp echoes back as "the controller's audio".
  writeWav(join(dir, "h1-mic.wav"), sine([1000], 2000, { levelDbm0: -12 }));
  const calls: Call[] = [];
  const digits: DtmfEvent[] = [];
  let invitedAt = 0;
  let answeredAt = 0;
  const rt = await startFirmware({
    board: "sim",
    boardId: "bank-sipp",
    journalFile: join(dir, "journal.json"),
    controllerUrl: `ws://127.0.0.1:${linkPort}`,
    sip: { controller: `127.0.0.1:${sippPort}`, register: false },
    sim: { audioDir: dir },
    onCall: (_h, c) => {
      calls.push(c);
      // Listen from the moment the call exists: CALLING is the INVITE leaving for SIPp.
      if (c.getInfo().state === "CALLING") invitedAt = performance.now();
      c.on("state", (st) => {
        if (st === "CALLING" && !invitedAt) invitedAt = performance.now();
        if (st === "CONFIRMED") answeredAt = performance.now();
      });
      c.on("dtmf", (d) => digits.push(d));
    },
  });
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await rt.stop();
  });
  const sim = rt.sim!;
  await waitFor(() => rt.daemon.serviceAvailable, "controller link");
  await new Promise((r) => setTimeout(r, 300)); // SIPp binds its socket

  const lifted = performance.now();
  sim.lift("h1");
  await waitFor(() => invitedAt > 0, "INVITE sent");
  const invitedAfterMs = invitedAt - lifted;
  t.true(invitedAfterMs < 2000, `INVITE ${invitedAfterMs.toFixed(1)} ms after the off-hook edge (budget 2 s)`);
  t.log(`off-hook → INVITE sent: ${invitedAfterMs.toFixed(1)} ms`);
  await waitFor(() => answeredAt > 0, "SIPp answered the INVITE", 10_000);
  t.is(calls.length, 1);

  await waitFor(() => rt.daemon.handsets.get("h1")!.state === "dialling", "controller audio arrived", 15_000);
  sim.press("h1", "42#");
  await waitFor(() => digits.length >= 3, "three digits echoed", 10_000);
  await sim.flash("h1", 300);
  await waitFor(() => digits.some((d) => d.digit === "flash"), "flash echoed", 10_000);
  t.deepEqual(
    digits.map((d) => `${d.digit}/${d.method}`),
    ["4/rfc4733", "2/rfc4733", "#/rfc4733", "flash/rfc4733"],
  );

  sim.hangUp("h1");
  const result = await sipp.exited;
  t.is(result.code, 0, result.stdout.slice(-1500) + result.stderr);
  t.is(rt.daemon.handsets.get("h1")!.state, "on-hook");

  // What the inmate heard: local dial tone (350 + 440 Hz) while SIPp held its answer, then the
  // controller's audio (the echoed 1 kHz).
  stopped = true;
  await rt.stop();
  const ear = readWav(rt.earpieceFiles.get("h1")!).channel(0); // left: what the inmate hears
  const dial = frequencyPresence(ear, 350).map((p, i) => p && frequencyPresence(ear, 440)[i]);
  const dialWindows = dial.filter(Boolean).length;
  t.true(dialWindows >= 8, `dial tone in ${dialWindows} × 50 ms windows (SIPp answered after 600 ms)`);
  const firstDial = dial.indexOf(true);
  const firstPrompt = frequencyPresence(ear, 1000).indexOf(true);
  t.true(firstPrompt > firstDial, "the controller's audio follows the dial tone");
  t.false(
    frequencyPresence(ear, 350)
      .slice(firstPrompt + 2)
      .some(Boolean),
    "no dial tone once the controller is heard",
  );
});
