/**
 * A handset's sound device on the conference bridge (pjsua2 ExtraAudioDevice), through ALSA's
 * command-line tools: `aplay` plays what the bridge sends to the port, `arecord` captures what
 * the port gives the bridge, both as raw S16_LE, 8 kHz mono on a pipe (alsa-utils; no native
 * addon, and alsa-lib does every format and rate conversion through the `plug` layer).
 *
 * - Frames: the bridge ticks every 20 ms; each tick writes one 160-sample frame (320 bytes) to
 *   aplay's stdin, silence included, so the device never starves while a call is quiet, and
 *   takes one frame of captured audio when arecord has given one.
 * - Backpressure: playback looks at what is still queued on aplay's stdin; past `maxBufferMs`
 *   the new frame is dropped and counted (a device that stalls costs audio, never growing delay).
 *   Capture keeps at most `maxBufferMs` of audio; past it the oldest frames are dropped and
 *   counted, so a late bridge hears the newest audio. The pipe itself holds up to 64 KiB (4 s at
 *   16 kB/s), which is why capture does not pause the pipe to push back: that would turn a
 *   stall into seconds of delay on the call.
 * - Faults: a process that exits by itself is restarted after `restartDelayMs`, up to
 *   `maxRestarts` in `restartWindowMs`, each restart reported as a non-fatal fault; past that a
 *   fatal fault is reported, the other direction is stopped too and the device is no longer
 *   open: `open()` may be called again (the port stays on the bridge, so whatever was connected
 *   to it stays connected). ALSA's own message (the last lines aplay/arecord wrote to stderr)
 *   is in every fault and error.
 * - Stop: playback's stdin is ended so aplay plays what it holds and exits; arecord gets
 *   SIGTERM. Either is killed if it has not exited within `stopTimeoutMs`; one killed for not
 *   answering at start is killed at once. A process that has still not exited `killWaitMs`
 *   after SIGKILL (stuck in the driver, uninterruptible) is left behind and reported as a fatal
 *   fault ("device lost"), so neither close() nor a failed open() can wait forever.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { endianness } from "node:os";
import type { AudioMedia, ExtraAudioDevice, SoundDeviceConfig, SoundDeviceFault, SoundDeviceStats } from "../api.ts";
import { type Clock, SystemClock, type TimerHandle } from "../clock.ts";
import { type BridgePort, type ConferenceBridge, FRAME_SAMPLES, TICK_MS } from "../media/bridge.ts";
import { Emitter } from "../media/emitter.ts";
import { SAMPLE_RATE } from "../media/tones.ts";

export const FRAME_BYTES = FRAME_SAMPLES * 2;
const LITTLE_ENDIAN = endianness() === "LE";

export const DEFAULT_MAX_BUFFER_MS = 200;
export const DEFAULT_MAX_RESTARTS = 3;

/**
 * ALSA buffer of 4 periods of one tick each: 80 ms of device latency, enough to ride over a
 * late bridge tick on a loaded board; aplay starts playing once it is full.
 */
const PERIOD_US = TICK_MS * 1000;
const BUFFER_US = 4 * PERIOD_US;

export interface AlsaDeviceOptions {
  clock?: Clock;
  /** Environment of aplay/arecord (tests point ALSA_CONFIG_PATH at a `file`-plugin config). */
  env?: NodeJS.ProcessEnv;
  aplay?: string;
  arecord?: string;
  /**
   * How long aplay/arecord may take to open and configure the device (its `-v` setup dump is
   * the sign it did) before it is killed and `open()` fails. Default 5000 ms.
   */
  startTimeoutMs?: number;
  restartDelayMs?: number;
  restartWindowMs?: number;
  stopTimeoutMs?: number;
  /**
   * How long a process may take to go after SIGKILL before it is given up as lost. Default
   * 1000 ms: SIGKILL is not blocked, so a process still there is stuck in the kernel.
   */
  killWaitMs?: number;
  log?: (msg: string, data?: unknown) => void;
}

