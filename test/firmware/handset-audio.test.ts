import test from "ava";
import { Handset, type HandsetReport } from "../../firmware/handset.ts";
import { HandsetAudio, SOUND_RETRY_MS } from "../../firmware/handset-audio.ts";
import type { ExtraAudioDevice, SoundDeviceFault } from "../../telephony/api.ts";
import { VirtualClock } from "../../telephony/clock.ts";
import { Emitter } from "../../telephony/media/emitter.ts";
import { FakeEarpiece, FakeLine, FakeOutput } from "./fakes.ts";

/** A sound device whose open() succeeds or fails as the test says, and that dies on demand. */
class FakeSoundDevice extends Emitter {
  opened = false;
  opens = 0;
  /** The next open() fails with this, when set. */
  broken: string | undefined;
  async open(): Promise<void> {
    this.opens++;
    if (this.broken) {
      this.emit("fault", { direction: "playback", device: "hs1", message: this.broken, fatal: true });
      throw new Error(this.broken);
    }
    this.opened = true;
  }
  async close(): Promise<void> {
    this.opened = false;
  }
  isOpened(): boolean {
    return this.opened;
  }
  /** aplay died past its restarts. */
  dies(message: string): void {
    this.opened = false;
    const f: SoundDeviceFault = { direction: "playback", device: "hs1", message, fatal: true };
    this.emit("fault", f);
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function setup(opts: { broken?: string } = {}) {
  const clock = new VirtualClock();
  const device = new FakeSoundDevice();
  if (opts.broken) device.broken = opts.broken;
  const sip = new FakeLine();
  const audio = new HandsetAudio({
    handset: "h1",
    device: device as unknown as ExtraAudioDevice,
    line: sip,
    clock,
  });
  const reports: HandsetReport[] = [];
  const earpiece = new FakeEarpiece();
  const handset = new Handset({
    id: "h1",
    unit: "A",
    line: audio,
    earpiece,
    lineRelay: new FakeOutput("relay"),
    statusLed: new FakeOutput("led"),
    report: (r) => reports.push(r),
  });
  handset.setAvailable(true, "controller reachable");
  const lift = () => handset.signal({ kind: "off-hook" });
  const hangUp = () => handset.signal({ kind: "hang-up" });
  return { clock, device, sip, audio, handset, reports, earpiece, lift, hangUp };
}

test("a handset whose sound device opened places its call through the SIP line", async (t) => {
  const s = setup();
  t.true(await s.audio.start());
  t.true(s.audio.available);
  s.lift();
  t.is(s.sip.calls.length, 1);
  t.is(s.handset.state, "off-hook");
  t.deepEqual(s.audio.faults(), []);
});

test("a device that does not open keeps the line out of service: a lift places no call, and it is retried every 30 s until it opens", async (t) => {
  const s = setup({ broken: "plughw:CARD=Handset1,DEV=0: ALSA playback device not opened: No such device" });
  t.false(await s.audio.start());
  t.deepEqual(s.audio.faults(), [
    "handset h1 audio: plughw:CARD=Handset1,DEV=0: ALSA playback device not opened: No such device",
  ]);
  s.lift();
  await flush();
  t.is(s.sip.calls.length, 0, "no call nobody could hear");
  t.is(s.handset.state, "lockout");
  t.true(s.earpiece.heard.includes("unavailable"));
  const ended = s.reports.find((r) => r.kind === "state" && r.state === "lockout");
  t.regex(
    ended?.kind === "state" ? ended.reason : "",
    /call ended: handset audio out of service \(no audio: .*No such device\)/,
  );
  s.hangUp();
  s.clock.advance(SOUND_RETRY_MS - 1);
  await flush();
  t.is(s.device.opens, 1, "not before 30 s");
  s.clock.advance(1);
  await flush();
  t.is(s.device.opens, 2, "tried again at 30 s");
  t.false(s.audio.available);
  s.device.broken = undefined; // the adapter is plugged back in
  s.clock.advance(SOUND_RETRY_MS);
  await flush();
  t.is(s.device.opens, 3);
  t.true(s.audio.available, "back in service");
  t.deepEqual(s.audio.faults(), [], "the fault clears");
  t.is(s.clock.pending(), 0, "no more retries");
  s.lift();
  t.is(s.sip.calls.length, 1);
});

test("a device that dies during a call ends the call with the reason, takes the line out of service, and brings it back when it opens again", async (t) => {
  const s = setup();
  await s.audio.start();
  s.lift();
  const call = s.sip.last;
  call?.audioArrives();
  t.is(s.handset.state, "dialling");
  s.device.broken = "aplay: pcm_write:2178: write error: No such device";
  s.device.dies("aplay: pcm_write:2178: write error: No such device; gave up after 3 restarts");
  t.true(call?.hungUp, "the SIP call is hung up");
  t.false(s.handset.hasCall);
  t.is(s.handset.state, "lockout");
  const last = s.reports.filter((r) => r.kind === "state").at(-1);
  t.deepEqual(last, {
    kind: "state",
    state: "lockout",
    reason:
      "call ended: handset audio lost: aplay: pcm_write:2178: write error: No such device; gave up after 3 restarts",
  });
  t.deepEqual(s.audio.faults(), [
    "handset h1 audio: aplay: pcm_write:2178: write error: No such device; gave up after 3 restarts",
  ]);
  call?.end("BYE"); // the controller's own end of the call comes after: already handled
  s.hangUp();
  s.lift();
  await flush();
  t.is(s.sip.calls.length, 1, "later lifts place no call");
  s.hangUp();
  s.clock.advance(SOUND_RETRY_MS);
  await flush();
  t.false(s.audio.available, "still broken at the first retry");
  t.regex(s.audio.faults().join("\n"), /write error: No such device$/, "the fault says why, as of the retry");
  s.device.broken = undefined;
  s.clock.advance(SOUND_RETRY_MS);
  await flush();
  t.true(s.audio.available);
  t.deepEqual(s.audio.faults(), []);
  s.lift();
  t.is(s.sip.calls.length, 2, "in service again");
});

test("stop() ends the retries", async (t) => {
  const s = setup({ broken: "no device" });
  await s.audio.start();
  t.is(s.clock.pending(), 1);
  s.audio.stop();
  t.is(s.clock.pending(), 0);
  s.clock.advance(SOUND_RETRY_MS * 2);
  await flush();
  t.is(s.device.opens, 1);
});
