import { join } from "node:path";
import test from "ava";
import type { AudioMedia, Call } from "../../../telephony/api.ts";
import { SdpNegotiationError } from "../../../telephony/sdp/offer-answer.ts";
import { createEndpoint } from "../../../telephony/ua/endpoint.ts";
import { fileHasFrequency } from "../../support/audio.ts";
import { collectDtmf, delay, loopbackEndpoint, tempDir, until, waitState } from "./helpers.ts";

async function pair(
  t: { teardown(fn: () => unknown): void },
  opts: { bCodecs?: ("PCMU" | "PCMA")[]; aCodecs?: ("PCMU" | "PCMA")[]; inband?: boolean } = {},
) {
  const a = await loopbackEndpoint();
  const b = await loopbackEndpoint();
  t.teardown(() => a.ep.libDestroy());
  t.teardown(() => b.ep.libDestroy());
  const alice = a.ep.accountCreate({ idUri: "sip:alice@127.0.0.1" });
  const bob = b.ep.accountCreate({ idUri: "sip:bob@127.0.0.1", inbandDtmf: opts.inband ?? false });
  return { a, b, alice, bob };
}

test("an offer with no codec we take is answered 488 Not Acceptable Here", async (t) => {
  const pcmuOnly = createEndpoint({ media: { codecs: ["PCMU"] } });
  t.teardown(() => pcmuOnly.libDestroy());
  const { port } = await pcmuOnly.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  const pcmaOnly = createEndpoint({ media: { codecs: ["PCMA"] } });
  t.teardown(() => pcmaOnly.libDestroy());
  await pcmaOnly.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  let answerError: unknown;
  pcmuOnly.accountCreate({ idUri: "sip:bob@127.0.0.1" }).on("incomingCall", (c) => {
    c.answer().catch((e: unknown) => {
      answerError = e;
    });
  });
  const call = pcmaOnly.accountCreate({ idUri: "sip:alice@127.0.0.1" }).makeCall(`sip:bob@127.0.0.1:${port}`);
  await waitState(call, "DISCONNECTED");
  t.is(call.getInfo().lastStatusCode, 488);
  t.true(answerError instanceof SdpNegotiationError);
});

test("re-INVITE both ways (hold, then unhold) keeps the call CONFIRMED and audio flows afterwards", async (t) => {
  const { a, b, alice, bob } = await pair(t);
  let incoming: Call | undefined;
  bob.on("incomingCall", (c) => {
    incoming = c;
    void c.answer();
  });
  const call = alice.makeCall(`sip:bob@127.0.0.1:${b.port}`);
  await waitState(call, "CONFIRMED");
  await until(() => incoming?.getInfo().state === "CONFIRMED", 5000, "callee CONFIRMED");
  const callee = incoming as Call;
  await call.reinvite({ hold: true });
  await callee.reinvite({ hold: true });
  await callee.reinvite();
  await call.reinvite();
  t.is(call.getInfo().state, "CONFIRMED");
  t.is(callee.getInfo().state, "CONFIRMED");

  const dir = tempDir("yl-reinvite-");
  const rec = await b.ep.createRecorder(join(dir, "bob.wav"));
  (callee.getAudioMedia() as AudioMedia).startTransmit(rec.left);
  const tone = a.ep.createToneGenerator();
  tone.play([{ freq1: 1200, onMs: 1000, offMs: 0 }], true);
  tone.startTransmit(call.getAudioMedia() as AudioMedia);
  await delay(1000);
  await rec.close();
  tone.destroy();
  t.true(fileHasFrequency(join(dir, "bob.wav"), 1200, { channel: 0, minRatio: 0.5 }));
});

test("an account with inbandDtmf reports DTMF tones heard in the audio as method inband", async (t) => {
  const { a, b, alice, bob } = await pair(t, { inband: true });
  let incoming: Call | undefined;
  bob.on("incomingCall", (c) => {
    incoming = c;
    void c.answer();
  });
  const call = alice.makeCall(`sip:bob@127.0.0.1:${b.port}`);
  await waitState(call, "CONFIRMED");
  await until(() => incoming?.getInfo().state === "CONFIRMED", 5000, "callee CONFIRMED");
  const digits = collectDtmf(incoming as Call);
  const tone = a.ep.createToneGenerator();
  t.teardown(() => tone.destroy());
  // "8" is 852 Hz + 1336 Hz; 120 ms on, well above the Q.24 minimum of 40 ms.
  tone.play([{ freq1: 852, freq2: 1336, onMs: 120, offMs: 200, levelDbm0: -10 }], false);
  tone.startTransmit(call.getAudioMedia() as AudioMedia);
  await until(() => digits.length >= 1, 5000, "an in-band digit");
  t.is(digits[0]?.digit, "8");
  t.is(digits[0]?.method, "inband");
});

