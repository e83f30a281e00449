/**
 * Dialogs (RFC 3261 §12): the peer-to-peer state an INVITE creates — Call-ID, tags, CSeq
 * counters, remote target and route set — and how requests inside it are built and checked.
 */
import { SipHeaders } from "./headers.ts";
import { SipRequest, type SipResponse } from "./message.ts";
import { NameAddr } from "./name-addr.ts";

export type DialogState = "early" | "confirmed" | "terminated";

const ALLOWED: Record<DialogState, readonly DialogState[]> = {
  early: ["confirmed", "terminated"],
  confirmed: ["terminated"],
  terminated: [],
};

export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** From/To values without tags, as written in the dialog's requests. */
  readonly localUri: string;
  readonly remoteUri: string;
  /** The peer's Contact URI: "the remote target" (§12.1.1). */
  remoteTarget: string;
  /** Route header values, in the order requests carry them. */
  readonly routeSet: string[];
  localSeq: number;
  remoteSeq: number | undefined;
  private current: DialogState;

  private constructor(init: {
    callId: string;
    localTag: string;
    remoteTag: string;
    localUri: string;
    remoteUri: string;
    remoteTarget: string;
    routeSet: string[];
    localSeq: number;
    remoteSeq: number | undefined;
    state: DialogState;
  }) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.current = init.state;
  }

  get state(): DialogState {
    return this.current;
  }

  transition(to: DialogState): void {
    if (this.current === to) return;
    if (!ALLOWED[this.current].includes(to)) throw new Error(`dialog: ${this.current} -> ${to}`);
    this.current = to;
  }

  /** The key the user-agent core files this dialog under. */
  get id(): string {
    return Dialog.key(this.callId, this.localTag, this.remoteTag);
  }

  static key(callId: string, localTag: string, remoteTag: string): string {
    return `${callId}\u0000${localTag}\u0000${remoteTag}`;
  }

  /**
   * UAS side: "The route set MUST be set to the list of URIs in the Record-Route header field
   * from the request, taken in order and preserving all URI parameters. ... The remote target
   * MUST be set to the URI from the Contact header field of the request. The remote sequence
   * number MUST be set to the value of the sequence number in the CSeq header field of the
   * request. The local sequence number MUST be empty." — RFC 3261 §12.1.1
   */
  static fromUas(req: SipRequest, localTag: string, state: DialogState = "confirmed"): Dialog {
    const contact = req.contact;
    return new Dialog({
      callId: req.callId,
      localTag,
      remoteTag: req.from.tag ?? "",
      localUri: stripTag(req.to),
      remoteUri: stripTag(req.from),
      remoteTarget: contact ? contact.uri.toString() : req.from.uri.toString(),
      routeSet: req.headers.getAll("record-route"),
      // Our first request in this dialog picks a fresh number (§12.2.1.1 allows any start).
      localSeq: Math.floor(Math.random() * 10_000),
      remoteSeq: req.cseq.seq,
      state,
    });
  }

  /**
   * UAC side: "The route set MUST be set to the list of URIs in the Record-Route header field
   * from the response, taken in reverse order ... The remote target MUST be set to the URI from
   * the Contact header field of the response. The local sequence number MUST be set to the
   * value of the sequence number in the CSeq header field of the request." — RFC 3261 §12.1.2
   */
  static fromUac(req: SipRequest, res: SipResponse, state: DialogState = "confirmed"): Dialog {
    const contact = res.contact;
    return new Dialog({
      callId: req.callId,
      localTag: req.from.tag ?? "",
      remoteTag: res.to.tag ?? "",
      localUri: stripTag(req.from),
      remoteUri: stripTag(res.to),
      remoteTarget: contact ? contact.uri.toString() : req.uri,
      routeSet: res.headers.getAll("record-route").reverse(),
      localSeq: req.cseq.seq,
      remoteSeq: undefined,
      state,
    });
  }

  /**
   * Builds a request within the dialog (RFC 3261 §12.2.1.1). "If the route set is empty, the
   * UAC MUST place the remote target URI into the Request-URI." "If the route set is not empty,
   * and the first URI in the route set contains the lr parameter, the UAC MUST place the remote
   * target URI into the Request-URI and MUST include a Route header field containing the route
   * set values in order". Otherwise (strict router) the first route becomes the Request-URI and
   * the remote target is appended as the last Route.
   *
   * ACK and CANCEL reuse a CSeq number; every other request takes the next one.
   */
  createRequest(method: string, opts: { cseq?: number; extraHeaders?: SipHeaders } = {}): SipRequest {
    let seq: number;
    if (opts.cseq !== undefined) seq = opts.cseq;
    else {
      this.localSeq += 1;
      seq = this.localSeq;
    }
    const h = new SipHeaders();
    let ruri = this.remoteTarget;
    const routes = [...this.routeSet];
    const first = routes[0];
    if (first !== undefined) {
      const firstAddr = NameAddr.parse(first);
      const loose = firstAddr.sipUri?.params.has("lr") ?? false;
      if (!loose) {
        const strictUri = firstAddr.sipUri?.clone();
        if (strictUri) {
          strictUri.headers = undefined;
          ruri = strictUri.toString();
        }
        routes.shift();
        routes.push(`<${this.remoteTarget}>`);
      }
    }
    h.append("Max-Forwards", "70");
    h.append("From", `${this.localUri};tag=${this.localTag}`);
    h.append("To", `${this.remoteUri};tag=${this.remoteTag}`);
    h.append("Call-ID", this.callId);
    h.append("CSeq", `${seq} ${method}`);
    for (const r of routes) h.append("Route", r);
    if (opts.extraHeaders) for (const f of opts.extraHeaders.fields) h.fields.push({ ...f });
    return new SipRequest(method, ruri, h);
  }

  /**
   * "If the remote sequence number is empty, it MUST be set to the value of the sequence
   * number in the CSeq header field value in the request. If the remote sequence number was
   * not empty, but the sequence number of the request is lower than the remote sequence
   * number, the request is out of order and MUST be rejected with a 500 (Server Internal
   * Error) response." — RFC 3261 §12.2.2. Returns false for such a request.
   */
  acceptRemoteSeq(req: SipRequest): boolean {
    const seq = req.cseq.seq;
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) return false;
    this.remoteSeq = seq;
    return true;
  }

  /** A target refresh (re-INVITE or its 2xx) replaces the remote target (§12.2). */
  refreshTarget(msg: SipRequest | SipResponse): void {
    const c = msg.contact;
    if (c) this.remoteTarget = c.uri.toString();
  }
}

function stripTag(na: NameAddr): string {
  const copy = na.clone();
  copy.params.delete("tag");
  return copy.toString();
}
