/**
 * Registering an address of record with a registrar (RFC 3261 §10.2), with digest
 * credentials and refresh before expiry on the injected clock.
 */
import { Emitter } from "./emitter.ts";
import type { SipRequest, SipResponse } from "./message.ts";
import { NameAddr } from "./name-addr.ts";
import type { TimerHandle } from "../clock.ts";
import { cloneRequest, type SipCredential } from "./ua-core.ts";
import type { SipUserAgent } from "./user-agent.ts";

export type RegisterState = "idle" | "registering" | "registered" | "failed" | "unregistering" | "unregistered";

const ALLOWED: Record<RegisterState, readonly RegisterState[]> = {
  idle: ["registering", "unregistering"],
  registering: ["registered", "failed", "unregistering"],
  registered: ["registering", "unregistering"],
  failed: ["registering", "unregistering"],
  unregistering: ["unregistered", "failed"],
  unregistered: ["registering"],
};

export interface RegisterStatus {
  state: RegisterState;
  registered: boolean;
  /** Last status code, 0 before the first answer. */
  code: number;
  reason: string;
  /** Seconds granted by the registrar. */
  expires: number;
}

export interface RegisterClientOptions {
  /** Registrar Request-URI, e.g. "sip:127.0.0.1:5060" or "sip:controller.local". */
  registrar: string;
  /** Address of record, e.g. "sip:station-101@controller.local". */
  aor: string;
  /** Requested expiry in seconds. Default 3600. */
  expires?: number;
  credentials?: SipCredential[];
  /** User part of the Contact. Default: the AOR's user. */
  contactUser?: string;
  proxies?: string[];
  /** After a failed attempt, try again after this long. Default 30 s (no RFC value). */
  retryMs?: number;
}

/**
 * When to refresh: "UAs SHOULD NOT refresh ... earlier than necessary" yet must beat expiry.
 * We refresh at half the interval for short ones and 32 s (Timer F's worst case is 64*T1 =
 * 32 s) before expiry for long ones.
 */
export function refreshDelayMs(grantedSeconds: number): number {
  return Math.max(1, grantedSeconds - Math.min(32, grantedSeconds / 2)) * 1000;
}

export class RegisterClient extends Emitter<{ state: (s: RegisterStatus) => void }> {
  private readonly ua: SipUserAgent;
  private readonly opts: RegisterClientOptions;
  private template: SipRequest | undefined;
  private seq = 0;
  private state_: RegisterState = "idle";
  private status_: RegisterStatus = { state: "idle", registered: false, code: 0, reason: "", expires: 0 };
  private timer: TimerHandle | undefined;
  private expires: number;

  constructor(ua: SipUserAgent, opts: RegisterClientOptions) {
    super();
    this.ua = ua;
    this.opts = opts;
    this.expires = opts.expires ?? 3600;
    this.onListenerError = (e) => ua.log("error", "registration listener threw", e);
  }

  get status(): RegisterStatus {
    return this.status_;
  }

  private transition(to: RegisterState): void {
    if (!ALLOWED[this.state_].includes(to)) throw new Error(`registration: ${this.state_} -> ${to}`);
    this.state_ = to;
  }

  private contact(): string {
    const user = this.opts.contactUser ?? NameAddr.parse(this.opts.aor).sipUri?.user ?? "yardline";
    const protocol = /;transport=tcp/i.test(this.opts.proxies?.[0] ?? this.opts.registrar) ? "TCP" : "UDP";
    return this.ua.contactFor(protocol, user);
  }

  /**
   * "A UA SHOULD use the same Call-ID for all registrations during a single boot cycle" and
   * "MUST increment the CSeq value by one for each REGISTER request with the same Call-ID"
   * — RFC 3261 §10.2
   */
  private build(expires: number, contact: string): SipRequest {
    if (!this.template) {
      this.template = this.ua.createRequest("REGISTER", {
        target: this.opts.registrar,
        from: this.opts.aor,
        to: this.opts.aor,
        ...(this.opts.proxies ? { proxies: this.opts.proxies } : {}),
        headers: { Contact: contact },
      });
      this.seq = this.template.cseq.seq;
    } else {
      this.seq += 1;
    }
    const req = cloneRequest(this.template);
    req.headers.set("CSeq", `${this.seq} REGISTER`);
    req.headers.set("Contact", contact);
    req.headers.set("Expires", String(expires));
    req.invalidate();
    return req;
  }

  private async exchange(expires: number, contact: string): Promise<SipResponse> {
    let res = await this.ua.send(this.build(expires, contact), {
      ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
    });
    this.seq = Math.max(this.seq, res.cseq.seq);
    // "the registrar ... 423 (Interval Too Brief) ... Min-Expires" — retry once with it (§10.2.8).
    if (res.status === 423) {
      const min = Number(res.headers.get("min-expires"));
      if (Number.isFinite(min) && min > expires) {
        this.expires = min;
        res = await this.ua.send(this.build(min, contact), {
          ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
        });
        this.seq = Math.max(this.seq, res.cseq.seq);
      }
    }
    return res;
  }

  /** Registers (or refreshes); resolves on the final answer. */
  async register(): Promise<RegisterStatus> {
    this.ua.clock.clearTimeout(this.timer);
    this.transition("registering");
    const contact = this.contact();
    const res = await this.exchange(this.expires, contact);
    if (this.state_ !== "registering") return this.status_; // unregistered meanwhile
    if (res.status >= 200 && res.status < 300) {
      const granted = grantedExpires(res, contact, this.expires);
      this.transition("registered");
      this.update({ registered: true, code: res.status, reason: res.reason, expires: granted });
      this.timer = this.ua.clock.setTimeout(() => void this.register().catch(() => undefined), refreshDelayMs(granted));
    } else {
      this.transition("failed");
      this.update({ registered: false, code: res.status, reason: res.reason, expires: 0 });
      this.timer = this.ua.clock.setTimeout(
        () => void this.register().catch(() => undefined),
        this.opts.retryMs ?? 30_000,
      );
    }
    return this.status_;
  }

  /** Removes our binding (Expires: 0) and stops refreshing. */
  async unregister(): Promise<RegisterStatus> {
    this.ua.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.transition("unregistering");
    const res = await this.exchange(0, this.contact());
    if (res.status >= 200 && res.status < 300) {
      this.transition("unregistered");
      this.update({ registered: false, code: res.status, reason: res.reason, expires: 0 });
    } else {
      this.transition("failed");
      this.update({ registered: false, code: res.status, reason: res.reason, expires: 0 });
    }
    return this.status_;
  }

  /** Stops refreshing without telling the registrar. */
  stop(): void {
    this.ua.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private update(s: Omit<RegisterStatus, "state">): void {
    this.status_ = { state: this.state_, ...s };
    this.emit("state", this.status_);
  }
}

/** The expiry the registrar granted to our contact (its expires param, else Expires, else asked). */
function grantedExpires(res: SipResponse, contact: string, asked: number): number {
  const ours = NameAddr.parse(contact).uri.toString();
  for (const c of res.addresses("contact")) {
    if (c.uri.toString() === ours) {
      const e = c.params.get("expires");
      if (e) return Number(e);
    }
  }
  const h = res.headers.get("expires");
  return h !== undefined && /^\d+$/.test(h.trim()) ? Number(h) : asked;
}
