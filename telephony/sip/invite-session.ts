/**
 * One INVITE dialog usage seen from either side (RFC 3261 §13–§15): ACK handling, in-dialog
 * requests (BYE, INFO, re-INVITE and others), and the UAS's retransmission of its 2xx until the
 * ACK arrives (§13.3.1.4). The caller and the callee end up with the same object.
 */
import type { TimerHandle } from "../clock.ts";
import type { Dialog } from "./dialog.ts";
import { Emitter } from "./emitter.ts";
import { createResponse, type SipRequest, type SipResponse } from "./message.ts";
import { Timers } from "./transaction.ts";
import type { Destination } from "./transaction-layer.ts";
import type { TransportProtocol } from "./transport.ts";
import { authorizedRetry, type DialogUser, type Responder, type ResponseOptions, type UaCore } from "./ua-core.ts";

export type SessionState = "waiting-ack" | "confirmed" | "terminated";

const ALLOWED: Record<SessionState, readonly SessionState[]> = {
  "waiting-ack": ["confirmed", "terminated"],
  confirmed: ["waiting-ack", "terminated"],
  terminated: [],
};

export interface SessionBody {
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A re-INVITE received inside the dialog: answer it with `accept` (and an SDP answer) or `reject`. */
export interface IncomingReinvite {
  readonly request: SipRequest;
  accept(answer?: SessionBody): void;
  reject(status: number, reason?: string): void;
}

export interface SessionEvents {
  /** The ACK for our 2xx arrived (it may carry the answer to a late offer). */
  ack: (req: SipRequest) => void;
  /** The peer sent BYE (already answered 200). */
  bye: (req: SipRequest) => void;
  /** INFO inside the dialog (already answered 200), e.g. application/dtmf-relay. */
  info: (contentType: string, body: string, req: SipRequest) => void;
  reinvite: (r: IncomingReinvite) => void;
  /** Any other in-dialog request; call `respond` (default 405 when nobody listens). */
  request: (req: SipRequest, respond: (status: number, opts?: ResponseOptions) => void) => void;
  terminated: (reason: string) => void;
}

export class SipSession extends Emitter<SessionEvents> implements DialogUser {
  readonly dialog: Dialog;
  readonly role: "uac" | "uas";
  /** Transport of the initial INVITE, used when the remote target names none. */
  readonly protocol: TransportProtocol;
  private readonly ua: UaCore;
  private state_: SessionState;
  private readonly timers: Timers;
  /** UAC: the last ACK we sent, re-sent for each retransmitted 2xx (§13.2.2.4). */
  private lastAck: { ack: SipRequest; dest: Destination } | undefined;
  /** UAS: the 2xx we keep retransmitting until ACK, and its CSeq. */
  private pending2xx: { res: SipResponse; seq: number } | undefined;
  /** Resolved when the pending 2xx is ACKed or given up on. */
  private ackWaiters: (() => void)[] = [];
  private reinviteInProgress = false;
  private detachTimer: TimerHandle | undefined;
  terminationReason: string | undefined;

  constructor(ua: UaCore, dialog: Dialog, role: "uac" | "uas", protocol: TransportProtocol) {
    super();
    this.ua = ua;
    this.dialog = dialog;
    this.role = role;
    this.protocol = protocol;
    this.state_ = role === "uas" ? "waiting-ack" : "confirmed";
    this.timers = new Timers(ua.clock);
    this.onListenerError = (e) => ua.log("error", "session listener threw", e);
    ua.attach(dialog.id, this);
  }

  get state(): SessionState {
    return this.state_;
  }

  private transition(to: SessionState): void {
    if (!ALLOWED[this.state_].includes(to)) throw new Error(`session: ${this.state_} -> ${to}`);
    this.state_ = to;
  }

  // ---- UAS: 2xx retransmission (§13.3.1.4) ----

  /**
   * "The 2xx response is passed to the transport with an interval that starts at T1 seconds
   * and doubles for each retransmission until it reaches T2 seconds ... Response
   * retransmissions cease when an ACK request for the response is received." "If the server
   * retransmits the 2xx response for 64*T1 seconds without receiving an ACK, the dialog is
   * confirmed, but the session SHOULD be terminated. This is accomplished with a BYE".
   * — RFC 3261 §13.3.1.4
   */
  startRetransmitting2xx(res: SipResponse, dest: Destination): void {
    this.pending2xx = { res, seq: res.cseq.seq };
    const { T1, T2 } = this.ua.layer.timers;
    const resend = (interval: number) => {
      this.timers.start("2xx", interval, () => {
        if (!this.pending2xx) return;
        dest.transport.send(res, dest.address).catch((e) => this.ua.log("warn", "2xx retransmission failed", e));
        resend(Math.min(2 * interval, T2));
      });
    };
    if (!dest.transport.reliable) resend(T1);
    this.timers.start("2xx-timeout", 64 * T1, () => {
      if (!this.pending2xx) return;
      this.pending2xx = undefined;
      this.timers.stop("2xx");
      this.releaseAckWaiters();
      this.ua.log("warn", "no ACK for our 2xx: ending the session");
      void this.bye("no ACK received");
    });
  }

