/**
 * The ALSA sound-device port against real aplay/arecord and alsa-lib, up to the library
 * boundary: a test ALSA configuration (ALSA_CONFIG_PATH) defines PCMs of alsa-lib's `file`
 * plugin over `null`, so what aplay plays lands in a file alsa-lib writes, and what arecord
 * captures is read from an `infile` — here a FIFO the test writes, so the test decides when
 * the "microphone" has audio.
 */
import { execFileSync } from "node:child_process";
import { type FileHandle, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import type { SoundDeviceFault } from "../../../telephony/api.ts";
import { AlsaSoundDevice, FRAME_BYTES, SoundDeviceError } from "../../../telephony/audio-device/alsa-device.ts";
import { ConferenceBridge, FRAME_SAMPLES } from "../../../telephony/media/bridge.ts";
import { energy, goertzelPower } from "../../../telephony/media/goertzel.ts";
import { BridgeToneGenerator } from "../../../telephony/media/tone-generator.ts";
import { until } from "../ua/helpers.ts";
import { alsaTestConfig } from "./alsa-conf.ts";

const TONE_HZ = 1000;

/** Share of a frame's energy in one frequency: ~1 for a pure tone there, ~0 elsewhere. */
function toneShare(x: ArrayLike<number>, from: number, n: number, freq: number): number {
  const e = energy(x, from, n);
  if (e === 0) return 0;
  return goertzelPower(x, from, n, freq) / ((e * n) / 2);
}

function toneFrames(samples: Int16Array, freq = TONE_HZ): number {
  let n = 0;
  for (let f = 0; f + FRAME_SAMPLES <= samples.length; f += FRAME_SAMPLES) {
    if (toneShare(samples, f, FRAME_SAMPLES, freq) > 0.9) n++;
  }
  return n;
}

function join16(frames: Int16Array[]): Int16Array {
  const all = new Int16Array(frames.length * FRAME_SAMPLES);
  for (const [i, f] of frames.entries()) all.set(f, i * FRAME_SAMPLES);
  return all;
}

function toneBytes(ms: number, freq = TONE_HZ, amplitude = 8000): Buffer {
  const n = (ms * 8000) / 1000;
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / 8000)), i * 2);
  return b;
}

