/**
 * The call state machine, as pjsua2's `pjsip_inv_state` draws it (see `CallState` in
 * telephony/api.ts). One table of legal moves and one guarded transition: an illegal move is a
 * bug in the user agent and throws.
 *
 *   NULL -> CALLING -> EARLY -> CONNECTING -> CONFIRMED -> DISCONNECTED
 *   NULL -> INCOMING -> EARLY -> CONNECTING -> CONFIRMED -> DISCONNECTED
 *   (CALLING and INCOMING may skip EARLY; every state but DISCONNECTED may end)
 */
import type { CallState } from "../api.ts";

export const CALL_TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  NULL: ["CALLING", "INCOMING", "DISCONNECTED"],
  CALLING: ["EARLY", "CONNECTING", "DISCONNECTED"],
  INCOMING: ["EARLY", "CONNECTING", "DISCONNECTED"],
  EARLY: ["CONNECTING", "DISCONNECTED"],
  CONNECTING: ["CONFIRMED", "DISCONNECTED"],
  CONFIRMED: ["DISCONNECTED"],
  DISCONNECTED: [],
};

export class IllegalCallTransitionError extends Error {
  override readonly name = "IllegalCallTransitionError";
}

/** Holds one call's state; `transition()` throws on a move the table does not allow. */
export class CallStateMachine {
  private current: CallState = "NULL";

  get state(): CallState {
    return this.current;
  }

  can(to: CallState): boolean {
    return CALL_TRANSITIONS[this.current].includes(to);
  }

  transition(to: CallState): void {
    if (!this.can(to)) throw new IllegalCallTransitionError(`call: ${this.current} -> ${to}`);
    this.current = to;
  }

  get ended(): boolean {
    return this.current === "DISCONNECTED";
  }
}