  receiveAck(req: SipRequest): void {
    if (!this.pending2xx || req.cseq.seq !== this.pending2xx.seq) return;
    this.pending2xx = undefined;
    this.timers.stop("2xx");
    this.timers.stop("2xx-timeout");
    if (this.state_ === "waiting-ack") this.transition("confirmed");
    this.releaseAckWaiters();
    this.emit("ack", req);
  }

  private releaseAckWaiters(): void {
    const waiters = this.ackWaiters;
    this.ackWaiters = [];
    for (const w of waiters) w();
  }

  // ---- UAC: ACK for 2xx (§13.2.2.4) ----

  /** Sends the ACK for a 2xx to our INVITE (initial or re-INVITE) and keeps it for retransmissions. */
  async sendAck(invite: SipRequest, answer?: SessionBody): Promise<void> {
    const ack = this.dialog.createRequest("ACK", { cseq: invite.cseq.seq });
    // "The ACK MUST contain the same credentials as the INVITE" — RFC 3261 §22.1 / §13.2.2.4
    for (const name of ["authorization", "proxy-authorization"]) {
      for (const v of invite.headers.getAll(name)) ack.headers.append(name, v);
    }
    if (answer?.body !== undefined) {
      ack.body = Buffer.from(answer.body);
      ack.headers.set("Content-Type", answer.contentType ?? "application/sdp");
    }
    const dest = await this.ua.layer.sendStateless(ack, await this.ua.layer.resolve(ack, undefined, this.protocol));
    this.lastAck = { ack, dest };
  }

  receiveStray2xx(res: SipResponse): void {
    if (this.lastAck && res.cseq.seq === this.lastAck.ack.cseq.seq) {
      this.lastAck.dest.transport.send(this.lastAck.ack, this.lastAck.dest.address).catch(() => undefined);
    }
  }

  // ---- requests we send in the dialog ----

  private async sendInDialog(req: SipRequest): Promise<SipResponse> {
    const res = await this.ua.send(req, { prefer: this.protocol, dialog: this.dialog });
    // "If the response for a request within a dialog is a 481 (Call/Transaction Does Not
    // Exist) or a 408 (Request Timeout), the UAC SHOULD terminate the dialog." — §12.2.1.2
    if ((res.status === 481 || res.status === 408) && req.method !== "BYE") this.end(`${res.status} to ${req.method}`);
    return res;
  }

  /** Ends the call with BYE (RFC 3261 §15.1.1); resolves with the BYE's final response. */
  async bye(reason = "local BYE", headers?: Record<string, string>): Promise<SipResponse | undefined> {
    if (this.state_ === "terminated") return undefined;
    /** "The callee's UA MUST NOT send a BYE on a confirmed dialog until it has received an ACK
     * for its 2xx response or until the server transaction times out." — RFC 3261 §15 */
    if (this.pending2xx) {
      await new Promise<void>((resolve) => this.ackWaiters.push(resolve));
      if ((this.state_ as SessionState) === "terminated") return undefined;
    }
    this.end(reason);
    const req = this.dialog.createRequest("BYE");
    addHeaders(req, headers);
    return this.sendInDialog(req);
  }

  /** Sends INFO with a body (RFC 6086), e.g. `application/dtmf-relay` "Signal=5\r\nDuration=160". */
  info(contentType: string, body: string): Promise<SipResponse> {
    return this.request("INFO", { body, contentType });
  }

  /** Sends any non-INVITE request inside the dialog. */
  async request(method: string, opts: SessionBody = {}): Promise<SipResponse> {
    const req = this.dialog.createRequest(method);
    if (opts.body !== undefined) {
      req.body = Buffer.from(opts.body);
      req.headers.set("Content-Type", opts.contentType ?? "text/plain");
    }
    addHeaders(req, opts.headers);
    return this.sendInDialog(req);
  }

  /**
   * Sends a re-INVITE with a new offer (hold/unhold, codec change) and ACKs its 2xx; resolves
   * with the final response (491 when the peer is in the middle of its own, §14.1).
   */
  async reinvite(offer: SessionBody = {}): Promise<SipResponse> {
    if (this.state_ === "terminated") throw new Error("session is terminated");
    if (this.reinviteInProgress) throw new Error("a re-INVITE is already in progress");
    this.reinviteInProgress = true;
    try {
      let req = this.dialog.createRequest("INVITE");
      req.headers.append("Contact", this.ua.contactFor(this.protocol));
      if (offer.body !== undefined) {
        req.body = Buffer.from(offer.body);
        req.headers.set("Content-Type", offer.contentType ?? "application/sdp");
      }
      addHeaders(req, offer.headers);
      for (let attempt = 0; ; attempt++) {
        const res = await this.inviteOnce(req);
        if ((res.status === 401 || res.status === 407) && attempt === 0) {
          const retry = authorizedRetry(req, res, this.ua.credentials, this.dialog);
          if (retry) {
            req = retry;
            continue;
          }
        }
        if (res.status >= 200 && res.status < 300) {
          this.dialog.refreshTarget(res);
          await this.sendAck(req);
        } else if (res.status === 481 || res.status === 408) {
          this.end(`${res.status} to re-INVITE`);
        }
        return res;
      }
    } finally {
      this.reinviteInProgress = false;
    }
  }

