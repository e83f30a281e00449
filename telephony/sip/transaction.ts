/**
 * What the four transaction state machines (RFC 3261 §17) share: timer values, the context
 * the transaction layer hands them, named timers on the injected clock, and the one guarded
 * `transition()` each machine uses.
 */
import type { Clock } from "../clock.ts";
import type { SipMessage, SipRequest, SipResponse } from "./message.ts";
import { type QueuedTimer, type TimerQueue, timerQueueFor } from "./timer-queue.ts";

/**
 * T1 "RTT Estimate" 500 ms default; T2 "The maximum retransmit interval for non-INVITE
 * requests and INVITE responses" 4 s; T4 "Maximum duration a message will remain in the
 * network" 5 s. RFC 3261 Table 4 (§A).
 */
export interface TimerValues {
  T1: number;
  T2: number;
  T4: number;
}

export const DEFAULT_TIMERS: TimerValues = { T1: 500, T2: 4000, T4: 5000 };

/** Timer D: "> 32s for UDP" — RFC 3261 §17.1.1.2; 0 for reliable transports. */
export const TIMER_D_UNRELIABLE = 32_000;

export interface TransactionContext {
  clock: Clock;
  timers: TimerValues;
  /** Reliable transports skip retransmissions and zero the wait timers (§17.1.1.2, §17.2.1). */
  reliable: boolean;
  /** Sends to this transaction's peer over its transport (a message, or one already serialized). */
  send(message: SipMessage | Buffer): Promise<void>;
  /** Called once when the transaction reaches Terminated (the layer forgets it). */
  terminated(): void;
}

export interface ClientTransactionUser {
  onResponse(response: SipResponse): void;
  /** Timer B or F fired: "the client transaction SHOULD inform the TU that a timeout occurred". */
  onTimeout(): void;
  onTransportError(error: Error): void;
}

export interface ServerTransactionUser {
  /** Timer H fired without an ACK, or the transport failed. */
  onFailure?(reason: "timeout" | "transport", error?: Error): void;
}

export class IllegalTransitionError extends Error {
  override readonly name = "IllegalTransitionError";
}

/**
 * Named one-shot timers on the injected clock, through the clock's shared `TimerQueue`. A
 * transaction runs at most three at once, so names and timers sit in one short array.
 */
export class Timers {
  private readonly queue: TimerQueue;
  /** name, timer, name, timer, ... */
  private readonly live: Array<string | QueuedTimer> = [];

  constructor(clock: Clock) {
    this.queue = timerQueueFor(clock);
  }

  start(name: string, ms: number, fn: () => void): void {
    this.stop(name);
    const timer = this.queue.add(ms, () => {
      this.forget(timer);
      fn();
    });
    this.live.push(name, timer);
  }

  stop(name: string): void {
    const i = this.live.indexOf(name);
    if (i < 0) return;
    this.queue.cancel(this.live[i + 1] as QueuedTimer);
    this.live.splice(i, 2);
  }

  stopAll(): void {
    for (let i = 1; i < this.live.length; i += 2) this.queue.cancel(this.live[i] as QueuedTimer);
    this.live.length = 0;
  }

  has(name: string): boolean {
    return this.live.includes(name);
  }

  private forget(timer: QueuedTimer): void {
    const i = this.live.indexOf(timer);
    if (i > 0) this.live.splice(i - 1, 2);
  }
}

/** A state machine with one state field and one guarded transition. */
export abstract class TransactionBase<S extends string> {
  readonly request: SipRequest;
  protected readonly ctx: TransactionContext;
  protected readonly timers: Timers;
  private current: S;
  private readonly allowed: Readonly<Record<S, readonly S[]>>;

  protected constructor(request: SipRequest, ctx: TransactionContext, initial: S, allowed: Record<S, readonly S[]>) {
    this.request = request;
    this.ctx = ctx;
    this.timers = new Timers(ctx.clock);
    this.current = initial;
    this.allowed = allowed;
  }

  get state(): S {
    return this.current;
  }

  /** Moves to `to`; throws IllegalTransitionError on a move the RFC's figure does not draw. */
  protected transition(to: S): void {
    if (!this.allowed[this.current].includes(to)) {
      throw new IllegalTransitionError(`${this.constructor.name}: ${this.current} -> ${to}`);
    }
    this.current = to;
    if (to === ("terminated" as S)) {
      this.timers.stopAll();
      this.ctx.terminated();
    }
  }

  /** Sends, turning a transport failure into the machine's own handling. */
  protected sendOrFail(message: SipMessage | Buffer): void {
    this.ctx.send(message).catch((e: unknown) => this.transportError(e instanceof Error ? e : new Error(String(e))));
  }

  protected abstract transportError(error: Error): void;

  /** Ends the transaction now (layer shutdown). */
  dispose(): void {
    this.timers.stopAll();
  }
}
