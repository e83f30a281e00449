/**
 * Non-INVITE server transaction — RFC 3261 §17.2.2, Figure 8.
 *
 *   trying --1xx--> proceeding --200-699--> completed --Timer J--> terminated
 *     |--200-699--> completed
 */
import type { SipRequest, SipResponse } from "./message.ts";
import { serializeMessage } from "./serializer.ts";
import { type ServerTransactionUser, type TransactionContext, TransactionBase } from "./transaction.ts";

export type NonInviteServerState = "trying" | "proceeding" | "completed" | "terminated";

const ALLOWED: Record<NonInviteServerState, readonly NonInviteServerState[]> = {
  trying: ["proceeding", "completed", "terminated"],
  proceeding: ["proceeding", "completed", "terminated"],
  completed: ["terminated"],
  terminated: [],
};

/** The user of a transaction nobody listens to (shared: most non-INVITE transactions have none). */
const NO_USER: ServerTransactionUser = Object.freeze({});

export class NonInviteServerTransaction extends TransactionBase<NonInviteServerState> {
  private user: ServerTransactionUser = NO_USER;
  /**
   * The last response, serialized once: it is what retransmissions resend, and the transaction
   * outlives it by Timer J (32 s over UDP), so it keeps bytes rather than the message's objects.
   */
  private lastBytes: Buffer | undefined = undefined;
  private status = 0;

  constructor(request: SipRequest, ctx: TransactionContext) {
    super(request, ctx, "trying", ALLOWED);
  }

  setUser(user: ServerTransactionUser): void {
    this.user = user;
  }

  get lastStatus(): number {
    return this.status;
  }

  /**
   * "Once in the "Trying" state, any further request retransmissions are discarded." "If a
   * retransmission of the request is received while in the "Proceeding" state, the most
   * recently sent provisional response MUST be passed to the transport layer for
   * retransmission." "While in the "Completed" state, the server transaction MUST pass the
   * final response to the transport layer for retransmission whenever a retransmission of the
   * request is received." — RFC 3261 §17.2.2
   */
  receiveRequest(_req: SipRequest): void {
    if ((this.state === "proceeding" || this.state === "completed") && this.lastBytes) {
      this.sendOrFail(this.lastBytes);
    }
  }

  respond(res: SipResponse): void {
    if (this.state !== "trying" && this.state !== "proceeding") {
      throw new Error(`cannot respond in state ${this.state}`);
    }
    const bytes = serializeMessage(res);
    this.lastBytes = bytes;
    this.status = res.status;
    this.sendOrFail(bytes);
    if (res.status < 200) {
      this.transition("proceeding");
      return;
    }
    /** "When the server transaction enters the "Completed" state, it MUST set Timer J to fire
     * in 64*T1 seconds for unreliable transports, and zero seconds for reliable transports." */
    this.transition("completed");
    // Timer J keeps this transaction 64*T1 over UDP; drop the request's parsed header values
    // meanwhile (at thousands of requests a second they are most of the live heap).
    this.request.invalidate();
    this.timers.start("J", this.ctx.reliable ? 0 : 64 * this.ctx.timers.T1, () => this.transition("terminated"));
  }

  protected transportError(error: Error): void {
    if (this.state === "terminated") return;
    this.transition("terminated");
    this.user.onFailure?.("transport", error);
  }
}