/** A sound device that could not be opened: `device` and ALSA's words in the message. */
export class SoundDeviceError extends Error {
  override readonly name = "SoundDeviceError";
  readonly code = "SOUND_DEVICE_UNAVAILABLE";
  readonly device: string;
  readonly direction: "playback" | "capture";
  constructor(direction: "playback" | "capture", device: string, why: string, cause?: unknown) {
    super(`${device}: ALSA ${direction} device not opened: ${why}`, { cause });
    this.device = device;
    this.direction = direction;
  }
}

type Direction = "playback" | "capture";

/** One aplay or arecord process and its restarts. */
class DeviceProcess {
  readonly direction: Direction;
  readonly device: string;
  proc: ChildProcess | undefined;
  /** The device is open and configured (aplay/arecord printed its setup). */
  running = false;
  /** close() is stopping this direction: an exit is expected and nothing restarts. */
  private closing = false;
  private stderrTail = "";
  /** Killed by start() for not answering: stop() needs no graceful step. */
  private killedAtStart = false;
  private readonly restartsAt: number[] = [];
  private restartTimer: TimerHandle | undefined;
  private readonly owner: AlsaSoundDevice;

  constructor(owner: AlsaSoundDevice, direction: Direction, device: string) {
    this.owner = owner;
    this.direction = direction;
    this.device = device;
  }

  private command(): [string, string[]] {
    const o = this.owner.options;
    const args = [
      // -v prints the PCM's setup once hw/sw params are set: our sign that the device is open
      "-v",
      "-D",
      this.device,
      "-t",
      "raw",
      "-f",
      "S16_LE",
      "-r",
      String(SAMPLE_RATE),
      "-c",
      "1",
      `--period-time=${PERIOD_US}`,
      `--buffer-time=${BUFFER_US}`,
    ];
    return this.direction === "playback" ? [o.aplay ?? "aplay", args] : [o.arecord ?? "arecord", args];
  }

