/**
 * The UAC side of an INVITE (RFC 3261 §13.2): sends it, reports provisional and final
 * responses, retries once with credentials on 401/407 (§22.2), ACKs a 2xx from the core
 * (§13.2.2.4) and can CANCEL (§9.1).
 */
import { Dialog } from "./dialog.ts";
import { Emitter } from "./emitter.ts";
import { SipHeaders } from "./headers.ts";
import { SipRequest, type SipResponse } from "./message.ts";
import type { Destination } from "./transaction-layer.ts";
import { SipSession, type SessionBody } from "./invite-session.ts";
import { authorizedRetry, type UaCore } from "./ua-core.ts";

export type OutgoingInviteState = "calling" | "proceeding" | "accepted" | "rejected" | "failed";

const ALLOWED: Record<OutgoingInviteState, readonly OutgoingInviteState[]> = {
  calling: ["calling", "proceeding", "accepted", "rejected", "failed"],
  proceeding: ["proceeding", "accepted", "rejected", "failed"],
  accepted: [],
  rejected: [],
  failed: [],
};

export interface OutgoingInviteEvents {
  progress: (res: SipResponse) => void;
  accepted: (session: SipSession, res: SipResponse) => void;
  rejected: (res: SipResponse) => void;
  /** Timer B fired or the transport failed before any final response. */
  failed: (reason: "timeout" | "transport", error?: Error) => void;
}

export type InviteOutcome =
  | { kind: "accepted"; session: SipSession; response: SipResponse }
  | { kind: "rejected"; response: SipResponse }
  | { kind: "failed"; reason: "timeout" | "transport" };

export interface OutgoingInviteOptions extends SessionBody {
  /**
   * Answer to put in the ACK (late offer: the INVITE had no body and the 2xx carries the
   * offer). Called with the 2xx; return undefined for an ACK without body.
   */
  ackBody?: (res: SipResponse) => SessionBody | undefined;
}

export class OutgoingInvite extends Emitter<OutgoingInviteEvents> {
  /** The INVITE as last sent (after any authentication retry). */
  request: SipRequest;
  session: SipSession | undefined;
  readonly outcome: Promise<InviteOutcome>;
  private state_: OutgoingInviteState = "calling";
  private readonly ua: UaCore;
  private readonly opts: OutgoingInviteOptions;
  private destination: Destination | undefined;
  private cancelWanted = false;
  private cancelSent = false;
  private settle!: (o: InviteOutcome) => void;
  private authRetried = false;