async function alsaSetup(t: ExecutionContext, opts: { playFifo?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "alsa-"));
  const played = join(dir, "played.raw");
  const micFifo = join(dir, "mic.fifo");
  execFileSync("mkfifo", [micFifo]);
  if (opts.playFifo) execFileSync("mkfifo", [played]);
  const conf = join(dir, "asound.conf");
  await writeFile(
    conf,
    alsaTestConfig({ played, microphone: { infile: micFifo, copy: join(dir, "captured-copy.raw") } }),
  );
  const env = { ...process.env, ALSA_CONFIG_PATH: conf };
  const devices: AlsaSoundDevice[] = [];
  const handles: FileHandle[] = [];
  t.teardown(async () => {
    for (const d of devices) await d.close();
    for (const h of handles) await h.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const bridge = new ConferenceBridge();
  return {
    dir,
    played,
    micFifo,
    env,
    bridge,
    handles,
    device(
      cfg: ConstructorParameters<typeof AlsaSoundDevice>[1],
      o: ConstructorParameters<typeof AlsaSoundDevice>[2] = {},
    ) {
      const d = new AlsaSoundDevice(bridge, cfg, { env, ...o });
      devices.push(d);
      return d;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test("a tone the bridge sends to the port is in the file alsa-lib wrote for the playback device", async (t) => {
  const s = await alsaSetup(t);
  const dev = s.device({ playbackDevice: "earpiece" });
  await dev.open();
  t.true(dev.isOpened());
  const tone = new BridgeToneGenerator(s.bridge);
  tone.play([{ freq1: TONE_HZ, onMs: 1000, offMs: 0, levelDbm0: -10 }]);
  tone.startTransmit(dev);
  for (let i = 0; i < 50; i++) {
    s.bridge.tick();
    await tick();
  }
  await dev.close();
  t.false(dev.isOpened());
  t.is(dev.stats().framesPlayed, 50);
  t.is(dev.stats().playbackDropped, 0);
  const raw = await readFile(s.played);
  t.true(raw.length >= 50 * FRAME_BYTES, `alsa-lib wrote ${raw.length} bytes`);
  const samples = new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1);
  const found = toneFrames(samples);
  t.true(found >= 49, `${found} of 50 frames carry the ${TONE_HZ} Hz tone`);
  t.is(toneFrames(samples, 1500), 0, "and nothing at 1500 Hz");
});

test("a tone in the capture device's input arrives on the bridge; past maxBufferMs the oldest audio is dropped", async (t) => {
  const s = await alsaSetup(t);
  const dev = s.device({ captureDevice: "microphone", maxBufferMs: 200 });
  const heard: Int16Array[] = [];
  const sink = s.bridge.addPort({ write: (f, has) => has && heard.push(f.slice()) }, "listener");
  dev.startTransmit(sink);
  // alsa-lib's open of the infile FIFO waits for its writer, and ours for its reader: together.
  const [mic] = await Promise.all([open(s.micFifo, "w"), dev.open()]);
  s.handles.push(mic);
  // 1 s of tone at once: arecord reads it as fast as it comes, the port keeps the newest 200 ms.
  await mic.write(toneBytes(1000));
  await until(() => dev.stats().captureDropped >= 40, 10_000, "50 frames captured or dropped");
  t.is(dev.stats().captureDropped, 40, "1000 ms in, 200 ms kept");
  for (let i = 0; i < 12; i++) s.bridge.tick();
  t.is(heard.length, 10, "ten 20 ms frames, then nothing while the microphone is silent");
  t.is(dev.stats().framesCaptured, 10);
  t.is(toneFrames(join16(heard)), 10);
  // More audio, at the pace a microphone gives it, goes straight through.
  await mic.write(toneBytes(100));
  const end = Date.now() + 10_000;
  while (heard.length < 15 && Date.now() < end) {
    s.bridge.tick();
    await new Promise((r) => setTimeout(r, 5));
  }
  t.is(heard.length, 15);
  t.is(toneFrames(join16(heard.slice(10))), 5);
  t.is(dev.stats().captureDropped, 40);
});

test("a playback device that stops taking audio costs frames, never more than maxBufferMs of queue", async (t) => {
  // alsa-lib's output is a FIFO the test opens but never reads: once it holds 64 KiB, alsa-lib's
  // write blocks aplay, then aplay's stdin pipe fills (another 64 KiB), then our queue.
  const s = await alsaSetup(t, { playFifo: true });
  const dev = s.device({ playbackDevice: "earpiece", maxBufferMs: 200 }, { stopTimeoutMs: 300 });
  const [stalled] = await Promise.all([open(s.played, "r"), dev.open()]);
  s.handles.push(stalled);
  const ticks = 800;
  for (let i = 0; i < ticks; i++) {
    s.bridge.tick();
    if (i % 50 === 0) await new Promise((r) => setTimeout(r, 20)); // let aplay fill what it can
  }
  const st = dev.stats();
  t.is(st.framesPlayed + st.playbackDropped, ticks);
  t.log(`played ${st.framesPlayed}, dropped ${st.playbackDropped} of ${ticks}`);
  t.true(st.playbackDropped > 0, `dropped ${st.playbackDropped}`);
  // two pipes of at most 64 KiB, aplay's and alsa-lib's buffers (a few periods), our 200 ms
  t.true(st.framesPlayed <= Math.ceil((2 * 65536) / FRAME_BYTES) + 10 + 20, `played ${st.framesPlayed}`);
  await dev.close(); // aplay cannot drain into a FIFO nobody reads: killed after stopTimeoutMs
  t.false(dev.isOpened());
});

test("a device that does not exist is a clear error and a fatal fault, and the bridge goes on", async (t) => {
  const s = await alsaSetup(t);
  const faults: SoundDeviceFault[] = [];
  const dev = s.device({ playbackDevice: "plughw:CARD=NoSuchHandset,DEV=0", captureDevice: "quietmic" });
  dev.on("fault", (f) => faults.push(f));
  const err = await t.throwsAsync(dev.open(), { instanceOf: SoundDeviceError });
  t.is(err?.device, "plughw:CARD=NoSuchHandset,DEV=0");
  t.is(err?.direction, "playback");
  t.regex(
    err?.message ?? "",
    /plughw:CARD=NoSuchHandset,DEV=0: ALSA playback device not opened: .*(Unknown PCM|audio open error)/,
  );
  t.is(faults.length, 1);
  t.true(faults[0]?.fatal);
  t.is(faults[0]?.direction, "playback");
  t.false(dev.isOpened());
  t.deepEqual(dev.processIds(), {}, "the capture process that did start was stopped");
  s.bridge.tick();
  // With the system's own ALSA configuration (no such card there either): alsa-lib's words.
  const sys = new AlsaSoundDevice(s.bridge, { captureDevice: "plughw:CARD=NoSuchHandset,DEV=0" });
  const e2 = await t.throwsAsync(sys.open(), { instanceOf: SoundDeviceError });
  t.regex(e2?.message ?? "", /ALSA capture device not opened: .*(NoSuchHandset|No such|audio open error)/);
  await sys.close();
});

test("a restart that hangs in alsa-lib is timed out and counted like any other, up to the fatal fault", async (t) => {
  const s = await alsaSetup(t, { playFifo: true });
  const faults: SoundDeviceFault[] = [];
  const dev = s.device({ playbackDevice: "earpiece", maxRestarts: 2 }, { restartDelayMs: 20, startTimeoutMs: 300 });
  dev.on("fault", (f) => faults.push(f));
  const [reader] = await Promise.all([open(s.played, "r"), dev.open()]);
  // Without a reader on its output, a restarted aplay blocks configuring the PCM.
  await reader.close();
  process.kill(dev.processIds().playback as number, "SIGKILL");
  await until(() => faults.some((f) => f.fatal), 10_000, "the fatal fault");
  t.deepEqual(
    faults.map((f) => f.fatal),
    [false, false, true],
  );
  t.regex(faults[0]?.message ?? "", /killed by SIGKILL; restarting/);
  t.regex(faults[1]?.message ?? "", /no answer from the device within 300 ms; restarting/);
  t.regex(faults[2]?.message ?? "", /no answer from the device within 300 ms; gave up after 2 restarts/);
  t.is(dev.stats().restarts, 2);
  await until(() => dev.processIds().playback === undefined, 10_000, "no process left");
});

test("a device that never finishes opening is killed after startTimeoutMs and open() fails clearly", async (t) => {
  // alsa-lib opens the `file` plugin's output while configuring the PCM: a FIFO without a reader blocks it
  const s = await alsaSetup(t, { playFifo: true });
  const faults: SoundDeviceFault[] = [];
  const dev = s.device({ playbackDevice: "earpiece" }, { startTimeoutMs: 500 });
  dev.on("fault", (f) => faults.push(f));
  await t.throwsAsync(dev.open(), {
    instanceOf: SoundDeviceError,
    message: "earpiece: ALSA playback device not opened: no answer from the device within 500 ms",
  });
  t.deepEqual(dev.processIds(), {});
  t.is(faults.length, 1);
  t.true(faults[0]?.fatal);
  t.is(dev.stats().restarts, 0, "a start that timed out is not restarted behind our back");
});

test("aplay missing from the system is a clear error", async (t) => {
  const s = await alsaSetup(t);
  const faults: SoundDeviceFault[] = [];
  const dev = s.device({ playbackDevice: "earpiece" }, { aplay: join(s.dir, "no-aplay"), restartDelayMs: 10 });
  dev.on("fault", (f) => faults.push(f));
  await t.throwsAsync(dev.open(), { instanceOf: SoundDeviceError, message: /not found \(install alsa-utils\)/ });
  await new Promise((r) => setTimeout(r, 100));
  t.is(faults.length, 1, "one fatal fault, no restarts of a program that is not there");
  t.true(faults[0]?.fatal);
  t.is(dev.stats().restarts, 0);
});

test("a device process that dies is restarted and reported; past maxRestarts the fault is fatal", async (t) => {
  const s = await alsaSetup(t);
  const faults: SoundDeviceFault[] = [];
  const dev = s.device({ playbackDevice: "earpiece", maxRestarts: 1 }, { restartDelayMs: 50 });
  dev.on("fault", (f) => faults.push(f));
  await dev.open();
  const first = dev.processIds().playback as number;
  process.kill(first, "SIGKILL");
  await until(() => dev.stats().restarts === 1 && dev.processIds().playback !== undefined, 10_000, "a restart");
  t.not(dev.processIds().playback, first);
  t.is(faults.length, 1);
  t.false(faults[0]?.fatal);
  t.regex(faults[0]?.message ?? "", /killed by SIGKILL; restarting/);
  process.kill(dev.processIds().playback as number, "SIGKILL");
  await until(() => faults.length === 2, 10_000, "a second fault");
  t.true(faults[1]?.fatal);
  t.regex(faults[1]?.message ?? "", /gave up after 1 restarts/);
  t.is(dev.stats().restarts, 1);
  s.bridge.tick(); // a dead direction is silent, not an exception in the bridge
  t.is(dev.stats().framesPlayed, 0);
});

/**
 * An aplay stuck in the driver, as far as Node can tell: it may print its setup, then ignores
 * end of input and SIGTERM, and after SIGKILL its stderr stays open (held by a child, here a
 * `sleep` whose pid the script writes down so the test ends it), so no "close" ever comes, as
 * with a process in uninterruptible sleep.
 */
async function stuckAplay(t: ExecutionContext, dir: string, setup: boolean): Promise<string> {
  const script = join(dir, setup ? "stuck-aplay" : "silent-aplay");
  const pids = join(dir, "holders");
  await writeFile(
    script,
    `#!/bin/sh
${setup ? 'echo "Its setup is:" >&2' : ""}
trap '' TERM
sleep 60 &
echo $! >> "${pids}"
exec sleep 60
`,
    { mode: 0o755 },
  );
  t.teardown(async () => {
    const text = await readFile(pids, "utf8").catch(() => "");
    for (const pid of text.split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
  return script;
}

/** Fails instead of hanging the run when `p` does not settle within `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test("an open that timed out on a device stuck in the driver fails within startTimeoutMs + killWaitMs, the device reported lost", async (t) => {
  const s = await alsaSetup(t);
  const aplay = await stuckAplay(t, s.dir, false);
  const faults: SoundDeviceFault[] = [];
  const dev = s.device(
    { playbackDevice: "earpiece" },
    { aplay, startTimeoutMs: 300, stopTimeoutMs: 5000, killWaitMs: 300 },
  );
  dev.on("fault", (f) => faults.push(f));
  const began = Date.now();
  await t.throwsAsync(within(dev.open(), 4000, "open()"), {
    instanceOf: SoundDeviceError,
    message: /no answer from the device within 300 ms/,
  });
  const took = Date.now() - began;
  // No graceful stopTimeoutMs for a process already killed at start: 300 + 300 ms, plus a loaded machine.
  t.true(took < 3000, `open() failed after ${took} ms`);
  t.is(faults.length, 2);
  t.regex(
    faults[1]?.message ?? "",
    /aplay \(pid \d+\) still there 300 ms after SIGKILL \(stuck in the driver\): device lost/,
  );
  t.true(faults[1]?.fatal);
  t.deepEqual(dev.processIds(), {}, "the stuck process is let go");
});

test("close() of a device whose process is stuck in the driver returns after stopTimeoutMs + killWaitMs", async (t) => {
  const s = await alsaSetup(t);
  const aplay = await stuckAplay(t, s.dir, true);
  const faults: SoundDeviceFault[] = [];
  const dev = s.device({ playbackDevice: "earpiece" }, { aplay, stopTimeoutMs: 200, killWaitMs: 300 });
  dev.on("fault", (f) => faults.push(f));
  await dev.open();
  t.true(dev.isOpened());
  await within(dev.close(), 4000, "close()");
  t.is(faults.length, 1);
  t.regex(faults[0]?.message ?? "", /still there 300 ms after SIGKILL \(stuck in the driver\): device lost/);
});

test("a device that gave up while open is no longer open, its other direction stops, and it opens again with restarts counted anew", async (t) => {
  const s = await alsaSetup(t);
  const faults: SoundDeviceFault[] = [];
  const dev = s.device({ playbackDevice: "earpiece", captureDevice: "quietmic", maxRestarts: 0 });
  dev.on("fault", (f) => faults.push(f));
  await dev.open();
  const capture = dev.processIds().capture as number;
  process.kill(dev.processIds().playback as number, "SIGKILL");
  await until(() => faults.some((f) => f.fatal), 10_000, "the fatal fault");
  t.false(dev.isOpened(), "a device that gave up is not open");
  t.regex(faults[0]?.message ?? "", /killed by SIGKILL; gave up after 0 restarts/);
  await until(() => dev.processIds().capture === undefined, 10_000, "the capture process stopped");
  t.throws(() => process.kill(capture, 0), { code: "ESRCH" }, "arecord has exited");
  await dev.open();
  t.true(dev.isOpened());
  t.truthy(dev.processIds().playback);
  t.truthy(dev.processIds().capture);
  const tone = new BridgeToneGenerator(s.bridge);
  tone.play([{ freq1: TONE_HZ, onMs: 1000, offMs: 0, levelDbm0: -10 }]);
  tone.startTransmit(dev);
  for (let i = 0; i < 10; i++) {
    s.bridge.tick();
    await tick();
  }
  t.is(dev.stats().framesPlayed, 10, "the port, still on the bridge, plays to the reopened device");
  t.is(faults.length, 1);
});
