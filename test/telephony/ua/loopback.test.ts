import { join } from "node:path";
import test from "ava";
import type { Call } from "../../../telephony/api.ts";
import { fileHasFrequency } from "../../support/audio.ts";
import { collectDtmf, delay, loopbackEndpoint, tempDir, until, waitState } from "./helpers.ts";

test("a call between two endpoints on loopback carries audio, RFC 4733 digits and ends with BYE from remote", async (t) => {
  const a = await loopbackEndpoint();
  const b = await loopbackEndpoint();
  t.teardown(() => a.ep.libDestroy());
  t.teardown(() => b.ep.libDestroy());
  const alice = a.ep.accountCreate({ idUri: "sip:alice@127.0.0.1" });
  const bob = b.ep.accountCreate({ idUri: "sip:bob@127.0.0.1" });
  let incoming: Call | undefined;
  bob.on("incomingCall", (call) => {
    incoming = call;
    void call.answer({ statusCode: 180 }).then(() => call.answer());
  });
  const call = alice.makeCall(`sip:bob@127.0.0.1:${b.port}`, { headers: { "X-Inmate": "1234" } });
  const states: string[] = [];
  call.on("state", (s) => states.push(s));
  await waitState(call, "CONFIRMED");
  await until(() => incoming?.getInfo().state === "CONFIRMED", 5000, "callee CONFIRMED");
  const callee = incoming as Call;
  t.deepEqual(states, ["CALLING", "EARLY", "CONNECTING", "CONFIRMED"]);
  t.is(callee.getInfo().requestUser, "bob");
  t.is(callee.getInfo().inviteHeaders?.["x-inmate"], "1234");
  t.is(call.getInfo().codec, "PCMU");

  // A 1 kHz tone from Alice is heard in Bob's recording.
  const dir = tempDir("yl-ua-");
  const rec = await b.ep.createRecorder(join(dir, "bob.wav"));
  callee.getAudioMedia()?.startTransmit(rec.left);
  const tone = a.ep.createToneGenerator();
  tone.play([{ freq1: 1000, onMs: 1000, offMs: 0 }], true);
  tone.startTransmit(call.getAudioMedia() as NonNullable<ReturnType<Call["getAudioMedia"]>>);
  await delay(1200);
  await rec.close();
  tone.destroy();
  t.true(fileHasFrequency(join(dir, "bob.wav"), 1000, { channel: 0, minRatio: 0.5 }));

  const digits = collectDtmf(callee);
  await call.dialDtmf("5#");
  await until(() => digits.length >= 2, 5000, "two digits");
  t.deepEqual(
    digits.map((d) => [d.digit, d.method]),
    [
      ["5", "rfc4733"],
      ["#", "rfc4733"],
    ],
  );

  const infoDigits = collectDtmf(call);
  t.is(await callee.sendInfo("application/dtmf-relay", "Signal=7\r\nDuration=160\r\n"), 200);
  await until(() => infoDigits.length >= 1, 5000, "INFO digit");
  t.deepEqual(infoDigits[0], { digit: "7", method: "info", durationMs: 160 });

  await callee.hangup();
  await waitState(call, "DISCONNECTED");
  t.is(call.getInfo().disconnectReason, "BYE from remote");
  t.is(callee.getInfo().disconnectReason, "local hangup");
});

test("hangup on an unanswered incoming call sends the status asked for (486) and the caller sees it", async (t) => {
  const a = await loopbackEndpoint();
  const b = await loopbackEndpoint();
  t.teardown(() => a.ep.libDestroy());
  t.teardown(() => b.ep.libDestroy());
  const alice = a.ep.accountCreate({ idUri: "sip:alice@127.0.0.1" });
  const bob = b.ep.accountCreate({ idUri: "sip:bob@127.0.0.1" });
  bob.on("incomingCall", (call) => void call.hangup({ statusCode: 486 }));
  const call = alice.makeCall(`sip:bob@127.0.0.1:${b.port}`);
  await waitState(call, "DISCONNECTED");
  t.is(call.getInfo().lastStatusCode, 486);
  t.is(call.getInfo().disconnectReason, "486 Busy Here");
});

test("an incoming call to an unknown user goes to the account without a registrar; none at all gets 404", async (t) => {
  const a = await loopbackEndpoint();
  const b = await loopbackEndpoint();
  t.teardown(() => a.ep.libDestroy());
  t.teardown(() => b.ep.libDestroy());
  const alice = a.ep.accountCreate({ idUri: "sip:alice@127.0.0.1" });
  b.ep.accountCreate({ idUri: "sip:station@127.0.0.1", registrarUri: "sip:127.0.0.1:9" });
  const call = alice.makeCall(`sip:5551234@127.0.0.1:${b.port}`);
  await waitState(call, "DISCONNECTED");
  t.is(call.getInfo().lastStatusCode, 404);

  const trunk = b.ep.accountCreate({ idUri: "sip:trunk@127.0.0.1" });
  let dialled: string | undefined;
  trunk.on("incomingCall", (c) => {
    dialled = c.getInfo().requestUser;
    void c.hangup({ statusCode: 404 });
  });
  const second = alice.makeCall(`sip:5551234@127.0.0.1:${b.port}`);
  await waitState(second, "DISCONNECTED");
  t.is(dialled, "5551234");
});

test("CANCEL before answer ends both sides with 487 and the reason CANCEL", async (t) => {
  const a = await loopbackEndpoint();
  const b = await loopbackEndpoint();
  t.teardown(() => a.ep.libDestroy());
  t.teardown(() => b.ep.libDestroy());
  const alice = a.ep.accountCreate({ idUri: "sip:alice@127.0.0.1" });
  const bob = b.ep.accountCreate({ idUri: "sip:bob@127.0.0.1" });
  let incoming: Call | undefined;
  bob.on("incomingCall", (c) => {
    incoming = c;
    void c.answer({ statusCode: 180 });
  });
  const call = alice.makeCall(`sip:bob@127.0.0.1:${b.port}`);
  await waitState(call, "EARLY");
  await call.hangup();
  t.is(call.getInfo().state, "DISCONNECTED");
  t.is(call.getInfo().disconnectReason, "CANCEL");
  await until(() => incoming?.getInfo().state === "DISCONNECTED", 5000, "callee DISCONNECTED");
  t.is(incoming?.getInfo().lastStatusCode, 487);
  t.is(incoming?.getInfo().disconnectReason, "CANCEL");
});
