/**
 * Transaction timers batched on the injected clock: one clock timer per distinct duration
 * instead of one per transaction timer.
 *
 * A UAS answering thousands of requests a second holds tens of thousands of Timer J and K
 * (64*T1 and T4, RFC 3261 §17.2.2, §17.1.2.2), all of the same few lengths. Timers of one
 * length fall due in the order they were started (the clock is monotonic), so each length is
 * a FIFO queue whose head alone has a clock timer. Every timer still fires at its own
 * start + ms on the clock, and a cancelled timer lets go of its callback at once.
 */
import type { Clock, TimerHandle } from "../clock.ts";

/** One started timer; `fn` is cleared when it fires or is cancelled. */
export interface QueuedTimer {
  readonly at: number;
  fn: (() => void) | undefined;
  readonly queue: DurationQueue;
}

class DurationQueue {
  readonly ms: number;
  entries: QueuedTimer[] = [];
  head = 0;
  handle: TimerHandle | undefined = undefined;
  /** Set while due timers are being called; the queue is tidied and re-armed after. */
  firing = false;

  constructor(ms: number) {
    this.ms = ms;
  }
}

/** Compact a queue once this many fired entries sit before its head. */
const COMPACT_AFTER = 1024;

export class TimerQueue {
  private readonly clock: Clock;
  private readonly queues = new Map<number, DurationQueue>();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Starts a timer that calls `fn` once, `ms` from now on the clock. */
  add(ms: number, fn: () => void): QueuedTimer {
    const length = Math.max(0, ms);
    let q = this.queues.get(length);
    if (q === undefined) {
      q = new DurationQueue(length);
      this.queues.set(length, q);
    }
    const entry: QueuedTimer = { at: this.clock.monotonic() + length, fn, queue: q };
    q.entries.push(entry);
    if (q.handle === undefined && !q.firing) this.arm(q);
    return entry;
  }

  /** Cancels a timer; its callback is dropped and never called. */
  cancel(entry: QueuedTimer): void {
    if (entry.fn === undefined) return;
    entry.fn = undefined;
    const q = entry.queue;
    if (q.firing || q.entries[q.head] !== entry) return;
    this.dropDead(q);
    // With no live timer left the clock must hold none (tests check nothing leaks). Otherwise
    // the clock timer stays: due no later than the new head, it fires and re-arms for it.
    if (q.head === q.entries.length && q.handle !== undefined) {
      this.clock.clearTimeout(q.handle);
      q.handle = undefined;
    }
  }

  /** Timers started and neither fired nor cancelled (tests check that none leak). */
  get size(): number {
    let n = 0;
    for (const q of this.queues.values()) {
      for (let i = q.head; i < q.entries.length; i++) if (q.entries[i]?.fn !== undefined) n++;
    }
    return n;
  }

  private dropDead(q: DurationQueue): void {
    while (q.head < q.entries.length && (q.entries[q.head] as QueuedTimer).fn === undefined) q.head++;
    if (q.head === q.entries.length) {
      q.entries = [];
      q.head = 0;
    } else if (q.head >= COMPACT_AFTER && q.head * 2 >= q.entries.length) {
      q.entries = q.entries.slice(q.head);
      q.head = 0;
    }
  }

  private arm(q: DurationQueue): void {
    const first = q.entries[q.head] as QueuedTimer;
    const wait = Math.max(0, first.at - this.clock.monotonic());
    q.handle = this.clock.setTimeout(() => this.fire(q), wait);
  }

  private fire(q: DurationQueue): void {
    q.handle = undefined;
    const now = this.clock.monotonic();
    // Only the timers already queued: one started by a callback here waits for its own turn,
    // as it would on its own clock timer.
    const end = q.entries.length;
    q.firing = true;
    try {
      while (q.head < end) {
        const entry = q.entries[q.head] as QueuedTimer;
        if (entry.at > now) break;
        q.head++;
        const fn = entry.fn;
        entry.fn = undefined;
        fn?.();
      }
    } finally {
      q.firing = false;
      this.dropDead(q);
      if (q.handle === undefined && q.head < q.entries.length) this.arm(q);
    }
  }
}

const queues = new WeakMap<Clock, TimerQueue>();
/** The last clock asked about: a process nearly always runs one. */
let lastClock: Clock | undefined;
let lastQueue: TimerQueue | undefined;

/** The queue of a clock, shared by every transaction on it. */
export function timerQueueFor(clock: Clock): TimerQueue {
  if (clock === lastClock && lastQueue !== undefined) return lastQueue;
  let q = queues.get(clock);
  if (q === undefined) {
    q = new TimerQueue(clock);
    queues.set(clock, q);
  }
  lastClock = clock;
  lastQueue = q;
  return q;
}