  /** ALSA's last words, one line: its error lines, not the setup dump `-v` printed before them. */
  private why(fallback: string): string {
    const lines = this.stderrTail
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^(ALSA lib|aplay:|arecord:|underrun|overrun|Aborted)/.test(l));
    return lines.slice(-2).join("; ") || fallback;
  }

  /** Spawns the process; resolves once it has opened and configured the device. */
  start(): Promise<void> {
    const o = this.owner.options;
    const [cmd, args] = this.command();
    this.stderrTail = "";
    this.closing = false;
    this.killedAtStart = false;
    return new Promise((resolve, reject) => {
      let settled = false;
      /** Failed to spawn, or killed by us for not answering: already reported by the rejection. */
      let rejected = false;
      const proc = spawn(cmd, args, {
        stdio: [
          this.direction === "playback" ? "pipe" : "ignore",
          this.direction === "capture" ? "pipe" : "ignore",
          "pipe",
        ],
        ...(o.env ? { env: o.env } : {}),
      });
      this.proc = proc;
      proc.stderr?.setEncoding("utf8");
      proc.stderr?.on("data", (s: string) => {
        this.stderrTail = (this.stderrTail + s).slice(-4000);
        if (!settled && this.stderrTail.includes("Its setup is:")) {
          settled = true;
          this.owner.clock.clearTimeout(timeout);
          this.running = true;
          resolve();
        }
      });
      // aplay gone: writes fail with EPIPE; the exit handler reports it.
      proc.stdin?.on("error", () => undefined);
      if (this.direction === "capture") proc.stdout?.on("data", (b: Buffer) => this.owner.captured(b));
      const limit = o.startTimeoutMs ?? 5000;
      const timeout = this.owner.clock.setTimeout(() => {
        if (settled) return;
        settled = true;
        rejected = true;
        this.killedAtStart = proc.kill("SIGKILL");
        reject(
          new SoundDeviceError(this.direction, this.device, this.why(`no answer from the device within ${limit} ms`)),
        );
      }, limit);
      proc.once("error", (err: NodeJS.ErrnoException) => {
        // spawn failed (no aplay/arecord); a "close" follows, which is not a device exit
        if (settled) return;
        settled = true;
        rejected = true;
        this.owner.clock.clearTimeout(timeout);
        this.proc = undefined;
        const why = err.code === "ENOENT" ? `${cmd} not found (install alsa-utils)` : err.message;
        reject(new SoundDeviceError(this.direction, this.device, why, err));
      });
      proc.once("close", (code, signal) => {
        this.running = false;
        if (this.proc === proc) this.proc = undefined;
        const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
        if (!settled) {
          settled = true;
          this.owner.clock.clearTimeout(timeout);
          reject(new SoundDeviceError(this.direction, this.device, this.why(how)));
          return;
        }
        if (!this.closing && !rejected) this.exitedByItself(this.why(how));
      });
    });
  }

  private exitedByItself(why: string): void {
    if (this.closing) return; // a restart that close() cut short
    const o = this.owner.options;
    const now = this.owner.clock.monotonic();
    const window = o.restartWindowMs ?? 60_000;
    while (this.restartsAt.length > 0 && now - (this.restartsAt[0] as number) > window) this.restartsAt.shift();
    const max = this.owner.config.maxRestarts ?? DEFAULT_MAX_RESTARTS;
    if (this.restartsAt.length >= max) {
      this.owner.gaveUp({
        direction: this.direction,
        device: this.device,
        message: `${why}; gave up after ${max} restarts`,
        fatal: true,
      });
      return;
    }
    this.restartsAt.push(now);
    this.owner.fault({ direction: this.direction, device: this.device, message: `${why}; restarting`, fatal: false });
    this.restartTimer = this.owner.clock.setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      this.owner.restarted();
      this.start().catch((err: Error) => this.exitedByItself(err.message));
    }, o.restartDelayMs ?? 1000);
  }

  /** A fresh start after the device was given up: restarts are counted anew. */
  reset(): void {
    this.restartsAt.length = 0;
  }

  /**
   * Playback drains (stdin ended), capture is terminated; either is killed after the timeout,
   * and given up as lost if it is still there `killWaitMs` after SIGKILL. Never waits longer
   * than `stopTimeoutMs + killWaitMs`.
   */
  async stop(): Promise<void> {
    this.closing = true;
    this.running = false;
    this.owner.clock.clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<true>((resolve) => proc.once("close", () => resolve(true)));
    const o = this.owner.options;
    if (!this.killedAtStart) {
      if (this.direction === "playback") proc.stdin?.end();
      else proc.kill("SIGTERM");
      if (await this.within(exited, o.stopTimeoutMs ?? 2000)) return;
      proc.kill("SIGKILL");
    }
    const killWait = o.killWaitMs ?? 1000;
    if (await this.within(exited, killWait)) return;
    // Stuck in the kernel (D state): nothing more can be done from here. Let go of its pipes so
    // they hold neither the event loop nor the device's buffers, and say the device is lost.
    if (this.proc === proc) this.proc = undefined;
    proc.stdin?.destroy();
    proc.stdout?.destroy();
    proc.stderr?.destroy();
    proc.unref();
    this.owner.fault({
      direction: this.direction,
      device: this.device,
      message: `${this.device}: ${this.direction === "playback" ? "aplay" : "arecord"} (pid ${proc.pid}) still there ${killWait} ms after SIGKILL (stuck in the driver): device lost`,
      fatal: true,
    });
  }

  /** Whether `p` settles within `ms` on the owner's clock. */
  private async within(p: Promise<true>, ms: number): Promise<boolean> {
    let timer: TimerHandle | undefined;
    const late = new Promise<false>((resolve) => {
      timer = this.owner.clock.setTimeout(() => resolve(false), ms);
    });
    const r = await Promise.race([p, late]);
    this.owner.clock.clearTimeout(timer);
    return r;
  }
}

