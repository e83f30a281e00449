/**
 * The handset state machine: one state, one guarded transition() that throws on an illegal
 * move. Effects (relay, tones, SIP) live in handset.ts; this file only says what may follow what.
 *
 *   on-hook        idle, handset down, service available
 *   off-hook       lifted: ringdown call to the controller placed, local dial tone playing
 *   dialling       the controller's audio arrived: its prompts run, digits go out as RFC 4733
 *   in-call        the controller reports the call bridged to the called party
 *   lockout        still off-hook after a call ended: silence or reorder, no new call until
 *                  the handset is hung up ("The IWTS shall not allow an inmate/ward to obtain a
 *                  second dial tone without hanging up the telephone after the first call",
 *                  IWTS functional requirements, Second Dial Tone)
 *   killed         its housing unit is killed (kill switch, controller command, or schedule):
 *                  line relay open, no calls until released
 *   out-of-service no controller, or a fault: lifting plays "service unavailable", no call
 */
export type HandsetState = "on-hook" | "off-hook" | "dialling" | "in-call" | "lockout" | "killed" | "out-of-service";

export const HANDSET_STATES: readonly HandsetState[] = [
  "on-hook",
  "off-hook",
  "dialling",
  "in-call",
  "lockout",
  "killed",
  "out-of-service",
];

const ALLOWED: Readonly<Record<HandsetState, readonly HandsetState[]>> = {
  "on-hook": ["off-hook", "killed", "out-of-service"],
  // A call may outlive the controller link; hanging up then rests out of service.
  "off-hook": ["dialling", "on-hook", "lockout", "killed", "out-of-service"],
  dialling: ["in-call", "on-hook", "lockout", "killed", "out-of-service"],
  "in-call": ["on-hook", "lockout", "killed", "out-of-service"],
  lockout: ["on-hook", "killed", "out-of-service"],
  killed: ["on-hook", "lockout", "out-of-service"],
  "out-of-service": ["on-hook", "lockout", "killed"],
};

export class IllegalTransitionError extends Error {
  override readonly name = "IllegalTransitionError";
  readonly from: HandsetState;
  readonly to: HandsetState;
  constructor(handset: string, from: HandsetState, to: HandsetState) {
    super(`handset ${handset}: illegal transition ${from} → ${to}`);
    this.from = from;
    this.to = to;
  }
}

export interface StateChange {
  from: HandsetState;
  to: HandsetState;
  reason: string;
}

export class HandsetMachine {
  readonly handset: string;
  private current: HandsetState;
  private readonly listeners = new Set<(c: StateChange) => void>();

  constructor(handset: string, initial: HandsetState = "out-of-service") {
    this.handset = handset;
    this.current = initial;
  }

  get state(): HandsetState {
    return this.current;
  }

  canTransition(to: HandsetState): boolean {
    return ALLOWED[this.current].includes(to);
  }

  /** The only way the state changes. Throws IllegalTransitionError on a move the table forbids. */
  transition(to: HandsetState, reason: string): void {
    if (!this.canTransition(to)) throw new IllegalTransitionError(this.handset, this.current, to);
    const from = this.current;
    this.current = to;
    for (const l of this.listeners) l({ from, to, reason });
  }

  onChange(listener: (c: StateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