  private async inviteOnce(req: SipRequest): Promise<SipResponse> {
    const dest = await this.ua.layer.resolve(req, undefined, this.protocol);
    return new Promise((resolve) => {
      this.ua.layer
        .request(
          req,
          {
            onResponse: (res) => {
              if (res.status >= 200) resolve(res);
            },
            onTimeout: () => resolve(createResponse(req, 408)),
            onTransportError: () => resolve(createResponse(req, 503)),
          },
          { destination: dest },
        )
        .catch(() => resolve(createResponse(req, 503)));
    });
  }

  // ---- requests we receive in the dialog ----

  receiveRequest(req: SipRequest, respond: Responder, source: Destination): void {
    if (this.state_ === "terminated") {
      respond(481);
      return;
    }
    if (!this.dialog.acceptRemoteSeq(req)) {
      respond(500, { reason: "CSeq out of order", headers: { "Retry-After": "1" } });
      return;
    }
    switch (req.method) {
      case "BYE":
        respond(200);
        this.end("remote BYE");
        this.emit("bye", req);
        return;
      case "INFO":
        respond(200);
        this.emit("info", req.contentType ?? "", req.bodyText, req);
        return;
      case "INVITE":
        this.receiveReinvite(req, respond, source);
        return;
      default:
        if (!this.emit("request", req, respond)) respond(405, { headers: { Allow: ALLOW } });
    }
  }

  private receiveReinvite(req: SipRequest, respond: Responder, source: Destination): void {
    /** "A UAS that receives a second INVITE before it sends the final response to a first
     * INVITE with a lower CSeq sequence number on the same dialog MUST return a 500" and "A UAS
     * that receives an INVITE on a dialog while an INVITE it had sent on that dialog is in
     * progress MUST return a 491 (Request Pending)" — RFC 3261 §14.2 */
    if (this.reinviteInProgress) {
      respond(491);
      return;
    }
    if (this.pending2xx) {
      respond(500, { headers: { "Retry-After": "1" } });
      return;
    }
    let answered = false;
    const r: IncomingReinvite = {
      request: req,
      accept: (answer = {}) => {
        if (answered) return;
        answered = true;
        this.dialog.refreshTarget(req);
        const headers: Record<string, string> = { Contact: this.ua.contactFor(this.protocol), ...answer.headers };
        const opts: ResponseOptions = { headers };
        if (answer.body !== undefined) {
          opts.body = answer.body;
          opts.contentType = answer.contentType ?? "application/sdp";
        }
        const res = respond(200, opts);
        if (!res) return;
        // The 2xx to a re-INVITE is retransmitted until its ACK like the first (§13.3.1.4).
        if (this.state_ === "confirmed") this.transition("waiting-ack");
        this.startRetransmitting2xx(res, this.ua.layer.responseTarget(req, source));
      },
      reject: (status, reason) => {
        if (answered) return;
        answered = true;
        respond(status, reason !== undefined ? { reason } : {});
      },
    };
    // Without a listener there is nobody to answer the offer: 488 (RFC 3261 §14.2).
    if (!this.emit("reinvite", r)) r.reject(488);
  }

  /** Marks the session over without signalling (used after BYE either way). */
  end(reason: string): void {
    if (this.state_ === "terminated") return;
    this.transition("terminated");
    this.terminationReason = reason;
    this.pending2xx = undefined;
    this.timers.stopAll();
    this.releaseAckWaiters();
    if (this.dialog.state !== "terminated") this.dialog.transition("terminated");
    // Keep the dialog filed for a while so retransmitted BYEs and 2xx still match (64*T1).
    this.detachTimer = this.ua.clock.setTimeout(() => this.ua.detach(this.dialog.id), 64 * this.ua.layer.timers.T1);
    this.emit("terminated", reason);
  }

  dispose(): void {
    this.timers.stopAll();
    this.ua.clock.clearTimeout(this.detachTimer);
    this.pending2xx = undefined;
  }
}

export const ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER, MESSAGE";

export function addHeaders(req: SipRequest | SipResponse, headers: Record<string, string> | undefined): void {
  if (!headers) return;
  for (const [k, v] of Object.entries(headers)) req.headers.set(k, v);
}
