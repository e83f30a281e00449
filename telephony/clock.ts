/**
 * Time as the rest of Yardline sees it. Every timer in the SIP stack, the media loop, the
 * firmware and the controller goes through a Clock so tests can run in virtual time
 * (ava cannot fake timers; SIP.js fakes them globally, we pass them in instead).
 */
// The module's own binding: the global `performance` is an accessor looked up on every call,
// which shows in profiles of the media loop (it is read for every packet).
import { performance } from "node:perf_hooks";

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock, for records and SIP Date headers). */
  now(): number;
  /** Milliseconds from an arbitrary origin that never goes backwards (for timers and jitter). */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

/** The real clock, backed by Node's timers. */
export class SystemClock implements Clock {
  private next = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    const t = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.set(id, t);
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.id);
    if (t) clearTimeout(t);
    this.timers.delete(handle.id);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    this.timers.set(id, setInterval(fn, ms));
    return { id };
  }

  clearInterval(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.id);
    if (t) clearInterval(t);
    this.timers.delete(handle.id);
  }
}

interface VirtualTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
  every?: number;
}

/**
 * A clock that only moves when a test calls `advance()`. Timers fire in due order, ties in
 * the order they were set, so a run is the same every time.
 */
export class VirtualClock implements Clock {
  private t: number;
  private next = 1;
  private seq = 0;
  private readonly timers = new Map<number, VirtualTimer>();

  constructor(startMs = Date.UTC(2026, 0, 5, 12, 0, 0)) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  monotonic(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), seq: this.seq++, fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.id);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    const every = Math.max(1, ms);
    this.timers.set(id, { id, at: this.t + every, seq: this.seq++, fn, every });
    return { id };
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }

  /** Number of timers still pending. */
  pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let due: VirtualTimer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.at > end) continue;
        if (!due || timer.at < due.at || (timer.at === due.at && timer.seq < due.seq)) due = timer;
      }
      if (!due) break;
      this.t = due.at;
      if (due.every !== undefined) {
        due.at += due.every;
        due.seq = this.seq++;
      } else {
        this.timers.delete(due.id);
      }
      due.fn();
    }
    this.t = end;
  }

  /** Sets the wall clock to an absolute time (tests of schedules across midnight or DST). */
  set(ms: number): void {
    if (ms < this.t) throw new Error("VirtualClock.set: time cannot go backwards");
    this.advance(ms - this.t);
  }
}
