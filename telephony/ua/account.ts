/**
 * An account (pjsua2 Account): an identity that registers (RFC 3261 §10.2) when it has a
 * registrar, places calls through its outbound proxies, and receives the calls the endpoint
 * routes to it.
 *
 * Registration is its own small machine — idle, registering, registered, unregistering — with
 * one guarded transition; the public `RegistrationState` is what it last learned.
 */
import type { Account, AccountConfig, Call, CallOpParam, RegistrationState } from "../api.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import type { SipRequest, SipResponse } from "../sip/message.ts";
import { NameAddr } from "../sip/name-addr.ts";
import { cloneRequest, type SipCredential } from "../sip/ua-core.ts";
import { SipUri } from "../sip/uri.ts";
import type { SipUserAgent } from "../sip/user-agent.ts";
import { type CallContext, type Log, SipCall } from "./call.ts";
import { Listeners } from "./events.ts";

export type RegistrationPhase = "idle" | "registering" | "registered" | "unregistering";

const PHASES: Record<RegistrationPhase, readonly RegistrationPhase[]> = {
  idle: ["registering"],
  registering: ["registered", "idle", "unregistering"],
  registered: ["registering", "unregistering", "idle"],
  unregistering: ["idle"],
};

/** Default REGISTER expiry, s: pjsua's PJSUA_REG_INTERVAL. */
export const DEFAULT_REGISTER_EXPIRES = 300;
/** After a failed REGISTER, try again after this long (pjsua's reg_retry_interval). */
export const REGISTER_RETRY_MS = 300_000;
/** Refresh this long before the binding expires (capped at half the expiry). */
export const REFRESH_MARGIN_S = 30;

/** What an account needs from its endpoint. */
export interface AccountHost {
  ua: SipUserAgent;
  clock: Clock;
  log: Log;
  mediaAddress: string;
  rtpTimeoutMs?: number | undefined;
  media: CallContext["media"];
  nextCallId(): number;
  callStarted(call: SipCall): void;
  callEnded(call: SipCall): void;
  accountDestroyed(account: SipAccount): void;
}

export class SipAccount implements Account {
  readonly uri: string;
  readonly config: AccountConfig;
  /** User part of the id URI: incoming calls to this user come here. */
  readonly user: string | undefined;
  private readonly host: AccountHost;
  private readonly events: Listeners;
  private readonly credentials: SipCredential[];
  private phase: RegistrationPhase = "idle";
  private regState: RegistrationState = { registered: false, code: 0, reason: "", expires: 0 };
  private refreshTimer: TimerHandle | undefined;
  /** The REGISTER last sent: refreshes reuse its Call-ID with the next CSeq (RFC 3261 §10.2.4). */
  private lastRegister: SipRequest | undefined;
  private readonly calls = new Set<SipCall>();
  private destroyed = false;

  constructor(host: AccountHost, cfg: AccountConfig) {
    this.host = host;
    this.config = cfg;
    this.uri = cfg.idUri;
    const parsed = NameAddr.parse(cfg.idUri).uri;
    this.user = parsed instanceof SipUri ? parsed.user : undefined;
    this.credentials = (cfg.credentials ?? []).map((c) => ({ ...c }));
    this.events = new Listeners((event, e) => host.log("error", `account ${this.uri}: ${event} listener threw`, e));
  }

  on(event: string, listener: (...args: never[]) => void): this {
    this.events.on(event, listener);
    return this;
  }

  off(event: string, listener: (...args: never[]) => void): this {
    this.events.off(event, listener);
    return this;
  }

  getRegistrationState(): RegistrationState {
    return { ...this.regState };
  }

  get registrationPhase(): RegistrationPhase {
    return this.phase;
  }

  private transition(to: RegistrationPhase): void {
    if (this.phase === to) return;
    if (!PHASES[this.phase].includes(to)) throw new Error(`registration: ${this.phase} -> ${to}`);
    this.phase = to;
  }

  // ---- registration (RFC 3261 §10.2) ----

  async register(): Promise<RegistrationState> {
    if (this.destroyed) throw new Error("register: account destroyed");
    if (!this.config.registrarUri) return this.getRegistrationState();
    this.host.clock.clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.transition("registering");
    const expires = this.config.registerExpires ?? DEFAULT_REGISTER_EXPIRES;
    let res = await this.sendRegister(expires);
    /** "the registrar ... MAY reject the request with a 423 (Interval Too Brief)" carrying
     * Min-Expires; the UAC may retry with that value — RFC 3261 §10.2.8 / §10.3 step 7. */
    if (res.status === 423) {
      const min = Number(res.headers.get("min-expires"));
      if (Number.isFinite(min) && min > expires) res = await this.sendRegister(min);
    }
    if (this.destroyed || this.phase !== "registering") return this.getRegistrationState();
    if (res.status >= 200 && res.status < 300) {
      const granted = this.grantedExpires(res, expires);
      this.regState = { registered: granted > 0, code: res.status, reason: res.reason, expires: granted };
      this.transition(granted > 0 ? "registered" : "idle");
      if (granted > 0) this.schedule(refreshDelayMs(granted));
    } else {
      this.regState = { registered: false, code: res.status, reason: res.reason, expires: 0 };
      this.transition("idle");
      this.schedule(REGISTER_RETRY_MS);
    }
    this.events.emit("regState", this.getRegistrationState());
    return this.getRegistrationState();
  }

