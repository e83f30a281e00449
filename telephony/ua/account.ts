/**
 * An account (pjsua2 Account): an identity that registers (RFC 3261 §10.2) when it has a
 * registrar, places calls through its outbound proxies, and receives the calls the endpoint
 * routes to it.
 *
 * Registration is the SIP layer's `RegisterClient` (its own guarded state machine, refresh
 * before expiry, digest, 423 retry); the public `RegistrationState` is what it last learned.
 */
import type { Account, AccountConfig, Call, CallOpParam, RegistrationState } from "../api.ts";
import type { Clock } from "../clock.ts";
import { NameAddr } from "../sip/name-addr.ts";
import { RegisterClient, type RegisterStatus } from "../sip/register-client.ts";
import type { SipCredential } from "../sip/ua-core.ts";
import { SipUri } from "../sip/uri.ts";
import type { SipUserAgent } from "../sip/user-agent.ts";
import { type CallContext, type Log, SipCall } from "./call.ts";
import { Listeners } from "./events.ts";

/** Default REGISTER expiry, s: pjsua's PJSUA_REG_INTERVAL. */
export const DEFAULT_REGISTER_EXPIRES = 300;

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
  /** The SIP layer's REGISTER client (refresh, digest, 423 retry); absent without a registrar. */
  private readonly registration: RegisterClient | undefined;
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
    if (cfg.registrarUri) {
      this.registration = new RegisterClient(host.ua, {
        registrar: cfg.registrarUri,
        aor: cfg.idUri,
        expires: cfg.registerExpires ?? DEFAULT_REGISTER_EXPIRES,
        credentials: this.credentials,
        ...(cfg.proxies ? { proxies: cfg.proxies } : {}),
      });
      this.registration.on("state", (st) => this.events.emit("regState", publicState(st)));
    }
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
    return this.registration
      ? publicState(this.registration.status)
      : { registered: false, code: 0, reason: "", expires: 0 };
  }

  // ---- registration (RFC 3261 §10.2, by the SIP layer's RegisterClient) ----

  async register(): Promise<RegistrationState> {
    if (this.destroyed) throw new Error("register: account destroyed");
    if (!this.registration) return this.getRegistrationState();
    return publicState(await this.registration.register());
  }

  async unregister(): Promise<void> {
    if (!this.registration) return;
    const st = this.registration.status.state;
    if (st === "idle" || st === "unregistered" || st === "unregistering") {
      this.registration.stop();
      return;
    }
    await this.registration.unregister();
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
    this.registration?.stop();
    for (const call of [...this.calls]) call.terminate();
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.stop();
    if (this.registration?.status.registered) {
      await this.unregister().catch((e: unknown) => this.host.log("warn", `account ${this.uri}: unregister failed`, e));
    }
    this.destroyed = true;
    this.events.clear();
    this.host.accountDestroyed(this);
  }
}

function publicState(st: RegisterStatus): RegistrationState {
  return { registered: st.registered, code: st.code, reason: st.reason, expires: st.expires };
}
