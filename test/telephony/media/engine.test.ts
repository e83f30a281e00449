import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import test, { type ExecutionContext } from "ava";
import { VirtualClock } from "../../../telephony/clock.ts";
import { createMediaEngine } from "../../../telephony/media/engine.ts";
import { WavFormatError } from "../../../telephony/media/wav.ts";
import { frequencyPresence, presenceRatio, readWav, sine, toneLevelDbm0, writeWav } from "../../support/audio.ts";

/** A directory removed when the test ends. */
function tmp(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), "media-engine-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("the bridge ticks every 20 ms of the injected clock", async (t) => {
  const clock = new VirtualClock(0);
  const engine = createMediaEngine({ clock });
  t.teardown(() => engine.close());
  clock.advance(1000);
  t.is(engine.tickStats().ticks, 50);
  await engine.close();
  clock.advance(1000);
  t.is(engine.tickStats().ticks, 50, "no tick after close");
});

test("a recording holds the inmate side on the left and the called party on the right", async (t) => {
  const dir = tmp(t);
  const clock = new VirtualClock(0);
  const engine = createMediaEngine({ clock });
  t.teardown(() => engine.close());
  const dial = engine.createToneGenerator();
  const busy = engine.createToneGenerator();
  const rec = await engine.createRecorder(join(dir, "call.wav"));
  dial.play("dial");
  busy.play("busy");
  dial.startTransmit(rec.left);
  busy.startTransmit(rec.right);
  clock.advance(2000);
  const size = await rec.close();
  const wav = readWav(join(dir, "call.wav"));
  t.is(wav.channels, 2);
  t.is(wav.rate, 8000);
  t.is(size, 44 + 2000 * 8 * 4);
  const left = wav.channel(0);
  const right = wav.channel(1);
  t.true(Math.abs(toneLevelDbm0(left, 350, 0, 8000) + 13) < 0.5, "dial tone at −13 dBm0 on the left");
  t.true(toneLevelDbm0(right, 350, 0, 8000) < -50, "no dial tone on the right");
  t.true(presenceRatio(right, 620) > 0.4, "busy on the right");
  t.true(presenceRatio(left, 620) === 0, "no busy on the left");
});

test("the player plays its queue in order, says which file starts, and ends when drained", async (t) => {
  const dir = tmp(t);
  writeWav(join(dir, "a.wav"), sine([500], 300));
  writeWav(join(dir, "b.wav"), sine([1500], 300));
  const clock = new VirtualClock(0);
  const engine = createMediaEngine({ clock });
  t.teardown(() => engine.close());
  const player = engine.createPlayer();
  const rec = await engine.createRecorder(join(dir, "out.wav"));
  player.startTransmit(rec.right);
  const started: string[] = [];
  let ended = 0;
  player.on("file", (f: string) => started.push(f));
  player.on("end", () => ended++);
  player.enqueue([join(dir, "a.wav"), join(dir, "b.wav")]);
  t.true(player.playing);
  clock.advance(400);
  await Promise.resolve();
  t.deepEqual(started, [join(dir, "a.wav"), join(dir, "b.wav")]);
  t.is(ended, 0);
  clock.advance(400);
  await Promise.resolve();
  t.is(ended, 1);
  t.false(player.playing);
  await rec.close();
  const right = readWav(join(dir, "out.wav")).channel(1);
  const p500 = frequencyPresence(right, 500, { windowMs: 100 });
  const p1500 = frequencyPresence(right, 1500, { windowMs: 100 });
  t.deepEqual(p500.slice(0, 3), [true, true, true]);
  t.deepEqual(p1500.slice(3, 6), [true, true, true]);
  t.false(p500[4]);
});

test("the player refuses a file it cannot play, naming the file and its format, and queues nothing", (t) => {
  const dir = tmp(t);
  writeWav(join(dir, "ok.wav"), sine([500], 100));
  writeWav(join(dir, "cd.wav"), sine([500], 100, { rate: 44100 }), 1, 44100);
  const engine = createMediaEngine({ clock: new VirtualClock(0) });
  t.teardown(() => engine.close());
  const player = engine.createPlayer();
  const err = t.throws(() => player.enqueue([join(dir, "ok.wav"), join(dir, "cd.wav")]), {
    instanceOf: WavFormatError,
  });
  t.true(err.message.includes(join(dir, "cd.wav")));
  t.regex(err.message, /44100 Hz/);
  t.false(player.playing);
  t.throws(() => player.enqueue([join(dir, "missing.wav")]), { message: /ENOENT/ });
});

