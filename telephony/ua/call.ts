/**
 * One call (pjsua2 Call): an INVITE dialog from the SIP user agent (`OutgoingInvite` /
 * `IncomingInvite` / `SipSession` in telephony/sip) joined to one `MediaSession`.
 *
 * The call's life is the `CallState` union with one guarded transition (call-state.ts). What
 * the SIP side and the media side report is folded into the state, the events (`state`,
 * `media`, `dtmf`, `info`) and `CallInfo`. Nothing a peer does — vanishing, answering after a
 * CANCEL, sending SDP we cannot take — may throw out of here: every path ends in DISCONNECTED
 * with a reason in words.
 */
import type { AudioMedia, Call, CallInfo, CallOpParam, CallState, DtmfEvent, RtpStats } from "../api.ts";
import { parseDtmfRelay } from "../media/dtmf-relay.ts";
import type { MediaEngine, MediaSession, MediaSessionOptions } from "../media/engine-types.ts";
import { SdpNegotiationError } from "../sdp/offer-answer.ts";
import type { IncomingInvite } from "../sip/incoming-invite.ts";
import type { IncomingReinvite, SipSession } from "../sip/invite-session.ts";
import { REASON_PHRASES, type SipResponse } from "../sip/message.ts";
import type { OutgoingInvite } from "../sip/outgoing-invite.ts";
import type { SipCredential } from "../sip/ua-core.ts";
import { SipUri } from "../sip/uri.ts";
import type { SipUserAgent } from "../sip/user-agent.ts";
import { CallStateMachine } from "./call-state.ts";
import { Listeners } from "./events.ts";

export type Log = (level: "debug" | "info" | "warn" | "error", msg: string, data?: unknown) => void;

/** What a call needs from its account and endpoint. */
export interface CallContext {
  ua: SipUserAgent;
  media(): Promise<MediaEngine>;
  log: Log;
  now(): number;
  /** The account's identity and settings. */
  idUri: string;
  user: string | undefined;
  credentials: SipCredential[];
  proxies: string[];
  inbandDtmf: boolean;
  /** Address written in SDP and bound for RTP. */
  mediaAddress: string;
  rtpTimeoutMs?: number | undefined;
  /** The endpoint forgets the call. */
  ended(call: SipCall): void;
}

const SDP = "application/sdp";

