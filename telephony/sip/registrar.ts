/**
 * A registrar for handsets (RFC 3261 §10.3): digest challenge, bindings per address of
 * record with expiry on the injected clock, lookup by AOR and the full binding list.
 */
import type { Registration, RegistrarLookup } from "../api.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import { type DigestAlgorithm, DigestServer } from "./digest.ts";
import { NameAddr } from "./name-addr.ts";
import { SipUri } from "./uri.ts";
import type { IncomingRequest, RegisterHandler } from "./user-agent.ts";

export interface RegistrarOptions {
  clock: Clock;
  realm: string;
  /** Who may register; when absent every REGISTER is accepted without a challenge. */
  lookup?: RegistrarLookup;
  algorithms?: DigestAlgorithm[];
  /** Expiry when the request names none. Default 3600 s (the RFC 3261 §10.2.1.1 example). */
  defaultExpires?: number;
  /** Shorter requests get 423 with this Min-Expires. Default 60 s (RFC 3261 §10.3 step 7 suggests one hour is the default, 60 s is a common floor). */
  minExpires?: number;
  /** Longer requests are shortened to this. Default 7200 s. */
  maxExpires?: number;
}

interface Binding extends Registration {
  callId: string;
  cseq: number;
  timer: TimerHandle;
}

export class Registrar implements RegisterHandler {
  readonly realm: string;
  private readonly clock: Clock;
  private readonly lookupUser: RegistrarLookup | undefined;
  private readonly digest: DigestServer;
  private readonly defaultExpires: number;
  private readonly minExpires: number;
  private readonly maxExpires: number;
  /** AOR → contact URI → binding */
  private readonly table = new Map<string, Map<string, Binding>>();
  private readonly listeners = new Set<(aor: string) => void>();

  constructor(opts: RegistrarOptions) {
    this.clock = opts.clock;
    this.realm = opts.realm;
    this.lookupUser = opts.lookup;
    this.digest = new DigestServer({
      clock: opts.clock,
      realm: opts.realm,
      ...(opts.algorithms ? { algorithms: opts.algorithms } : {}),
    });
    this.defaultExpires = opts.defaultExpires ?? 3600;
    this.minExpires = opts.minExpires ?? 60;
    this.maxExpires = opts.maxExpires ?? 7200;
  }

