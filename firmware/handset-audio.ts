import type { ExtraAudioDevice, SoundDeviceFault } from "../telephony/api.ts";
import type { Clock, TimerHandle } from "../telephony/clock.ts";
import type { HandsetLine, LineCall } from "./line.ts";
import { FailedCall } from "./sip-line.ts";

/**
 * How long after a failed open, or a device lost in operation, the handset's sound device is
 * tried again. A USB handset adapter re-plugged by maintenance is back in service within this;
 * a missing one costs one failed aplay/arecord start per period, which a board can afford.
 */
export const SOUND_RETRY_MS = 30_000;

export interface HandsetAudioOptions {
  handset: string;
  /** The handset's ALSA device: its earpiece and microphone. */
  device: ExtraAudioDevice;
  /** The handset's SIP line, used while the device is open. */
  line: HandsetLine;
  clock: Clock;
  retryMs?: number;
  log?: (msg: string, data?: unknown) => void;
}

/**
 * A real board's handset line gated on its sound device: calls go out only while the device is
 * open, so a lift never places a call nobody can hear. A device that cannot be opened, or that
 * dies past its restarts (a fatal fault), takes the line out of service: a call in progress ends
 * with the reason, later lifts are refused at once ("no audio"), and the fault stays on the
 * board until the device is open again. The device is tried again every `retryMs` until it opens
 * (a re-plugged adapter), then the fault clears and the line is back in service.
 *
 * The handset's state machine still runs (hook, kill, lockout); the controller sees the fault
 * and each refused call's reason.
 */
export class HandsetAudio implements HandsetLine {
  private readonly o: HandsetAudioOptions;
  private inService = false;
  private why = "sound device not opened yet";
  private current: GatedCall | undefined;
  private retryTimer: TimerHandle | undefined;
  private stopped = false;
  /** The device's fatal faults by direction, held until the device is open again. */
  private readonly lastFaults = new Map<SoundDeviceFault["direction"], string>();

  constructor(o: HandsetAudioOptions) {
    this.o = o;
    o.device.on("fault", (f) => this.onFault(f));
  }

  /** Whether calls can go out (the device is open). */
  get available(): boolean {
    return this.inService;
  }

  /**
   * First attempt to open the device; on failure it is retried every `retryMs`. Resolves with
   * whether this attempt opened it (never rejects).
   */
  start(): Promise<boolean> {
    return this.tryOpen();
  }

  call(): LineCall {
    if (!this.inService) return new FailedCall(`handset audio out of service (${this.why})`);
    const call = new GatedCall(this.o.line.call(), () => {
      if (this.current === call) this.current = undefined;
    });
    this.current = call;
    return call;
  }

  registered(): boolean {
    return this.o.line.registered();
  }

  /** Board faults: why the device is out of service, per direction, until it opens again. */
  faults(): string[] {
    return [...this.lastFaults.values()];
  }

  /** Stops retrying; the runtime closes the device itself. */
  stop(): void {
    this.stopped = true;
    this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async tryOpen(): Promise<boolean> {
    const { handset, device, log } = this.o;
    if (this.stopped) return false;
    try {
      await device.open();
    } catch (err) {
      if (this.stopped) return false;
      this.why = `no audio: ${(err as Error).message}`;
      log?.(`handset ${handset}: no audio, out of service`, (err as Error).message);
      this.retryLater();
      return false;
    }
    if (this.stopped) return false;
    this.lastFaults.clear();
    this.inService = true;
    this.why = "";
    log?.(`handset ${handset}: sound device open, in service`);
    return true;
  }

  private onFault(f: SoundDeviceFault): void {
    const { handset, device, log } = this.o;
    if (!f.fatal) {
      log?.(`handset ${handset} audio: ${f.message}`);
      return;
    }
    if (this.stopped) return;
    this.lastFaults.set(f.direction, `handset ${handset} audio: ${f.message}`);
    // A failed open() reports its fault before it rejects; tryOpen() handles that one.
    if (!this.inService || device.isOpened()) return;
    this.inService = false;
    this.why = `audio lost: ${f.message}`;
    log?.(`handset ${handset}: sound device lost, out of service`, f.message);
    this.current?.lose(`handset audio lost: ${f.message}`);
    this.retryLater();
  }

  private retryLater(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.tryOpen();
    }, this.o.retryMs ?? SOUND_RETRY_MS);
  }
}

/** A SIP call that the handset's line can end itself when the sound device is lost. */
class GatedCall implements LineCall {
  private readonly inner: LineCall;
  private readonly done: () => void;
  private readonly endedListeners: ((reason: string) => void)[] = [];
  private ended = false;

  constructor(inner: LineCall, done: () => void) {
    this.inner = inner;
    this.done = done;
    inner.onEnded((reason) => this.end(reason));
  }

  onAudio(listener: () => void): void {
    this.inner.onAudio(listener);
  }

  onEnded(listener: (reason: string) => void): void {
    this.endedListeners.push(listener);
  }

  sendDigits(digits: string): Promise<void> {
    return this.inner.sendDigits(digits);
  }

  async hangup(): Promise<void> {
    this.ended = true;
    this.done();
    await this.inner.hangup();
  }

  /** Hangs the call up (BYE/CANCEL to the controller) and tells the handset why. */
  lose(reason: string): void {
    if (this.ended) return;
    this.inner.hangup().catch(() => undefined); // a failed BYE: the controller's own timers end it
    this.end(reason);
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.done();
    for (const l of this.endedListeners) l(reason);
  }
}