test("a callee's 180 then 200 is seen by the caller as EARLY then CONFIRMED; info events carry INFO bodies", async (t) => {
  const { b, alice, bob } = await pair(t);
  let incoming: Call | undefined;
  bob.on("incomingCall", (c) => {
    incoming = c;
    void c.answer({ statusCode: 180 });
  });
  const call = alice.makeCall(`sip:bob@127.0.0.1:${b.port}`);
  await waitState(call, "EARLY");
  t.is(call.getInfo().lastStatusCode, 180);
  await (incoming as Call).answer();
  await waitState(call, "CONFIRMED");
  const infos: [string, string][] = [];
  (incoming as Call).on("info", (type, body) => infos.push([type, body]));
  t.is(await call.sendInfo("text/plain", "hello"), 200);
  await until(() => infos.length > 0, 5000, "INFO");
  t.deepEqual(infos[0], ["text/plain", "hello"]);
  await call.hangup();
});

test("a call over TCP: the Contact says transport=tcp and in-dialog requests stay on TCP", async (t) => {
  const a = createEndpoint();
  const b = createEndpoint();
  t.teardown(() => a.libDestroy());
  t.teardown(() => b.libDestroy());
  await a.transportCreate("tcp", { host: "127.0.0.1", port: 0 });
  const { port } = await b.transportCreate("tcp", { host: "127.0.0.1", port: 0 });
  let incoming: Call | undefined;
  b.accountCreate({ idUri: "sip:bob@127.0.0.1" }).on("incomingCall", (c) => {
    incoming = c;
    void c.answer();
  });
  const call = a.accountCreate({ idUri: "sip:alice@127.0.0.1" }).makeCall(`sip:bob@127.0.0.1:${port};transport=tcp`);
  await waitState(call, "CONFIRMED");
  await until(() => incoming?.getInfo().state === "CONFIRMED", 5000, "callee CONFIRMED (ACK over TCP)");
  t.regex(incoming?.getInfo().inviteHeaders?.via ?? "", /SIP\/2\.0\/TCP/);
  t.regex(incoming?.getInfo().inviteHeaders?.contact ?? "", /transport=tcp/);
  await (incoming as Call).hangup();
  await waitState(call, "DISCONNECTED");
  t.is(call.getInfo().disconnectReason, "BYE from remote");
});

test("a listener that throws is logged and skipped: the call goes on", async (t) => {
  const errors: string[] = [];
  const a = createEndpoint({ log: (level, msg) => level === "error" && errors.push(msg) });
  const b = await loopbackEndpoint();
  t.teardown(() => a.libDestroy());
  t.teardown(() => b.ep.libDestroy());
  await a.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  b.ep.accountCreate({ idUri: "sip:bob@127.0.0.1" }).on("incomingCall", (c) => void c.answer());
  const call = a.accountCreate({ idUri: "sip:alice@127.0.0.1" }).makeCall(`sip:bob@127.0.0.1:${b.port}`);
  call.on("state", () => {
    throw new Error("observer bug");
  });
  await waitState(call, "CONFIRMED");
  await call.hangup();
  t.is(call.getInfo().state, "DISCONNECTED");
  t.true(errors.some((m) => /state listener threw/.test(m)));
});

test("early media: after a 183 with SDP the caller hears the callee's prompt while still EARLY", async (t) => {
  const { a, b, alice, bob } = await pair(t);
  let incoming: Call | undefined;
  bob.on("incomingCall", (c) => {
    incoming = c;
    void c.answer({ statusCode: 183 });
  });
  const call = alice.makeCall(`sip:bob@127.0.0.1:${b.port}`);
  const media: AudioMedia[] = [];
  call.on("media", (m) => media.push(m));
  await waitState(call, "EARLY");
  await until(() => media.length === 1 && incoming?.getAudioMedia() !== undefined, 5000, "early media on both sides");
  const prompt = b.ep.createToneGenerator();
  prompt.play([{ freq1: 1400, onMs: 1000, offMs: 0 }], true);
  prompt.startTransmit((incoming as Call).getAudioMedia() as AudioMedia);
  const dir = tempDir("yl-early-");
  const rec = await a.ep.createRecorder(join(dir, "caller.wav"));
  (call.getAudioMedia() as AudioMedia).startTransmit(rec.right);
  await delay(800);
  await rec.close();
  prompt.destroy();
  t.is(call.getInfo().state, "EARLY");
  t.true(fileHasFrequency(join(dir, "caller.wav"), 1400, { channel: 1, minRatio: 0.5 }));
  await (incoming as Call).answer();
  await waitState(call, "CONFIRMED");
  t.is(media.length, 1, "one media event per call");
  await call.hangup();
});

test("an INVITE nobody answers ends with 408 when Timer B fires (64*T1, T1 shortened to 20 ms)", async (t) => {
  const a = await loopbackEndpoint({ sipTimers: { T1: 20 } });
  const silent = await loopbackEndpoint(); // bound, but no account: it would answer 480...
  await silent.ep.libDestroy(); // ...so close it: its port now swallows datagrams
  t.teardown(() => a.ep.libDestroy());
  const call = a.ep.accountCreate({ idUri: "sip:alice@127.0.0.1" }).makeCall(`sip:bob@127.0.0.1:${silent.port}`);
  await waitState(call, "DISCONNECTED", 10_000);
  t.is(call.getInfo().lastStatusCode, 408);
  t.is(call.getInfo().disconnectReason, "408 Request Timeout");
});
