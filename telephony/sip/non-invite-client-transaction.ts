/**
 * Non-INVITE client transaction — RFC 3261 §17.1.2, Figure 6.
 *
 *   trying --1xx--> proceeding --200-699--> completed --Timer K--> terminated
 *      |--200-699--> completed
 *      |--Timer F / transport error--> terminated
 */
import type { SipRequest, SipResponse } from "./message.ts";
import { type ClientTransactionUser, type TransactionContext, TransactionBase } from "./transaction.ts";

export type NonInviteClientState = "trying" | "proceeding" | "completed" | "terminated";

const ALLOWED: Record<NonInviteClientState, readonly NonInviteClientState[]> = {
  trying: ["proceeding", "completed", "terminated"],
  proceeding: ["proceeding", "completed", "terminated"],
  completed: ["terminated"],
  terminated: [],
};

export class NonInviteClientTransaction extends TransactionBase<NonInviteClientState> {
  private readonly user: ClientTransactionUser;

  constructor(request: SipRequest, ctx: TransactionContext, user: ClientTransactionUser) {
    super(request, ctx, "trying", ALLOWED);
    this.user = user;
  }

  start(): void {
    this.sendOrFail(this.request);
    const { T1 } = this.ctx.timers;
    /** "If an unreliable transport is in use, the client transaction MUST set timer E to fire
     * in T1 seconds." — RFC 3261 §17.1.2.2 */
    if (!this.ctx.reliable) this.scheduleE(T1);
    /** "the client transaction MUST set timer F to fire in 64*T1 seconds." */
    this.timers.start("F", 64 * T1, () => {
      if (this.state !== "trying" && this.state !== "proceeding") return;
      this.transition("terminated");
      this.user.onTimeout();
    });
  }

  /**
   * Timer E doubles on each retransmission, capped at T2: "If timer E fires while still in
   * this state, the timer is reset, but this time with a value of MIN(2*T1, T2) ... If Timer E
   * fires while in the Proceeding state, the request MUST be passed to the transport layer for
   * retransmission, and Timer E MUST be reset with a value of T2 seconds." — RFC 3261 §17.1.2.2
   */
  private scheduleE(ms: number): void {
    this.timers.start("E", ms, () => {
      if (this.state !== "trying" && this.state !== "proceeding") return;
      this.sendOrFail(this.request);
      const T2 = this.ctx.timers.T2;
      this.scheduleE(this.state === "proceeding" ? T2 : Math.min(2 * ms, T2));
    });
  }

  receiveResponse(res: SipResponse): void {
    if (this.state !== "trying" && this.state !== "proceeding") return;
    if (res.status < 200) {
      this.transition("proceeding");
      this.user.onResponse(res);
      return;
    }
    /**
     * "If a final response (status codes 200-699) is received while in the "Trying" state,
     * the response MUST be passed to the TU, and the client transaction MUST transition to the
     * "Completed" state." "Once the client transaction enters the "Completed" state, it MUST
     * set Timer K to fire in T4 seconds for unreliable transports, and zero seconds for
     * reliable transports." — §17.1.2.2
     */
    this.timers.stop("E");
    this.timers.stop("F");
    this.transition("completed");
    this.request.invalidate();
    this.timers.start("K", this.ctx.reliable ? 0 : this.ctx.timers.T4, () => this.transition("terminated"));
    this.user.onResponse(res);
  }

  protected transportError(error: Error): void {
    if (this.state === "terminated" || this.state === "completed") return;
    this.transition("terminated");
    this.user.onTransportError(error);
  }
}
