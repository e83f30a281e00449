/**
 * Turns raw health signals into paired malfunction/recovery alerts.
 *
 * - `HeartbeatWatch`: each phone bank (or anything else that reports in) calls `beat(id)`; a
 *   bank silent for longer than the timeout raises `bank-offline`, and its next beat raises
 *   `bank-online`. This is what makes "a phone bank unplugged" page someone.
 * - `DiskWatch`: samples free space on the recording volume; above the high-water mark it raises
 *   `disk-nearly-full`, below the low-water mark `disk-recovered` (the gap keeps a disk that
 *   hovers at the limit from paging on every sample).
 *
 * Each watched thing has a two-state machine with one guarded transition.
 */
import { statfs } from "node:fs/promises";
import type { Clock, TimerHandle } from "../../telephony/clock.ts";
import type { AlertEvent } from "./events.ts";

export type HealthState = "up" | "down";

/** The only legal moves: up → down and down → up. */
export function transition(from: HealthState, to: HealthState): HealthState {
  if (from === to) throw new Error(`illegal health transition ${from} → ${to}`);
  return to;
}

export interface AlertRaiser {
  raise(event: AlertEvent): void;
}

export interface HeartbeatWatchOptions {
  clock: Clock;
  alerts: AlertRaiser;
  facilityId: string;
  /** Silence longer than this is "offline"; a few missed heartbeats, not one. */
  timeoutMs: number;
}

export class HeartbeatWatch {
  private readonly opts: HeartbeatWatchOptions;
  private readonly banks = new Map<string, { state: HealthState; timer: TimerHandle | undefined }>();

  constructor(opts: HeartbeatWatchOptions) {
    this.opts = opts;
  }

  /** A sign of life from `bankId` (a heartbeat, a registration, any message on its link). */
  beat(bankId: string): void {
    const b = this.banks.get(bankId);
    if (!b) {
      this.banks.set(bankId, { state: "up", timer: this.arm(bankId) });
      return;
    }
    this.opts.clock.clearTimeout(b.timer);
    b.timer = this.arm(bankId);
    if (b.state === "down") {
      b.state = transition(b.state, "up");
      this.opts.alerts.raise({ type: "bank-online", facilityId: this.opts.facilityId, bankId });
    }
  }

  /** The bank said it is going away (or its link closed): offline at once, no waiting. */
  lost(bankId: string, reason: string): void {
    const b = this.banks.get(bankId) ?? { state: "up" as HealthState, timer: undefined };
    this.banks.set(bankId, b);
    this.opts.clock.clearTimeout(b.timer);
    b.timer = undefined;
    this.down(bankId, reason);
  }

  /** The watchdog on a bank reset it (reported by the bank when it comes back). */
  watchdogFired(bankId: string, detail?: string): void {
    this.opts.alerts.raise({
      type: "watchdog-fired",
      facilityId: this.opts.facilityId,
      bankId,
      ...(detail ? { detail } : {}),
    });
  }

  state(bankId: string): HealthState | undefined {
    return this.banks.get(bankId)?.state;
  }

  /** Stops watching; no timers remain. */
  stop(): void {
    for (const b of this.banks.values()) this.opts.clock.clearTimeout(b.timer);
    this.banks.clear();
  }

  private arm(bankId: string): TimerHandle {
    return this.opts.clock.setTimeout(() => {
      const b = this.banks.get(bankId);
      if (b) b.timer = undefined;
      this.down(bankId, `no heartbeat for ${Math.round(this.opts.timeoutMs / 1000)} s`);
    }, this.opts.timeoutMs);
  }

  private down(bankId: string, reason: string): void {
    const b = this.banks.get(bankId);
    if (!b || b.state === "down") return;
    b.state = transition(b.state, "down");
    this.opts.alerts.raise({ type: "bank-offline", facilityId: this.opts.facilityId, bankId, reason });
  }
}

export interface DiskUsage {
  usedPercent: number;
}

/** Used space of the file system holding `path`, from statfs(2). */
export async function diskUsage(path: string): Promise<DiskUsage> {
  const s = await statfs(path);
  // Space ordinary users can use: blocks minus those reserved for root (df's "Use%").
  const usable = s.blocks - s.bfree + s.bavail;
  return { usedPercent: usable > 0 ? Math.round((100 * (s.blocks - s.bfree)) / usable) : 0 };
}

export interface DiskWatchOptions {
  clock: Clock;
  alerts: AlertRaiser;
  facilityId: string;
  /** The recording volume (any path on it) and its name in messages. */
  path: string;
  volume: string;
  everyMs: number;
  /** Raise at or above this percentage used. Default 90. */
  highPercent?: number;
  /** Recover at or below this. Default 85. */
  lowPercent?: number;
  /** Injected for tests; statfs by default. */
  sample?: (path: string) => Promise<DiskUsage>;
  onError?: (err: unknown) => void;
}

export class DiskWatch {
  private readonly opts: DiskWatchOptions;
  private state: HealthState = "up";
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(opts: DiskWatchOptions) {
    this.opts = opts;
  }

  start(): void {
    if (this.timer) return;
    this.timer = this.opts.clock.setInterval(() => {
      if (!this.inFlight) this.inFlight = this.check().finally(() => (this.inFlight = undefined));
    }, this.opts.everyMs);
  }

  async stop(): Promise<void> {
    this.opts.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One sample; also what the interval runs. */
  async check(): Promise<void> {
    const high = this.opts.highPercent ?? 90;
    const low = this.opts.lowPercent ?? 85;
    let usage: DiskUsage;
    try {
      usage = await (this.opts.sample ?? diskUsage)(this.opts.path);
    } catch (err) {
      this.opts.onError?.(err);
      return;
    }
    const base = { facilityId: this.opts.facilityId, volume: this.opts.volume, usedPercent: usage.usedPercent };
    if (this.state === "up" && usage.usedPercent >= high) {
      this.state = transition(this.state, "down");
      this.opts.alerts.raise({ type: "disk-nearly-full", ...base });
    } else if (this.state === "down" && usage.usedPercent <= low) {
      this.state = transition(this.state, "up");
      this.opts.alerts.raise({ type: "disk-recovered", ...base });
    }
  }
}