test("a prompt overlays a conversation at a set level", async (t) => {
  const dir = tmp(t);
  writeWav(join(dir, "prompt.wav"), sine([1000], 1000, { levelDbm0: -10 }));
  const clock = new VirtualClock(0);
  const engine = createMediaEngine({ clock });
  t.teardown(() => engine.close());
  const talk = engine.createToneGenerator();
  talk.play([{ freq1: 400, onMs: 1000, offMs: 0, levelDbm0: -10 }], true);
  const player = engine.createPlayer();
  const rec = await engine.createRecorder(join(dir, "mix.wav"));
  talk.startTransmit(rec.left);
  player.startTransmit(rec.left, 0.5); // −6 dB
  player.enqueue([join(dir, "prompt.wav")]);
  clock.advance(1000);
  await rec.close();
  const left = readWav(join(dir, "mix.wav")).channel(0);
  t.true(Math.abs(toneLevelDbm0(left, 400, 800, 4000) + 10) < 0.5, "conversation unchanged");
  t.true(Math.abs(toneLevelDbm0(left, 1000, 800, 4000) + 16) < 0.5, "prompt 6 dB down");
});

test("a tone generator plays SIT once and stops; stop() silences a looping tone", async (t) => {
  const dir = tmp(t);
  const clock = new VirtualClock(0);
  const engine = createMediaEngine({ clock });
  t.teardown(() => engine.close());
  const tone = engine.createToneGenerator();
  const rec = await engine.createRecorder(join(dir, "sit.wav"));
  tone.startTransmit(rec.left);
  tone.play("sit");
  clock.advance(1200);
  t.false(tone.playing);
  tone.play("ringback");
  clock.advance(500);
  tone.stop();
  clock.advance(500);
  await rec.close();
  const left = readWav(join(dir, "sit.wav")).channel(0);
  t.true(toneLevelDbm0(left, 913.8, 400, 1600) > -26);
  t.true(toneLevelDbm0(left, 1776.7, 4800, 2000) > -26);
  t.true(
    left.subarray(7500, 9600).every((v) => v === 0),
    "silent after SIT",
  );
  t.true(presenceRatio(left.subarray(9600, 13600), 480) > 0.9, "ringback");
  t.true(
    left.subarray(13700).every((v) => v === 0),
    "silent after stop()",
  );
});

test("the recorder rewrites its header every second while recording", async (t) => {
  const dir = tmp(t);
  const clock = new VirtualClock(0);
  const engine = createMediaEngine({ clock });
  t.teardown(() => engine.close());
  const tone = engine.createToneGenerator();
  tone.play("dial");
  const rec = await engine.createRecorder(join(dir, "live.wav"));
  tone.startTransmit(rec.left);
  const flushed: number[] = [];
  rec.on("flush", (n: number) => flushed.push(n));
  clock.advance(2100);
  // let the queued file writes finish (real I/O, not timed)
  while (flushed.length < 2) await new Promise((r) => setImmediate(r));
  t.deepEqual(flushed, [32000, 64000]);
  const wav = readWav(join(dir, "live.wav"));
  t.is(wav.samples.length, 2 * 8000 * 2, "the file on disk reads as 2 s before close");
  await rec.close();
});

test("the engine forgets a player, tone generator and recorder once destroyed or closed (no per-call leak)", async (t) => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const clock = new VirtualClock(0);
  const engine = createMediaEngine({ clock });
  t.teardown(() => engine.close());
  const dir = tmp(t);
  // made in a function of its own so that no reference stays on this stack
  const make = async () => {
    const player = engine.createPlayer();
    const tone = engine.createToneGenerator();
    const rec = await engine.createRecorder(join(dir, "gone.wav"));
    tone.startTransmit(rec.left);
    player.destroy();
    tone.destroy();
    await rec.close();
    return [new WeakRef(player), new WeakRef(tone), new WeakRef(rec)] as const;
  };
  const refs = await make();
  for (let i = 0; i < 10 && refs.some((r) => r.deref() !== undefined); i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  t.deepEqual(
    refs.map((r) => r.deref() === undefined),
    [true, true, true],
    "player, tone generator, recorder collected",
  );
});