export class AlsaSoundDevice extends Emitter implements ExtraAudioDevice {
  readonly config: SoundDeviceConfig;
  readonly options: AlsaDeviceOptions;
  readonly clock: Clock;
  private readonly bridge: ConferenceBridge;
  private readonly port: BridgePort;
  private readonly playback: DeviceProcess | undefined;
  private readonly capture: DeviceProcess | undefined;
  private readonly maxBytes: number;
  /** Captured audio not yet taken by the bridge: chunks as arecord wrote them. */
  private readonly capQueue: Buffer[] = [];
  private capHead = 0;
  private capBytes = 0;
  private readonly capFrame = Buffer.alloc(FRAME_BYTES);
  /** `capFrame` as samples (little-endian hosts). */
  private readonly capSamples = new Int16Array(this.capFrame.buffer, this.capFrame.byteOffset, FRAME_SAMPLES);
  private readonly counters: SoundDeviceStats = {
    framesPlayed: 0,
    framesCaptured: 0,
    playbackDropped: 0,
    captureDropped: 0,
    restarts: 0,
  };
  /** `failed`: a direction gave up while open; both are stopped and open() may be called again. */
  private state: "new" | "opening" | "open" | "failed" | "closed" = "new";
  /** Stopping the other direction after one gave up; a new open() waits for it. */
  private stopping: Promise<void> = Promise.resolve();

  constructor(bridge: ConferenceBridge, config: SoundDeviceConfig, options: AlsaDeviceOptions = {}) {
    super();
    if (!config.playbackDevice && !config.captureDevice) {
      throw new Error("a sound device needs a playback device, a capture device, or both");
    }
    this.bridge = bridge;
    this.config = config;
    this.options = options;
    this.clock = options.clock ?? new SystemClock();
    this.maxBytes = Math.max(1, Math.round((config.maxBufferMs ?? DEFAULT_MAX_BUFFER_MS) / TICK_MS)) * FRAME_BYTES;
    this.playback = config.playbackDevice ? new DeviceProcess(this, "playback", config.playbackDevice) : undefined;
    this.capture = config.captureDevice ? new DeviceProcess(this, "capture", config.captureDevice) : undefined;
    this.port = bridge.addPort(
      {
        ...(this.playback ? { write: (f: Int16Array) => this.play(f) } : {}),
        ...(this.capture ? { read: (f: Int16Array) => this.take(f) } : {}),
      },
      `sound:${config.playbackDevice ?? config.captureDevice}`,
    );
    this.reportListenerError = (event, err) => options.log?.(`sound device ${event} listener threw`, err);
  }

  get portId(): number {
    return this.port.portId;
  }
  startTransmit(sink: AudioMedia, level?: number): void {
    this.port.startTransmit(sink, level);
  }
  stopTransmit(sink: AudioMedia): void {
    this.port.stopTransmit(sink);
  }
  adjustRxLevel(level: number): void {
    this.port.adjustRxLevel(level);
  }
  adjustTxLevel(level: number): void {
    this.port.adjustTxLevel(level);
  }

  async open(): Promise<void> {
    if (this.state === "closed") throw new Error("sound device closed");
    if (this.state !== "new" && this.state !== "failed") throw new Error("sound device already opened");
    const again = this.state === "failed";
    this.state = "opening";
    if (again) {
      await this.stopping;
      this.playback?.reset();
      this.capture?.reset();
      this.capQueue.length = 0;
      this.capHead = 0;
      this.capBytes = 0;
    }
    const started = await Promise.allSettled([this.playback?.start(), this.capture?.start()]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      const err = failed.reason as Error;
      for (const r of started) {
        if (r.status !== "rejected") continue;
        const e = r.reason as Error & { device?: string; direction?: Direction };
        this.fault({
          direction: e.direction ?? "playback",
          device: e.device ?? "",
          message: e.message,
          fatal: true,
        });
      }
      await Promise.all([this.playback?.stop(), this.capture?.stop()]);
      if (this.state === "opening") this.state = again ? "failed" : "new";
      throw err;
    }
    if (this.state !== "opening") {
      // close() came while opening
      await Promise.all([this.playback?.stop(), this.capture?.stop()]);
      throw new Error("sound device closed while opening");
    }
    this.state = "open";
  }