  constructor(ua: UaCore, request: SipRequest, opts: OutgoingInviteOptions = {}) {
    super();
    this.ua = ua;
    this.request = request;
    this.opts = opts;
    this.onListenerError = (e) => ua.log("error", "invite listener threw", e);
    this.outcome = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get state(): OutgoingInviteState {
    return this.state_;
  }

  private transition(to: OutgoingInviteState): void {
    if (!ALLOWED[this.state_].includes(to)) throw new Error(`outgoing INVITE: ${this.state_} -> ${to}`);
    this.state_ = to;
  }

  /** Sends the INVITE (called by the user agent). */
  async start(): Promise<void> {
    try {
      this.destination ??= await this.ua.layer.resolve(this.request);
      const req = this.request;
      await this.ua.layer.request(
        req,
        {
          onResponse: (res) => this.onResponse(req, res),
          onTimeout: () => this.fail("timeout"),
          onTransportError: (e) => this.fail("transport", e),
        },
        { destination: this.destination },
      );
    } catch (e) {
      this.fail("transport", e instanceof Error ? e : new Error(String(e)));
    }
  }

  private fail(reason: "timeout" | "transport", error?: Error): void {
    if (this.state_ !== "calling" && this.state_ !== "proceeding") return;
    this.transition("failed");
    this.emit("failed", reason, error);
    this.settle({ kind: "failed", reason });
  }

  private onResponse(sent: SipRequest, res: SipResponse): void {
    if (sent !== this.request) return; // a response to an INVITE we already replaced
    const code = res.status;
    if (code < 200) {
      if (this.state_ !== "calling" && this.state_ !== "proceeding") return;
      this.transition("proceeding");
      this.emit("progress", res);
      if (this.cancelWanted && !this.cancelSent) this.sendCancel();
      return;
    }
    if (code < 300) {
      void this.onAccepted(sent, res);
      return;
    }
    if ((code === 401 || code === 407) && !this.authRetried && !this.cancelWanted) {
      const retry = authorizedRetry(sent, res, this.ua.credentials);
      if (retry) {
        this.authRetried = true;
        this.request = retry;
        void this.start();
        return;
      }
    }
    if (this.state_ !== "calling" && this.state_ !== "proceeding") return;
    this.transition("rejected");
    this.emit("rejected", res);
    this.settle({ kind: "rejected", response: res });
  }

  private async onAccepted(sent: SipRequest, res: SipResponse): Promise<void> {
    if (this.state_ === "accepted") return; // a 2xx from another fork: only the first one counts
    if (this.state_ !== "calling" && this.state_ !== "proceeding") return;
    this.transition("accepted");
    const dialog = Dialog.fromUac(sent, res);
    const session = new SipSession(this.ua, dialog, "uac", this.destination?.transport.protocol ?? "UDP");
    this.session = session;
    try {
      await session.sendAck(sent, this.opts.ackBody?.(res));
    } catch (e) {
      this.ua.log("warn", "could not send ACK", e);
    }
    if (this.cancelWanted) {
      // "the UAC ... [if] a 2xx arrives after CANCEL ... SHOULD send BYE" (§15, §9.1).
      void session.bye("cancelled, but answered");
    }
    this.emit("accepted", session, res);
    this.settle({ kind: "accepted", session, response: res });
  }

  /**
   * A 2xx from another fork (a different To tag) after the first one made the session: "The
   * UAC core MUST generate an ACK request for each 2xx received from the transaction layer"
   * and, not wanting a second call, "the UAC MUST terminate the dialog by sending a BYE".
   * — RFC 3261 §13.2.2.4
   */
  async acceptForked2xx(res: SipResponse): Promise<void> {
    const dialog = Dialog.fromUac(this.request, res);
    const extra = new SipSession(this.ua, dialog, "uac", this.destination?.transport.protocol ?? "UDP");
    try {
      await extra.sendAck(this.request);
      await extra.bye("another fork answered first");
    } catch (e) {
      this.ua.log("warn", "could not end a forked dialog", e);
    }
  }

  /**
   * "The following procedures are used to construct a CANCEL request. The Request-URI,
   * Call-ID, To, the numeric part of CSeq, and From header fields in the CANCEL request MUST be
   * identical to those in the request being cancelled, including tags. A CANCEL constructed by
   * a client MUST have only a single Via header field value matching the top Via value in the
   * request being cancelled." "If no provisional response has been received, the CANCEL
   * request MUST NOT be sent; rather, the client MUST wait for the arrival of a provisional
   * response before sending the request." — RFC 3261 §9.1
   */
  cancel(): void {
    if (this.state_ !== "calling" && this.state_ !== "proceeding") return;
    this.cancelWanted = true;
    if (this.state_ === "proceeding") this.sendCancel();
  }

  private sendCancel(): void {
    this.cancelSent = true;
    const inv = this.request;
    const h = new SipHeaders();
    h.append("Max-Forwards", "70");
    h.append("From", inv.headers.get("from") ?? "");
    h.append("To", inv.headers.get("to") ?? "");
    h.append("Call-ID", inv.callId);
    h.append("CSeq", `${inv.cseq.seq} CANCEL`);
    for (const r of inv.headers.getAll("route")) h.append("Route", r);
    const cancel = new SipRequest("CANCEL", inv.uri, h);
    const branch = inv.topVia?.branch;
    this.ua.layer
      .request(
        cancel,
        { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined },
        { ...(this.destination ? { destination: this.destination } : {}), ...(branch ? { branch } : {}) },
      )
      .catch((e) => this.ua.log("warn", "CANCEL failed", e));
  }
}
