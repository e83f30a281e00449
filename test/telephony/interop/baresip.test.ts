/**
 * baresip (a complete SIP user agent in C) calls Yardline and is called by it. Each side sends
 * a tone; the other side's recording must hold it: Yardline's recorder for baresip's 600 Hz
 * file, baresip's sndfile dump (dump-*-dec.wav, what it heard) for Yardline's 1 kHz tone.
 * Digits go both ways as RFC 4733 events.
 */
import { join } from "node:path";
import test from "ava";
import type { AudioMedia, Call } from "../../../telephony/api.ts";
import { fileHasFrequency, sine, writeWav } from "../../support/audio.ts";
import { type BaresipRun, startBaresip } from "../../support/baresip.ts";
import { collectDtmf, delay, loopbackEndpoint, peerPort, tempDir, until, waitState } from "../ua/helpers.ts";

async function baresip(t: { teardown(fn: () => unknown): void }, dir: string): Promise<BaresipRun> {
  const audioFile = join(dir, "baresip-600hz.wav");
  writeWav(audioFile, sine([600], 30_000, { levelDbm0: -10 }));
  const run = await startBaresip({
    sipPort: await peerPort(),
    ctrlPort: await peerPort(),
    rtpPort: await peerPort(10),
    audioFile,
  });
  t.teardown(() => run.stop());
  return run;
}

/** Sends our 1 kHz tone into the call and records what the call hears, for `ms`. */
async function exchangeAudio(
  ep: Awaited<ReturnType<typeof loopbackEndpoint>>["ep"],
  call: Call,
  file: string,
  ms: number,
): Promise<void> {
  const audio = call.getAudioMedia() as AudioMedia;
  const rec = await ep.createRecorder(file);
  audio.startTransmit(rec.right);
  const tone = ep.createToneGenerator();
  tone.play([{ freq1: 1000, onMs: 1000, offMs: 0 }], true);
  tone.startTransmit(audio);
  await delay(ms);
  await rec.close();
  tone.destroy();
}

test("baresip calling Yardline: each hears the other's tone, digits both ways, our BYE ends it", async (t) => {
  const dir = tempDir("yl-baresip-in-");
  const peer = await baresip(t, dir);
  const { ep, port } = await loopbackEndpoint();
  t.teardown(() => ep.libDestroy());
  const acc = ep.accountCreate({ idUri: "sip:yardline@127.0.0.1" });
  let incoming: Call | undefined;
  acc.on("incomingCall", (c) => {
    incoming = c;
    void c.answer();
  });
  const r = await peer.command("dial", `sip:yardline@127.0.0.1:${port}`);
  t.true(r.ok, r.data);
  await until(() => incoming?.getInfo().state === "CONFIRMED", 10_000, "Yardline CONFIRMED");
  const call = incoming as Call;
  await peer.waitEvent("CALL_ESTABLISHED");
  const digits = collectDtmf(call);
  const file = join(dir, "yardline-heard.wav");
  await exchangeAudio(ep, call, file, 1500);

  await peer.command("sndcode", "7");
  await until(() => digits.length >= 1, 5000, "digit from baresip");
  t.is(digits[0]?.digit, "7");
  t.is(digits[0]?.method, "rfc4733");
  await call.dialDtmf("4");
  const dtmfEv = await peer.waitEvent("CALL_DTMF_START");
  t.is(dtmfEv.param, "4");

  await call.hangup();
  await peer.waitEvent("CALL_CLOSED");
  t.true(fileHasFrequency(file, 600, { channel: 1, minRatio: 0.5 }), "Yardline heard baresip's 600 Hz");
  await until(() => peer.dumps().dec.length > 0, 5000, "baresip dump");
  const heard = peer.dumps().dec[0] as string;
  t.true(fileHasFrequency(heard, 1000, { minRatio: 0.4 }), "baresip heard Yardline's 1 kHz");
});

test("Yardline calling baresip (auto answer): tones both ways, baresip's hangup is BYE from remote", async (t) => {
  const dir = tempDir("yl-baresip-out-");
  const peer = await baresip(t, dir);
  const { ep } = await loopbackEndpoint();
  t.teardown(() => ep.libDestroy());
  const acc = ep.accountCreate({ idUri: "sip:station-9@127.0.0.1" });
  const call = acc.makeCall(`sip:baresip@127.0.0.1:${peer.sipPort}`);
  await waitState(call, "CONFIRMED", 10_000);
  t.is(call.getInfo().codec, "PCMU");
  const file = join(dir, "yardline-heard.wav");
  await exchangeAudio(ep, call, file, 1500);
  const r = await peer.command("hangup");
  t.true(r.ok, r.data);
  await waitState(call, "DISCONNECTED");
  t.is(call.getInfo().disconnectReason, "BYE from remote");
  t.true(fileHasFrequency(file, 600, { channel: 1, minRatio: 0.5 }), "Yardline heard baresip's 600 Hz");
  await until(() => peer.dumps().dec.length > 0, 5000, "baresip dump");
  t.true(fileHasFrequency(peer.dumps().dec[0] as string, 1000, { minRatio: 0.4 }), "baresip heard Yardline's 1 kHz");
});
