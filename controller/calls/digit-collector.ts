/**
 * Collects DTMF digits from one call leg for prompt-and-collect steps, with the usual
 * first-digit and inter-digit timeouts of an IVR. Digits pressed while a prompt plays are kept
 * (inmates may type ahead) unless the step flushes them (the called party may not cut through).
 */
import type { Clock, TimerHandle } from "../../telephony/clock.ts";

export interface CollectOptions {
  /** Stop after this many digits. */
  maxDigits: number;
  /** A digit that ends entry early (not included in the result). */
  terminator?: string;
  /** How long to wait for the first digit. */
  firstDigitTimeoutMs: number;
  /** How long to wait between digits. */
  interDigitTimeoutMs: number;
}

export class DigitCollector {
  private buffer: string[] = [];
  private waiter: (() => void) | undefined;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Digits received and not yet collected. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Called on every digit as it arrives (a prompt stops when the inmate starts typing). */
  onDigit: (() => void) | undefined;

  push(digit: string): void {
    this.buffer.push(digit);
    this.onDigit?.();
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  flush(): void {
    this.buffer = [];
  }

  /** Resolves with the digits entered ("" if none before the first-digit timeout). */
  async collect(opts: CollectOptions): Promise<{ digits: string; terminated: boolean; timedOut: boolean }> {
    let digits = "";
    for (;;) {
      const timeout = digits.length === 0 ? opts.firstDigitTimeoutMs : opts.interDigitTimeoutMs;
      const d = await this.next(timeout);
      if (d === undefined) return { digits, terminated: false, timedOut: true };
      if (opts.terminator !== undefined && d === opts.terminator) return { digits, terminated: true, timedOut: false };
      digits += d;
      if (digits.length >= opts.maxDigits) return { digits, terminated: false, timedOut: false };
    }
  }

  /** The next digit, or undefined after `timeoutMs`. */
  next(timeoutMs: number): Promise<string | undefined> {
    const ready = this.buffer.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      this.waiter = () => {
        this.clock.clearTimeout(timer);
        resolve(this.buffer.shift());
      };
      timer = this.clock.setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
    });
  }

  /** Wakes a pending `next()` with no digit (the call ended). */
  cancel(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