  /** Called with the AOR whenever its bindings change. Returns an unsubscribe function. */
  onChange(listener: (aor: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(aor: string): void {
    for (const l of this.listeners) {
      try {
        l(aor);
      } catch {
        // An observer's failure must not affect registration.
      }
    }
  }

  /** Current bindings of one AOR ("sip:user@domain"). */
  lookup(aor: string): Registration[] {
    const m = this.table.get(canonicalAor(aor));
    return m ? [...m.values()].map(publicView) : [];
  }

  /** Every current binding. */
  registrations(): Registration[] {
    const out: Registration[] = [];
    for (const m of this.table.values()) for (const b of m.values()) out.push(publicView(b));
    return out;
  }

  handle(inc: IncomingRequest): void {
    const req = inc.request;
    // Step 3 (§10.3): "a registrar SHOULD authenticate the UAC".
    let authUser: string | undefined;
    if (this.lookupUser) {
      const v = this.digest.verify(req.headers.get("authorization"), "REGISTER", this.lookupUser);
      if (!v.ok) {
        if (v.reason === "unknown-user") {
          inc.respond(403);
          return;
        }
        // One WWW-Authenticate row per algorithm, SHA-256 first (RFC 7616 §3.7).
        const rows = this.digest.challenges(v.reason === "stale").map((c): [string, string] => ["WWW-Authenticate", c]);
        inc.respond(401, { rows });
        return;
      }
      authUser = v.username;
    }
    // Step 5: "The registrar extracts the address-of-record from the To header field".
    const toUri = req.to.sipUri;
    if (!toUri) {
      inc.respond(404, { reason: "Not Found (To is not a SIP URI)" });
      return;
    }
    const aor = toUri.aor();
    // Step 4: the authenticated user may only register its own AOR.
    if (authUser !== undefined && toUri.user !== authUser) {
      inc.respond(403, { reason: "Forbidden (AOR does not match the credentials)" });
      return;
    }
    const contacts = req.headers.getAll("contact");
    const expiresHeader = req.headers.get("expires");
    // Step 6: "*" is only valid alone and with Expires: 0.
    if (contacts.includes("*")) {
      if (contacts.length !== 1 || expiresHeader?.trim() !== "0") {
        inc.respond(400, { reason: "Bad Request (wildcard Contact needs Expires: 0)" });
        return;
      }
      this.removeAll(aor);
      inc.respond(200, { headers: { Date: new Date(this.clock.now()).toUTCString() } });
      return;
    }
    const parsed: { uri: string; expires: number }[] = [];
    for (const c of contacts) {
      const na = NameAddr.parse(c);
      const e = na.params.get("expires") ?? expiresHeader;
      let expires = e === undefined || e === null ? this.defaultExpires : Number(e);
      if (!Number.isFinite(expires)) expires = this.defaultExpires;
      // Step 7: "the registrar MAY ... If and only if the requested expiration interval is
      // greater than zero AND smaller than one hour AND less than a registrar-configured
      // minimum, the registrar MAY reject the registration with a response of 423".
      if (expires > 0 && expires < this.minExpires) {
        inc.respond(423, { headers: { "Min-Expires": String(this.minExpires) } });
        return;
      }
      parsed.push({ uri: na.uri.toString(), expires: Math.min(expires, this.maxExpires) });
    }
    const callId = req.callId;
    const cseq = req.cseq.seq;
    for (const { uri } of parsed) {
      const existing = this.table.get(aor)?.get(uri);
      // "If the binding does exist ... If the Call-ID value is the same, the registrar compares
      // the CSeq value. If the value is higher than that of the existing binding, it MUST
      // update or remove the binding as above. If not, the update MUST be aborted and the
      // request fails." — §10.3 step 7
      if (existing && existing.callId === callId && cseq <= existing.cseq) {
        inc.respond(500, { reason: "Server Internal Error (CSeq out of order)" });
        return;
      }
    }
    for (const { uri, expires } of parsed) {
      if (expires === 0) this.remove(aor, uri);
      else
        this.bind(aor, uri, expires, callId, cseq, {
          address: inc.source.address.address,
          port: inc.source.address.port,
          transport: inc.source.transport.protocol === "TCP" ? "tcp" : "udp",
        });
    }
    // Step 8: "The response SHOULD include a Date header field" and all current bindings,
    // each with an "expires" parameter.
    const now = this.clock.now();
    const current = [...(this.table.get(aor)?.values() ?? [])].map(
      (b) => `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`,
    );
    const headers: Record<string, string> = { Date: new Date(now).toUTCString() };
    if (current.length > 0) headers.Contact = current.join(", ");
    inc.respond(200, { headers });
  }

  private bind(
    aor: string,
    contact: string,
    expires: number,
    callId: string,
    cseq: number,
    source: Registration["source"],
  ): void {
    let m = this.table.get(aor);
    if (!m) {
      m = new Map();
      this.table.set(aor, m);
    }
    const old = m.get(contact);
    if (old) this.clock.clearTimeout(old.timer);
    const timer = this.clock.setTimeout(() => this.remove(aor, contact), expires * 1000);
    m.set(contact, { aor, contact, expiresAt: this.clock.now() + expires * 1000, source, callId, cseq, timer });
    this.changed(aor);
  }

  private remove(aor: string, contact: string): void {
    const m = this.table.get(aor);
    const b = m?.get(contact);
    if (!m || !b) return;
    this.clock.clearTimeout(b.timer);
    m.delete(contact);
    if (m.size === 0) this.table.delete(aor);
    this.changed(aor);
  }

  private removeAll(aor: string): void {
    for (const contact of [...(this.table.get(aor)?.keys() ?? [])]) this.remove(aor, contact);
  }

  /** Clears every binding timer (shutdown). */
  close(): void {
    for (const m of this.table.values()) for (const b of m.values()) this.clock.clearTimeout(b.timer);
    this.table.clear();
  }
}

function publicView(b: Binding): Registration {
  return { aor: b.aor, contact: b.contact, expiresAt: b.expiresAt, source: { ...b.source } };
}

/** "sip:User@Example.COM;x=y" → "sip:User@example.com" (§10.3 step 5: user part is case-sensitive). */
export function canonicalAor(aor: string): string {
  try {
    return SipUri.parse(aor.replace(/^<|>$/g, "")).aor();
  } catch {
    return aor;
  }
}
