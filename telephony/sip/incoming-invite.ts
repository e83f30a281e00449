/**
 * The UAS side of an initial INVITE (RFC 3261 §13.3): provisional responses, the 2xx that
 * creates the dialog (and its retransmission until ACK, §13.3.1.4), rejection, and CANCEL.
 */
import { randomHex } from "./ids.ts";
import { Dialog } from "./dialog.ts";
import { Emitter } from "./emitter.ts";
import type { InviteServerTransaction } from "./invite-server-transaction.ts";
import { addHeaders, SipSession, type SessionBody } from "./invite-session.ts";
import { createResponse, type SipRequest, type SipResponse } from "./message.ts";
import type { Destination } from "./transaction-layer.ts";
import type { UaCore } from "./ua-core.ts";

export type IncomingInviteState = "pending" | "accepted" | "rejected" | "cancelled" | "failed";

const ALLOWED: Record<IncomingInviteState, readonly IncomingInviteState[]> = {
  pending: ["accepted", "rejected", "cancelled", "failed"],
  accepted: [],
  rejected: [],
  cancelled: [],
  failed: [],
};

export interface IncomingInviteEvents {
  /** The caller sent CANCEL; the INVITE was answered 487. */
  cancel: (req: SipRequest) => void;
  /** The transaction failed (transport error, or no ACK to a final error response). */
  failed: (reason: string) => void;
}

export class IncomingInvite extends Emitter<IncomingInviteEvents> {
  readonly request: SipRequest;
  readonly source: Destination;
  /** "the UAS MUST add a tag to the To header field in the response" — RFC 3261 §8.2.6.2 */
  readonly toTag = randomHex(6);
  session: SipSession | undefined;
  /** Set by the core: told when a 2xx was sent. */
  onAccepted: (() => void) | undefined;
  /** The 2xx we answered with, re-sent if the INVITE itself is retransmitted after it. */
  finalResponse: SipResponse | undefined;
  private state_: IncomingInviteState = "pending";
  private readonly ua: UaCore;
  private readonly tx: InviteServerTransaction;

  constructor(ua: UaCore, request: SipRequest, tx: InviteServerTransaction, source: Destination) {
    super();
    this.ua = ua;
    this.request = request;
    this.tx = tx;
    this.source = source;
    this.onListenerError = (e) => ua.log("error", "incoming INVITE listener threw", e);
    tx.setUser({
      onFailure: (reason) => {
        if (this.state_ === "pending") {
          this.transition("failed");
          this.emit("failed", reason);
        }
      },
    });
  }

  get state(): IncomingInviteState {
    return this.state_;
  }

  private transition(to: IncomingInviteState): void {
    if (!ALLOWED[this.state_].includes(to)) throw new Error(`incoming INVITE: ${this.state_} -> ${to}`);
    this.state_ = to;
  }

  private build(status: number, opts: SessionBody & { reason?: string } = {}): SipResponse {
    const res = createResponse(this.request, status, {
      toTag: this.toTag,
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      ...(opts.body !== undefined ? { body: opts.body, contentType: opts.contentType ?? "application/sdp" } : {}),
    });
    if (status > 100 && status < 300) {
      // "the UAS MUST copy all Record-Route header field values from the request into the
      // response" and add a Contact — RFC 3261 §12.1.1
      for (const rr of this.request.headers.getAll("record-route")) res.headers.append("Record-Route", rr);
      res.headers.append("Contact", this.ua.contactFor(this.source.transport.protocol));
    }
    if (this.ua.userAgent) res.headers.append("Server", this.ua.userAgent);
    addHeaders(res, opts.headers);
    return res;
  }

  /** Sends a provisional response (180 Ringing by default, 183 with early media SDP). */
  progress(status = 180, opts: SessionBody & { reason?: string } = {}): void {
    if (this.state_ !== "pending" || status <= 100 || status >= 200) return;
    this.tx.respond(this.build(status, opts));
  }

  /** Answers 2xx with our SDP; returns the dialog's session (confirmed when the ACK comes). */
  accept(answer: SessionBody & { status?: number } = {}): SipSession {
    if (this.state_ !== "pending") throw new Error(`cannot accept: INVITE is ${this.state_}`);
    this.transition("accepted");
    const res = this.build(answer.status ?? 200, answer);
    const dialog = Dialog.fromUas(this.request, this.toTag);
    const session = new SipSession(this.ua, dialog, "uas", this.source.transport.protocol);
    this.session = session;
    this.finalResponse = res;
    this.tx.respond(res);
    this.onAccepted?.();
    session.startRetransmitting2xx(res, this.ua.layer.responseTarget(this.request, this.source));
    return session;
  }

  /** Refuses the call with a final error response (486, 603, 480, ...). */
  reject(status = 603, opts: { reason?: string; headers?: Record<string, string> } = {}): void {
    if (this.state_ !== "pending") return;
    this.transition("rejected");
    this.tx.respond(this.build(status, opts));
  }

  /**
   * "If the UAS did not find a matching transaction for the CANCEL ... it SHOULD respond to the
   * CANCEL with a 481 ... [else] the UAS core ... SHOULD immediately respond to the INVITE with
   * a 487 (Request Terminated)." — RFC 3261 §9.2 (the 200 to the CANCEL is sent by the core).
   */
  receiveCancel(cancel: SipRequest): void {
    if (this.state_ !== "pending") return;
    this.transition("cancelled");
    this.tx.respond(this.build(487));
    this.emit("cancel", cancel);
  }
}
