/**
 * INVITE client transaction — RFC 3261 §17.1.1, Figure 5.
 *
 *   calling --1xx--> proceeding --2xx--> terminated
 *      |                 |--300-699--> completed --Timer D--> terminated
 *      |--Timer B--> terminated (timeout)
 */
import { SipHeaders } from "./headers.ts";
import { SipRequest, type SipResponse } from "./message.ts";
import {
  type ClientTransactionUser,
  TIMER_D_UNRELIABLE,
  type TransactionContext,
  TransactionBase,
} from "./transaction.ts";

export type InviteClientState = "calling" | "proceeding" | "completed" | "terminated";

const ALLOWED: Record<InviteClientState, readonly InviteClientState[]> = {
  calling: ["proceeding", "completed", "terminated"],
  proceeding: ["proceeding", "completed", "terminated"],
  completed: ["terminated"],
  terminated: [],
};

export class InviteClientTransaction extends TransactionBase<InviteClientState> {
  private readonly user: ClientTransactionUser;
  private ack: SipRequest | undefined;

  constructor(request: SipRequest, ctx: TransactionContext, user: ClientTransactionUser) {
    super(request, ctx, "calling", ALLOWED);
    this.user = user;
  }

  start(): void {
    this.sendOrFail(this.request);
    const { T1 } = this.ctx.timers;
    /**
     * "If an unreliable transport is being used, the client transaction MUST start timer A
     * with a value of T1." — RFC 3261 §17.1.1.2
     */
    if (!this.ctx.reliable) this.scheduleA(T1);
    /** "For any transport, the client transaction MUST start timer B with a value of 64*T1." */
    this.timers.start("B", 64 * T1, () => {
      if (this.state !== "calling") return;
      this.transition("terminated");
      this.user.onTimeout();
    });
  }

  /**
   * "When timer A fires, the client transaction MUST retransmit the request by passing it to
   * the transport layer, and MUST reset the timer with a value of 2*T1." — §17.1.1.2
   */
  private scheduleA(ms: number): void {
    this.timers.start("A", ms, () => {
      if (this.state !== "calling") return;
      this.sendOrFail(this.request);
      this.scheduleA(ms * 2);
    });
  }

  receiveResponse(res: SipResponse): void {
    const code = res.status;
    switch (this.state) {
      case "calling":
      case "proceeding":
        if (code < 200) {
          // "the client transaction SHOULD move to the Proceeding state" and stop retransmitting.
          this.timers.stop("A");
          this.timers.stop("B");
          this.transition("proceeding");
          this.user.onResponse(res);
        } else if (code < 300) {
          /**
           * "When in either the Calling or Proceeding states, reception of a 2xx response MUST
           * cause the client transaction to enter the Terminated state, and the response MUST
           * be passed up to the TU." — §17.1.1.2
           */
          this.transition("terminated");
          this.user.onResponse(res);
        } else {
          /**
           * "reception of a response with status code from 300-699 MUST cause the client
           * transaction to transition to "Completed". The client transaction MUST pass the
           * received response up to the TU, and the client transaction MUST generate an ACK
           * request ... The client transaction SHOULD start timer D" — §17.1.1.2
           */
          this.timers.stop("A");
          this.timers.stop("B");
          this.transition("completed");
          this.ack = this.buildAck(res);
          this.sendOrFail(this.ack);
          this.timers.start("D", this.ctx.reliable ? 0 : TIMER_D_UNRELIABLE, () => this.transition("terminated"));
          this.user.onResponse(res);
        }
        return;
      case "completed":
        /**
         * "Any retransmissions of the final response that are received while in the
         * "Completed" state MUST cause the ACK to be re-passed to the transport layer for
         * retransmission, but the newly received response MUST NOT be passed up to the TU."
         */
        if (code >= 300 && this.ack) this.sendOrFail(this.ack);
        return;
      case "terminated":
        return;
    }
  }

  /**
   * The ACK for a non-2xx final response: "The ACK request constructed by the client
   * transaction MUST contain values for the Call-ID, From, and Request-URI that are equal to
   * the values of those header fields in the request passed to the transport by the client
   * transaction ... The To header field in the ACK MUST equal the To header field in the
   * response being acknowledged ... The ACK MUST contain a single Via header field, and this
   * MUST be equal to the top Via header field of the original request ... the CSeq header
   * field in the ACK MUST contain the same value for the sequence number ... but the method
   * parameter MUST be equal to "ACK" ... If the INVITE request whose response is being
   * acknowledged had Route header fields, those header fields MUST appear in the ACK."
   * — RFC 3261 §17.1.1.3
   */
  private buildAck(res: SipResponse): SipRequest {
    const h = new SipHeaders();
    const req = this.request;
    const topVia = req.headers.getAll("via")[0];
    if (topVia !== undefined) h.append("Via", topVia);
    h.append("Max-Forwards", "70");
    h.append("From", req.headers.get("from") ?? "");
    h.append("To", res.headers.get("to") ?? "");
    h.append("Call-ID", req.callId);
    h.append("CSeq", `${req.cseq.seq} ACK`);
    for (const r of req.headers.getAll("route")) h.append("Route", r);
    return new SipRequest("ACK", req.uri, h);
  }

  protected transportError(error: Error): void {
    /** "the client transaction SHOULD inform the TU that a transport failure has occurred, and
     * the client transaction SHOULD transition directly to the "Terminated" state." §17.1.1.2 */
    if (this.state === "terminated") return;
    this.transition("terminated");
    this.user.onTransportError(error);
  }
}