  isOpened(): boolean {
    return this.state === "open";
  }

  stats(): SoundDeviceStats {
    return { ...this.counters };
  }

  /** Process ids (diagnostics and tests). */
  processIds(): { playback?: number; capture?: number } {
    const p = this.playback?.proc?.pid;
    const c = this.capture?.proc?.pid;
    return { ...(p !== undefined ? { playback: p } : {}), ...(c !== undefined ? { capture: c } : {}) };
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    await Promise.all([this.playback?.stop(), this.capture?.stop()]);
    this.bridge.removePort(this.port);
    this.capQueue.length = 0;
    this.capBytes = 0;
  }

  /** @internal */
  fault(f: SoundDeviceFault): void {
    this.options.log?.(`sound device fault: ${f.message}`);
    this.emit("fault", f);
  }

  /**
   * @internal A direction gave up while the device was open: the device is no longer open. The
   * fault goes out first (a handset must stop using the device at once), then the other
   * direction is stopped so a later open() starts both afresh.
   */
  gaveUp(f: SoundDeviceFault): void {
    if (this.state === "open") this.state = "failed";
    this.fault(f);
    if (this.state !== "failed") return;
    const other = f.direction === "playback" ? this.capture : this.playback;
    this.stopping = Promise.all([this.stopping, other?.stop()]).then(() => undefined);
  }

  /** @internal */
  restarted(): void {
    this.counters.restarts++;
  }

  /** One frame from the bridge to the earpiece. */
  private play(frame: Int16Array): void {
    const p = this.playback;
    const stdin = p?.proc?.stdin;
    if (!p?.running || !stdin || stdin.destroyed) return;
    if (stdin.writableLength >= this.maxBytes) {
      this.counters.playbackDropped++;
      return;
    }
    const buf = Buffer.allocUnsafe(FRAME_BYTES);
    if (LITTLE_ENDIAN) buf.set(new Uint8Array(frame.buffer, frame.byteOffset, FRAME_BYTES));
    else for (let i = 0; i < FRAME_SAMPLES; i++) buf.writeInt16LE(frame[i] as number, i * 2);
    stdin.write(buf);
    this.counters.framesPlayed++;
  }

  /** @internal Audio from arecord. */
  captured(chunk: Buffer): void {
    if (this.state === "closed") return;
    this.capQueue.push(chunk);
    this.capBytes += chunk.length;
    if (this.capBytes > this.maxBytes) {
      // whole frames, so samples stay aligned; maxBytes ≥ one frame, so this never exceeds capBytes
      const drop = Math.ceil((this.capBytes - this.maxBytes) / FRAME_BYTES) * FRAME_BYTES;
      this.skip(drop);
      this.counters.captureDropped += drop / FRAME_BYTES;
    }
  }

  /** One frame from the microphone to the bridge; false while none is there. */
  private take(frame: Int16Array): boolean {
    if (this.capBytes < FRAME_BYTES) return false;
    let o = 0;
    while (o < FRAME_BYTES) {
      const c = this.capQueue[0] as Buffer;
      const n = Math.min(c.length - this.capHead, FRAME_BYTES - o);
      c.copy(this.capFrame, o, this.capHead, this.capHead + n);
      o += n;
      this.advance(n);
    }
    if (LITTLE_ENDIAN) frame.set(this.capSamples);
    else for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = this.capFrame.readInt16LE(i * 2);
    this.counters.framesCaptured++;
    return true;
  }

  private skip(bytes: number): void {
    let left = bytes;
    while (left > 0 && this.capQueue.length > 0) {
      const c = this.capQueue[0] as Buffer;
      const n = Math.min(c.length - this.capHead, left);
      this.advance(n);
      left -= n;
    }
  }

  private advance(n: number): void {
    this.capHead += n;
    this.capBytes -= n;
    const c = this.capQueue[0] as Buffer;
    if (this.capHead >= c.length) {
      this.capQueue.shift();
      this.capHead = 0;
    }
  }
}