function phrase(code: number, given?: string): string {
  return given ?? REASON_PHRASES[code] ?? "Unknown";
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class SipCall implements Call {
  readonly id: number;
  private readonly ctx: CallContext;
  private readonly role: "caller" | "callee";
  private readonly machine = new CallStateMachine();
  private readonly events: Listeners;
  private media: MediaSession | undefined;
  private mediaReady: Promise<MediaSession | undefined> = Promise.resolve(undefined);
  private sip: SipSession | undefined;
  private outgoing: OutgoingInvite | undefined;
  private incoming: IncomingInvite | undefined;
  private callId = "";
  private localUri: string;
  private remoteUri: string;
  private lastStatusCode = 0;
  private lastReason = "";
  private disconnectReason: string | undefined;
  private connectTime: number | undefined;
  private requestUser: string | undefined;
  private inviteHeaders: Record<string, string> | undefined;
  private mediaAnnounced = false;
  /** The caller applied an SDP answer from a reliable-enough provisional (183 early media). */
  private earlyAnswerApplied = false;
  /** Our SDP for the INVITE's answer (kept so 183 and 200 carry the same one). */
  private localSdp: string | undefined;
  /** The INVITE had no SDP: our offer went in the 2xx, the answer comes in the ACK (RFC 3264 §4). */
  private lateOffer = false;

  constructor(ctx: CallContext, id: number, role: "caller" | "callee", localUri: string, remoteUri: string) {
    this.ctx = ctx;
    this.id = id;
    this.role = role;
    this.localUri = localUri;
    this.remoteUri = remoteUri;
    this.events = new Listeners((event, e) => ctx.log("error", `call ${id}: ${event} listener threw`, e));
  }

  // ---- public API ----

  getInfo(): CallInfo {
    const info: CallInfo = {
      id: this.id,
      callId: this.callId,
      role: this.role,
      state: this.machine.state,
      localUri: this.localUri,
      remoteUri: this.remoteUri,
      lastStatusCode: this.lastStatusCode,
      lastReason: this.lastReason,
    };
    if (this.media?.codec) info.codec = this.media.codec;
    if (this.connectTime !== undefined) info.connectTime = this.connectTime;
    if (this.disconnectReason !== undefined) info.disconnectReason = this.disconnectReason;
    if (this.requestUser !== undefined) info.requestUser = this.requestUser;
    if (this.inviteHeaders !== undefined) info.inviteHeaders = { ...this.inviteHeaders };
    return info;
  }

  get state(): CallState {
    return this.machine.state;
  }

  on(event: string, listener: (...args: never[]) => void): this {
    this.events.on(event, listener);
    return this;
  }

  off(event: string, listener: (...args: never[]) => void): this {
    this.events.off(event, listener);
    return this;
  }

  getAudioMedia(): AudioMedia | undefined {
    return this.mediaAnnounced ? this.media?.audio : undefined;
  }

  getRtpStats(): RtpStats | undefined {
    return this.media?.stats();
  }

  async answer(prm: CallOpParam = {}): Promise<void> {
    const inv = this.incoming;
    if (this.role !== "callee" || !inv) throw new Error("answer: only an incoming call can be answered");
    const state = this.machine.state;
    if (state !== "INCOMING" && state !== "EARLY") throw new Error(`answer: call is ${state}`);
    const code = prm.statusCode ?? 200;
    if (code >= 300) {
      this.reject(code, prm);
      return;
    }
    const media = await this.mediaReady;
    if (this.machine.ended) throw new Error(`answer: call ended (${this.disconnectReason ?? ""})`);
    if (!media) throw new Error("answer: no media session");
    let body: string | undefined;
    if (code === 183 || code >= 200) {
      try {
        body = this.localAnswer(media, inv);
      } catch (e) {
        if (e instanceof SdpNegotiationError) {
          /** "A UAS rejecting an offer contained in an INVITE SHOULD return a 488 (Not
           * Acceptable Here) response." — RFC 3261 §13.3.1.3 */
          this.reject(488, { reason: `${REASON_PHRASES[488]}` });
        }
        throw e;
      }
    }
    const extra = prm.headers ?? {};
    if (code < 200) {
      inv.progress(code, {
        ...(prm.reason !== undefined ? { reason: prm.reason } : {}),
        ...(body !== undefined ? { body, contentType: SDP } : {}),
        headers: extra,
      });
      if (code > 100 && this.machine.state === "INCOMING") this.setState("EARLY");
      // With SDP in a 183 the media session runs now: a prompt can be played before answer.
      if (body !== undefined) this.announceMedia();
      return;
    }
    const session = inv.accept({
      status: code,
      ...(body !== undefined ? { body, contentType: SDP } : {}),
      headers: extra,
    });
    this.lastStatusCode = code;
    this.lastReason = phrase(code, prm.reason);
    this.attachSip(session);
    session.on("ack", (ack) =>
      this.safely("ACK", () => {
        if (this.lateOffer && ack.body.length > 0 && !this.applyAnswer(ack.bodyText)) return;
        this.lateOffer = false;
        if (this.machine.state === "CONNECTING") this.confirm();
      }),
    );
    this.setState("CONNECTING");
  }

  async hangup(prm: CallOpParam = {}): Promise<void> {
    switch (this.machine.state) {
      case "DISCONNECTED":
        return;
      case "NULL":
        this.end(0, "", "local hangup");
        return;
      case "INCOMING":
      case "EARLY":
        if (this.role === "callee") {
          /** Unanswered incoming call: a final error response, 603 Decline by default. */
          this.reject(prm.statusCode ?? 603, prm);
          return;
        }
        this.cancel();
        return;
      case "CALLING":
        this.cancel();
        return;
      case "CONNECTING":
      case "CONFIRMED":
        this.end(this.lastStatusCode, this.lastReason, "local hangup");
        this.bye(prm.reason ? `SIP;cause=200;text="${clean(prm.reason)}"` : undefined, prm.headers);
        return;
    }
  }

  async dialDtmf(digits: string): Promise<void> {
    if (this.machine.state !== "CONFIRMED" || !this.media) throw new Error(`dialDtmf: call is ${this.machine.state}`);
    await this.media.sendDtmf(digits);
  }

  async reinvite(opts: { hold?: boolean } = {}): Promise<void> {
    const sip = this.sip;
    const media = this.media;
    if (this.machine.state !== "CONFIRMED" || !sip || !media)
      throw new Error(`reinvite: call is ${this.machine.state}`);
    const offer = media.createOffer(opts);
    const res = await sip.reinvite({ body: offer, contentType: SDP });
    if (res.status >= 200 && res.status < 300) {
      if (res.body.length > 0) media.setRemoteAnswer(res.bodyText);
      return;
    }
    throw new Error(`reinvite: ${res.status} ${res.reason}`);
  }

  async sendInfo(contentType: string, body: string): Promise<number> {
    const sip = this.sip;
    if (!sip || this.machine.ended) throw new Error(`sendInfo: call is ${this.machine.state}`);
    return (await sip.info(contentType, body)).status;
  }

  // ---- caller side ----

  /** Creates the media session and sends the INVITE (Account.makeCall runs this). */
  async start(destUri: string, prm: CallOpParam): Promise<void> {
    try {
      const engine = await this.ctx.media();
      const media = await engine.createSession(this.sessionOptions());
      if (this.machine.ended) {
        await media.close();
        return;
      }
      this.attachMedia(media);
      const ua = this.ctx.ua;
      const protocol = /;transport=tcp/i.test(this.ctx.proxies[0] ?? destUri) ? "TCP" : "UDP";
      const out = ua.invite({
        target: destUri,
        from: this.ctx.idUri,
        proxies: this.ctx.proxies,
        credentials: this.ctx.credentials,
        body: media.createOffer(),
        contentType: SDP,
        headers: { Contact: ua.contactFor(protocol, this.ctx.user), ...prm.headers },
      });
      this.outgoing = out;
      this.callId = out.request.callId;
      out.on("progress", (res) => this.safely("provisional response", () => this.onProgress(res)));
      out.on("accepted", (session, res) => this.safely("2xx", () => this.onAccepted(session, res)));
      out.on("rejected", (res) =>
        this.safely("final response", () => {
          const cancelled = res.status === 487 && this.disconnectReason === "CANCEL";
          this.end(res.status, res.reason, cancelled ? "CANCEL" : `${res.status} ${res.reason}`);
        }),
      );
      out.on("failed", (reason, error) =>
        this.safely("INVITE failure", () => {
          if (reason === "timeout") this.end(408, "Request Timeout", "408 Request Timeout");
          else this.end(503, "Service Unavailable", `transport error${error ? `: ${error.message}` : ""}`);
        }),
      );
      this.setState("CALLING");
    } catch (e) {
      this.ctx.log("warn", `call ${this.id}: could not place the call`, e);
      this.end(500, "Server Internal Error", `could not place the call: ${errorText(e)}`);
    }
  }

  private onProgress(res: SipResponse): void {
    if (this.machine.ended || res.status <= 100) return;
    this.lastStatusCode = res.status;
    this.lastReason = res.reason;
    if (res.to.tag !== undefined && this.machine.state === "CALLING") this.setState("EARLY");
    /** Early media: "If the initial offer is in an INVITE, the answer MUST be in a reliable
     * non-failure message from UAS back to UAC ... That same exact answer MAY also be placed in
     * any provisional responses sent prior to the answer" — RFC 3261 §13.2.1. We apply the
     * first one so a 183's ringback or prompt is heard, and skip the same answer in the 2xx. */
    const type = (res.contentType ?? "").split(";")[0]?.trim().toLowerCase();
    if (!this.earlyAnswerApplied && res.body.length > 0 && type === SDP && this.machine.state === "EARLY") {
      if (!this.applyAnswer(res.bodyText)) return;
      this.earlyAnswerApplied = true;
      this.announceMedia();
    }
  }

  private onAccepted(session: SipSession, res: SipResponse): void {
    // Answered after we hung up: the SIP side already sends BYE for it (RFC 3261 §15).
    if (this.machine.ended) return;
    this.callId = res.callId;
    this.lastStatusCode = res.status;
    this.lastReason = res.reason;
    this.attachSip(session);
    this.setState("CONNECTING");
    if (!this.earlyAnswerApplied && !this.applyAnswer(res.bodyText)) return;
    this.confirm();
  }

  /** Sets the remote SDP answer; a bad one ends the call with BYE. */
  private applyAnswer(sdp: string): boolean {
    try {
      this.media?.setRemoteAnswer(sdp);
      return true;
    } catch (e) {
      const why = errorText(e);
      this.end(488, REASON_PHRASES[488] as string, `488 Not Acceptable Here (${why})`);
      this.bye(`SIP;cause=488;text="${clean(why)}"`);
      return false;
    }
  }

  /** "If no provisional response has been received, the CANCEL request MUST NOT be sent" —
   * RFC 3261 §9.1: the SIP side holds it until one comes. The call ends now. */
  private cancel(): void {
    this.disconnectReason = "CANCEL";
    this.outgoing?.cancel();
    this.end(487, "Request Terminated", "CANCEL");
  }

  // ---- callee side ----

  /** Takes a new INVITE; the account announces the call afterwards. */
  receive(inv: IncomingInvite): void {
    const req = inv.request;
    this.incoming = inv;
    this.callId = req.callId;
    const ruri = req.requestUri;
    if (ruri instanceof SipUri && ruri.user !== undefined) this.requestUser = ruri.user;
    const headers: Record<string, string> = {};
    for (const f of req.headers.fields) {
      const prev = headers[f.key];
      headers[f.key] = prev === undefined ? f.value : `${prev}, ${f.value}`;
    }
    this.inviteHeaders = headers;
    inv.on("cancel", () => this.safely("CANCEL", () => this.end(487, "Request Terminated", "CANCEL")));
    inv.on("failed", (reason) => this.safely("INVITE failure", () => this.end(0, "", `INVITE transaction ${reason}`)));
    this.setState("INCOMING");
    this.mediaReady = this.ctx
      .media()
      .then((engine) => engine.createSession(this.sessionOptions()))
      .then(async (media) => {
        if (this.machine.ended) {
          await media.close();
          return undefined;
        }
        this.attachMedia(media);
        return media;
      })
      .catch((e: unknown) => {
        this.ctx.log("error", `call ${this.id}: no media session`, e);
        this.reject(500, { reason: "Media Unavailable" });
        return undefined;
      });
  }

  private localAnswer(media: MediaSession, inv: IncomingInvite): string {
    if (this.localSdp !== undefined) return this.localSdp;
    if (inv.request.body.length > 0) this.localSdp = media.createAnswer(inv.request.bodyText);
    else {
      this.lateOffer = true;
      this.localSdp = media.createOffer();
    }
    return this.localSdp;
  }

  private reject(code: number, prm: CallOpParam): void {
    if (this.machine.ended) return;
    const reason = phrase(code, prm.reason);
    this.incoming?.reject(code, { reason, ...(prm.headers ? { headers: prm.headers } : {}) });
    this.end(code, reason, `${code} ${reason}`);
  }

  // ---- the dialog ----

  private attachSip(session: SipSession): void {
    this.sip = session;
    session.on("bye", () => this.safely("BYE", () => this.end(0, "", "BYE from remote")));
    session.on("info", (contentType, body) => this.safely("INFO", () => this.onInfo(contentType, body)));
    session.on("reinvite", (r) => this.safely("re-INVITE", () => this.onReinvite(r)));
    // The session reports the end before the BYE event itself: name it the same either way.
    session.on("terminated", (reason) =>
      this.safely("dialog end", () => this.end(0, "", reason === "remote BYE" ? "BYE from remote" : reason)),
    );
  }

  private onInfo(contentType: string, body: string): void {
    const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
    this.events.emit("info", type, body);
    let ev: DtmfEvent | undefined;
    if (type === "application/dtmf-relay") ev = parseDtmfRelay(body);
    else if (type === "application/dtmf") ev = parseDtmfRelay(`Signal=${body.trim()}`);
    if (ev) this.events.emit("dtmf", ev);
  }

  /** "If the new session description is not acceptable, the UAS can reject it by returning a
   * 488 (Not Acceptable Here) response for the re-INVITE." — RFC 3261 §14.2; the session
   * stays as it was. */
  private onReinvite(r: IncomingReinvite): void {
    const media = this.media;
    if (!media) {
      r.reject(488);
      return;
    }
    const req = r.request;
    try {
      const body = req.body.length > 0 ? media.createAnswer(req.bodyText) : media.createOffer();
      if (req.body.length === 0) {
        this.sip?.once("ack", (ack) => {
          if (ack.body.length > 0) this.applyAnswer(ack.bodyText);
        });
      }
      r.accept({ body, contentType: SDP });
    } catch (e) {
      if (e instanceof SdpNegotiationError) r.reject(488);
      else throw e;
    }
  }

  // ---- media ----

  private sessionOptions(): MediaSessionOptions {
    const o: MediaSessionOptions = { address: this.ctx.mediaAddress, inbandDtmf: this.ctx.inbandDtmf };
    if (this.ctx.rtpTimeoutMs !== undefined) o.rtpTimeoutMs = this.ctx.rtpTimeoutMs;
    return o;
  }

  private attachMedia(media: MediaSession): void {
    this.media = media;
    media.on("dtmf", (ev: DtmfEvent) => this.events.emit("dtmf", ev));
    media.on("failed", (reason: string) => this.safely("media failure", () => this.onMediaFailed(reason)));
  }

  /** RTP stopped (timeout) or the peer's port is gone (ICMP): BYE with a Reason, then DISCONNECTED. */
  private onMediaFailed(reason: string): void {
    if (this.machine.ended) return;
    const words = /timeout/i.test(reason) ? "RTP timeout" : reason;
    this.disconnectReason = words;
    const state = this.machine.state;
    if (state === "CONFIRMED" || state === "CONNECTING") {
      this.end(this.lastStatusCode, this.lastReason, words);
      /** RFC 3326 Reason header: why the BYE was sent. */
      this.bye(`SIP;cause=408;text="${clean(words)}"`);
    } else if (this.role === "caller") {
      this.outgoing?.cancel();
      this.end(0, "", words);
    } else {
      this.reject(500, { reason: words });
    }
  }

  private confirm(): void {
    this.connectTime = this.ctx.now();
    this.setState("CONFIRMED");
    this.announceMedia();
  }

  /** The `media` event, once per call: at CONFIRMED, or earlier with early media (183). */
  private announceMedia(): void {
    if (!this.media || this.mediaAnnounced) return;
    this.mediaAnnounced = true;
    this.events.emit("media", this.media.audio);
  }

  // ---- endings ----

  /** Sends BYE without waiting for its answer: a vanished peer must not hold anything up. */
  private bye(reasonHeader?: string, headers?: Record<string, string>): void {
    const sip = this.sip;
    if (!sip) return;
    const h: Record<string, string> = { ...headers };
    if (reasonHeader) h.Reason = reasonHeader;
    sip.bye(this.disconnectReason ?? "local hangup", h).then(
      (res) => {
        if (res && res.status >= 300) this.ctx.log("info", `call ${this.id}: BYE answered ${res.status}`);
      },
      (e: unknown) => this.ctx.log("warn", `call ${this.id}: BYE failed`, e),
    );
  }

  private end(code: number, reason: string, words: string): void {
    if (this.machine.ended) return;
    if (code) {
      this.lastStatusCode = code;
      this.lastReason = reason;
    }
    this.disconnectReason ??= words;
    this.setState("DISCONNECTED");
    const media = this.media;
    if (media) media.close().catch((e: unknown) => this.ctx.log("warn", `call ${this.id}: media close failed`, e));
    this.ctx.ended(this);
  }

  /** Ends the call at shutdown: BYE or CANCEL sent, media closed. */
  terminate(): void {
    this.safely("shutdown", () => {
      void this.hangup({});
    });
  }

  private setState(to: CallState): void {
    this.machine.transition(to);
    this.events.emit("state", to, this.getInfo());
  }

  /** Runs a handler for something the network did; a throw is logged and ends the call. */
  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.ctx.log("error", `call ${this.id}: ${what} failed`, e);
      if (this.machine.ended) return;
      try {
        this.end(500, "Server Internal Error", `internal error in ${what}: ${errorText(e)}`);
      } catch {
        // The state machine refused: nothing more can be done for this call.
      }
    }
  }
}

function clean(s: string): string {
  return s.replace(/["\\\r\n]/g, "");
}