  async unregister(): Promise<void> {
    this.host.clock.clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    if (this.phase === "idle" && !this.regState.registered) return;
    this.transition("unregistering");
    const res = await this.sendRegister(0);
    this.regState = { registered: false, code: res.status, reason: res.reason, expires: 0 };
    this.transition("idle");
    this.events.emit("regState", this.getRegistrationState());
  }

  private schedule(ms: number): void {
    this.host.clock.clearTimeout(this.refreshTimer);
    this.refreshTimer = this.host.clock.setTimeout(() => {
      this.refreshTimer = undefined;
      this.register().catch((e: unknown) => this.host.log("warn", `account ${this.uri}: refresh failed`, e));
    }, ms);
  }

  private sendRegister(expires: number): Promise<SipResponse> {
    const ua = this.host.ua;
    const registrar = this.config.registrarUri as string;
    const protocol = /;transport=tcp/i.test(this.config.proxies?.[0] ?? registrar) ? "TCP" : "UDP";
    const contact = ua.contactFor(protocol, this.user);
    let req: SipRequest;
    const prev = this.lastRegister;
    if (prev) {
      /** "A UA SHOULD use the same Call-ID for all registrations during a single boot cycle"
       * and "MUST increment the CSeq value by one for each REGISTER request with the same
       * Call-ID" — RFC 3261 §10.2 */
      req = cloneRequest(prev);
      req.headers.remove("authorization");
      req.headers.remove("proxy-authorization");
      req.headers.set("CSeq", `${prev.cseq.seq + 1} REGISTER`);
      req.headers.set("Expires", String(expires));
      req.headers.set("Contact", contact);
      req.invalidate();
    } else {
      req = ua.createRequest("REGISTER", {
        target: registrar,
        from: this.uri,
        to: this.uri,
        proxies: this.config.proxies ?? [],
        headers: { Contact: contact, Expires: String(expires) },
      });
    }
    this.lastRegister = req;
    return ua.send(req, { credentials: this.credentials }).then((res) => {
      // A retry with credentials advanced the CSeq: keep counting from the one that was sent.
      const sent = res.cseq.seq;
      if (this.lastRegister === req && sent > req.cseq.seq) {
        const copy = cloneRequest(req);
        copy.headers.set("CSeq", `${sent} REGISTER`);
        copy.invalidate();
        this.lastRegister = copy;
      }
      return res;
    });
  }

  /**
   * "The 200 (OK) response from the registrar contains a list of Contact fields enumerating
   * all current bindings ... each ... with an "expires" parameter" — RFC 3261 §10.2.4; our own
   * binding's value wins, then the Expires header, then what we asked for.
   */
  private grantedExpires(res: SipResponse, asked: number): number {
    const ours = this.host.ua.contactFor(undefined, this.user);
    const oursUri = NameAddr.parse(ours).sipUri;
    for (const c of res.addresses("contact")) {
      const u = c.sipUri;
      if (!u || !oursUri) continue;
      if (u.host === oursUri.host && (u.port ?? 5060) === (oursUri.port ?? 5060) && u.user === oursUri.user) {
        const e = Number(c.params.get("expires"));
        if (Number.isFinite(e)) return e;
      }
    }
    const header = Number(res.headers.get("expires"));
    return Number.isFinite(header) && res.headers.has("expires") ? header : asked;
  }

  // ---- calls ----

  makeCall(destUri: string, prm: CallOpParam = {}): Call {
    if (this.destroyed) throw new Error("makeCall: account destroyed");
    const call = new SipCall(this.callContext(), this.host.nextCallId(), "caller", this.uri, destUri);
    this.track(call);
    void call.start(destUri, prm);
    return call;
  }

  /** The endpoint hands us a new incoming call (already INCOMING). */
  incoming(call: SipCall): void {
    this.track(call);
    if (this.events.count("incomingCall") === 0) {
      // Nobody to take it: "temporarily unavailable" (RFC 3261 §21.4.18).
      void call.hangup({ statusCode: 480 });
      return;
    }
    this.events.emit("incomingCall", call);
  }

  private track(call: SipCall): void {
    this.calls.add(call);
    this.host.callStarted(call);
  }

  callContext(): CallContext {
    return {
      ua: this.host.ua,
      media: this.host.media,
      log: this.host.log,
      now: () => this.host.clock.now(),
      idUri: this.uri,
      user: this.user,
      credentials: this.credentials,
      proxies: this.config.proxies ?? [],
      inbandDtmf: this.config.inbandDtmf ?? false,
      mediaAddress: this.host.mediaAddress,
      rtpTimeoutMs: this.host.rtpTimeoutMs,
      ended: (call) => {
        this.calls.delete(call);
        this.host.callEnded(call);
      },
    };
  }

  /** Stops timers and hangs up this account's calls, without network waits (shutdown). */
  stop(): void {
    this.host.clock.clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    for (const call of [...this.calls]) call.terminate();
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.stop();
    if (this.regState.registered) {
      await this.unregister().catch((e: unknown) => this.host.log("warn", `account ${this.uri}: unregister failed`, e));
    }
    this.destroyed = true;
    this.events.clear();
    this.host.accountDestroyed(this);
  }
}

/** When to refresh a binding of `expires` seconds. */
export function refreshDelayMs(expires: number): number {
  const margin = Math.min(REFRESH_MARGIN_S, expires / 2);
  return Math.max(1, expires - margin) * 1000;
}
