/**
 * INVITE server transaction — RFC 3261 §17.2.1, Figure 7.
 *
 *   proceeding --2xx--> terminated (the TU retransmits the 2xx, §13.3.1.4)
 *       |--300-699--> completed --ACK--> confirmed --Timer I--> terminated
 *                         |--Timer H / transport error--> terminated
 */
import { createResponse, type SipRequest, type SipResponse } from "./message.ts";
import { type ServerTransactionUser, type TransactionContext, TransactionBase } from "./transaction.ts";

export type InviteServerState = "proceeding" | "completed" | "confirmed" | "terminated";

const ALLOWED: Record<InviteServerState, readonly InviteServerState[]> = {
  proceeding: ["proceeding", "completed", "terminated"],
  completed: ["confirmed", "terminated"],
  confirmed: ["terminated"],
  terminated: [],
};

export class InviteServerTransaction extends TransactionBase<InviteServerState> {
  private user: ServerTransactionUser = {};
  private lastResponse: SipResponse | undefined;

  constructor(request: SipRequest, ctx: TransactionContext) {
    super(request, ctx, "proceeding", ALLOWED);
  }

  setUser(user: ServerTransactionUser): void {
    this.user = user;
  }

  /**
   * "The server transaction MUST generate a 100 (Trying) response unless it knows that the TU
   * will generate a provisional or final response within 200 ms" — RFC 3261 §17.2.1. We
   * always send it at once: it is cheap and stops Timer A retransmissions early.
   */
  start(): void {
    this.respond(createResponse(this.request, 100));
  }

  get lastStatus(): number {
    return this.lastResponse?.status ?? 0;
  }

  /**
   * "If a request retransmission is received while in the "Proceeding" state, the most recent
   * provisional response that was received from the TU MUST be passed to the transport layer
   * for retransmission." "while in the "Completed" state, if a request retransmission is
   * received, the server SHOULD pass the response to the transport for retransmission."
   * — §17.2.1
   */
  receiveRequest(req: SipRequest): void {
    if (req.method === "ACK") {
      /** "If an ACK is received while the server transaction is in the "Completed" state, the
       * server transaction MUST transition to the "Confirmed" state ... timer I is set to fire
       * in T4 seconds for unreliable transports, and zero seconds for reliable transports." */
      if (this.state === "completed") {
        this.timers.stop("G");
        this.timers.stop("H");
        this.transition("confirmed");
        this.timers.start("I", this.ctx.reliable ? 0 : this.ctx.timers.T4, () => this.transition("terminated"));
      }
      return;
    }
    if ((this.state === "proceeding" || this.state === "completed") && this.lastResponse) {
      this.sendOrFail(this.lastResponse);
    }
  }

  respond(res: SipResponse): void {
    if (this.state !== "proceeding") throw new Error(`cannot respond in state ${this.state}`);
    this.lastResponse = res;
    const code = res.status;
    if (code < 200) {
      this.sendOrFail(res);
      this.transition("proceeding");
    } else if (code < 300) {
      /** "If, while in the "Proceeding" state, the TU passes a 2xx response to the server
       * transaction, the server transaction MUST pass this response to the transport layer
       * for transmission ... The server transaction MUST then transition to the "Terminated"
       * state." — §17.2.1 */
      this.sendOrFail(res);
      this.transition("terminated");
    } else {
      /** "the response MUST be passed to the transport layer for transmission, and the state
       * machine MUST enter the "Completed" state. For unreliable transports, timer G is set
       * to fire in T1 seconds ... timer H MUST be set to fire in 64*T1 seconds for all
       * transports." — §17.2.1 */
      this.sendOrFail(res);
      this.transition("completed");
      this.request.invalidate();
      const { T1 } = this.ctx.timers;
      if (!this.ctx.reliable) this.scheduleG(T1);
      this.timers.start("H", 64 * T1, () => {
        if (this.state !== "completed") return;
        this.transition("terminated");
        this.user.onFailure?.("timeout");
      });
    }
  }

  /** "If timer G fires, the response is passed to the transport layer once more for
   * retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds." — §17.2.1 */
  private scheduleG(ms: number): void {
    this.timers.start("G", ms, () => {
      if (this.state !== "completed" || !this.lastResponse) return;
      this.sendOrFail(this.lastResponse);
      this.scheduleG(Math.min(2 * ms, this.ctx.timers.T2));
    });
  }

  protected transportError(error: Error): void {
    if (this.state === "terminated") return;
    this.transition("terminated");
    this.user.onFailure?.("transport", error);
  }
}
