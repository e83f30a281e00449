/**
 * The user-agent core (RFC 3261 §8, §12–§15): the one object the facade in `telephony/ua/`
 * talks to. It builds requests, routes incoming ones to calls, dialogs, the registrar or the
 * application, answers what nobody handles (OPTIONS, 481, 405, 501, 415, 416) and retries
 * requests with digest credentials.
 *
 *   const ua = new SipUserAgent({ clock, transports: [udp] });
 *   const call = ua.invite({ target: "sip:bob@10.0.0.2", from: "sip:alice@10.0.0.1", body: sdp });
 *   call.on("accepted", (session) => session.bye());
 *   ua.on("invite", (inv) => inv.accept({ body: answerSdp }));
 */
import { randomHex } from "./ids.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import { Dialog } from "./dialog.ts";
import { Emitter } from "./emitter.ts";
import { SipHeaders } from "./headers.ts";
import { IncomingInvite } from "./incoming-invite.ts";
import type { InviteServerTransaction } from "./invite-server-transaction.ts";
import { ALLOW, addHeaders, type SessionBody } from "./invite-session.ts";
import { createResponse, SipRequest, type SipResponse } from "./message.ts";
import { NameAddr } from "./name-addr.ts";
import { OutgoingInvite, type OutgoingInviteOptions } from "./outgoing-invite.ts";
import type { TimerValues } from "./transaction.ts";
import { type Destination, type ServerTransaction, TransactionLayer } from "./transaction-layer.ts";
import type { SipTransport, TransportProtocol } from "./transport.ts";
import {
  authorizedRetry,
  type DialogUser,
  type LogFn,
  type Responder,
  type ResponseOptions,
  type SendOptions,
  type SipCredential,
  type UaCore,
} from "./ua-core.ts";
import { OpaqueUri, type SipUri } from "./uri.ts";

export interface SipUserAgentOptions {
  clock: Clock;
  transports: SipTransport[];
  timers?: Partial<TimerValues>;
  /** User-Agent / Server header value. */
  userAgent?: string;
  /** Credentials for 401/407 challenges (realm "*" matches any). */
  credentials?: SipCredential[];
  /** Ask for rport in our Via (RFC 3581). Default true. */
  rport?: boolean;
  /** User part of our Contact. Default "yardline". */
  contactUser?: string;
  log?: LogFn;
}

export interface RequestOptions extends SessionBody {
  /** Request-URI. */
  target: string;
  /** Our address of record (From). */
  from: string;
  /** To; defaults to the target. */
  to?: string;
  /** Outbound proxy route set, loose routing (e.g. ["sip:10.0.0.1:5060;lr"]). */
  proxies?: string[];
  credentials?: SipCredential[];
}

/** A request outside any dialog, handed to the application. */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly source: Destination;
  respond(status: number, opts?: ResponseOptions): void;
}

/** Who handles REGISTER (the registrar in `registrar.ts`). */
export interface RegisterHandler {
  handle(req: IncomingRequest): void;
}

export interface UserAgentEvents {
  invite: (invite: IncomingInvite) => void;
  /** Non-INVITE requests outside a dialog (MESSAGE, INFO, NOTIFY, ...) — default 405/501. */
  request: (req: IncomingRequest) => void;
}

/** Methods RFC 3261 and its common extensions define; anything else gets 501 (§21.5.2). */
const KNOWN_METHODS = new Set([
  "INVITE",
  "ACK",
  "CANCEL",
  "BYE",
  "OPTIONS",
  "REGISTER",
  "INFO",
  "MESSAGE",
  "PRACK",
  "UPDATE",
  "SUBSCRIBE",
  "NOTIFY",
  "REFER",
  "PUBLISH",
]);

export class SipUserAgent extends Emitter<UserAgentEvents> implements UaCore {
  readonly layer: TransactionLayer;
  readonly clock: Clock;
  readonly log: LogFn;
  readonly userAgent: string | undefined;
  readonly credentials: SipCredential[];
  private readonly contactUser: string;
  private readonly dialogs = new Map<string, DialogUser>();
  private readonly invites = new WeakMap<ServerTransaction, IncomingInvite>();
  private registrar: RegisterHandler | undefined;
  /** Answered INVITEs by Call-ID, From tag and CSeq, kept 64*T1 (see onInvite). */
  private readonly answered = new Map<string, { inv: IncomingInvite; timer: TimerHandle }>();
  /** Answered outgoing INVITEs by Call-ID and From tag, kept 64*T1 (forked 2xx). */
  private readonly forks = new Map<string, { inv: OutgoingInvite; timer: TimerHandle }>();

  constructor(opts: SipUserAgentOptions) {
    super();
    this.clock = opts.clock;
    this.log = opts.log ?? (() => undefined);
    this.userAgent = opts.userAgent;
    this.credentials = opts.credentials ?? [];
    this.contactUser = opts.contactUser ?? "yardline";
    this.onListenerError = (e) => this.log("error", "user agent listener threw", e);
    this.layer = new TransactionLayer({
      clock: opts.clock,
      transports: opts.transports,
      ...(opts.timers ? { timers: opts.timers } : {}),
      ...(opts.rport !== undefined ? { rport: opts.rport } : {}),
      log: this.log,
    });
    this.layer.setCore({
      onRequest: (req, tx, source) => this.onRequest(req, tx, source),
      onAck: (req) => this.onAck(req),
      onStrayResponse: (res) => this.onStrayResponse(res),
    });
  }

  /** Serves REGISTER with this handler (see `Registrar`). */
  useRegistrar(handler: RegisterHandler | undefined): void {
    this.registrar = handler;
  }

  contactFor(protocol: TransportProtocol | undefined, user = this.contactUser): string {
    const t = (protocol ? this.layer.transport(protocol) : undefined) ?? (this.layer.transports[0] as SipTransport);
    const host = t.publicAddress.includes(":") ? `[${t.publicAddress}]` : t.publicAddress;
    return `<sip:${user}@${host}:${t.local.port}${t.protocol === "TCP" ? ";transport=tcp" : ""}>`;
  }

  // ---- building requests (§8.1.1) ----

  /**
   * "A valid SIP request formulated by a UAC MUST, at a minimum, contain the following header
   * fields: To, From, CSeq, Call-ID, Max-Forwards, and Via" — RFC 3261 §8.1.1 (Via is added by
   * the transaction layer). "The From field MUST contain a new "tag" parameter"; the Call-ID is
   * "a globally unique identifier"; the route set is pre-loaded from the outbound proxies
   * (§8.1.1.1, loose routing).
   */
  createRequest(method: string, opts: RequestOptions): SipRequest {
    const h = new SipHeaders();
    const protocol = protocolOf(opts.proxies?.[0] ?? opts.target);
    for (const p of opts.proxies ?? []) h.append("Route", p.startsWith("<") ? p : `<${p}>`);
    h.append("Max-Forwards", "70");
    h.append("From", `${angle(opts.from)};tag=${randomHex(6)}`);
    h.append("To", angle(opts.to ?? opts.target));
    h.append("Call-ID", `${randomHex(12)}@${this.layer.transports[0]?.publicAddress ?? "yardline"}`);
    h.append("CSeq", `${1 + Math.floor(Math.random() * 10_000)} ${method}`);
    if (method !== "REGISTER" || !opts.headers?.Contact) h.append("Contact", this.contactFor(protocol));
    if (this.userAgent) h.append("User-Agent", this.userAgent);
    if (method === "INVITE") h.append("Allow", ALLOW);
    const req = new SipRequest(method, opts.target, h);
    if (opts.body !== undefined) {
      req.body = Buffer.from(opts.body);
      req.headers.set("Content-Type", opts.contentType ?? (method === "INVITE" ? "application/sdp" : "text/plain"));
    }
    addHeaders(req, opts.headers);
    return req;
  }

  /** Starts an outgoing call. Listen to the returned object or await its `outcome`. */
  invite(opts: RequestOptions & OutgoingInviteOptions): OutgoingInvite {
    const req = this.createRequest("INVITE", opts);
    const inv = new OutgoingInvite(this.credentialView(opts.credentials), req, opts);
    // Remember the call for 64*T1 after it is answered, so a 2xx from another fork can be
    // ACKed and ended (onStrayResponse).
    inv.once("accepted", () => {
      const key = `${req.callId}\u0000${req.from.tag ?? ""}`;
      const timer = this.clock.setTimeout(() => this.forks.delete(key), 64 * this.layer.timers.T1);
      this.forks.set(key, { inv, timer });
    });
    void inv.start();
    return inv;
  }

  /** Sends a non-INVITE request outside a dialog (OPTIONS, MESSAGE, REGISTER...). */
  request(method: string, opts: RequestOptions): Promise<SipResponse> {
    const req = this.createRequest(method, opts);
    return this.send(req, opts.credentials ? { credentials: opts.credentials } : {});
  }

  /** A view of this core with other credentials (an account's own). */
  private credentialView(credentials: SipCredential[] | undefined): UaCore {
    if (!credentials) return this;
    const view = Object.create(this) as UaCore & { credentials: SipCredential[] };
    Object.defineProperty(view, "credentials", { value: [...credentials, ...this.credentials] });
    return view;
  }

  async send(req: SipRequest, opts: SendOptions = {}): Promise<SipResponse> {
    const credentials = [...(opts.credentials ?? []), ...this.credentials];
    let current = req;
    for (let attempt = 0; ; attempt++) {
      const res = await this.sendOnce(current, opts);
      if ((res.status === 401 || res.status === 407) && attempt < 2) {
        const retry = authorizedRetry(current, res, credentials, opts.dialog);
        if (retry) {
          current = retry;
          continue;
        }
      }
      return res;
    }
  }

  private async sendOnce(req: SipRequest, opts: SendOptions): Promise<SipResponse> {
    let dest: Destination;
    try {
      dest = opts.destination ?? (await this.layer.resolve(req, undefined, opts.prefer));
    } catch (e) {
      this.log("warn", `cannot resolve ${req.uri}`, e);
      return createResponse(req, 503, { reason: "Destination Unresolvable" });
    }
    return new Promise((resolve) => {
      this.layer
        .request(
          req,
          {
            onResponse: (res) => {
              if (res.status >= 200) resolve(res);
              else opts.onProvisional?.(res);
            },
            // "the UAC core ... MUST treat a timeout as a 408" and a transport error as a 503
            // (RFC 3261 §8.1.3.1).
            onTimeout: () => resolve(createResponse(req, 408)),
            onTransportError: () => resolve(createResponse(req, 503)),
          },
          { destination: dest },
        )
        .catch(() => resolve(createResponse(req, 503)));
    });
  }

  // ---- dialogs ----

  attach(id: string, session: DialogUser): void {
    this.dialogs.set(id, session);
  }

  detach(id: string): void {
    this.dialogs.delete(id);
  }

  /** Dialogs currently filed (tests check none leak). */
  get dialogCount(): number {
    return this.dialogs.size;
  }

  // ---- receiving (§8.2) ----

  private responder(req: SipRequest, tx: ServerTransaction, toTag?: string): Responder {
    return (status: number, opts: ResponseOptions = {}) => {
      const res = createResponse(req, status, {
        ...(toTag !== undefined ? { toTag } : {}),
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        ...(opts.body !== undefined ? { body: opts.body, contentType: opts.contentType ?? "text/plain" } : {}),
      });
      if (this.userAgent) res.headers.append("Server", this.userAgent);
      addHeaders(res, opts.headers);
      for (const [k, v] of opts.rows ?? []) res.headers.append(k, v);
      try {
        tx.respond(res);
        return res;
      } catch (e) {
        this.log("warn", "response after the transaction ended", e);
        return undefined;
      }
    };
  }

  private onRequest(req: SipRequest, tx: ServerTransaction, source: Destination): void {
    const toTag = req.to.tag;
    const respond = this.responder(req, tx, toTag ?? randomHex(6));
    // "If the Request-URI uses a scheme not supported by the UAS, it SHOULD reject the request
    // with a 416 (Unsupported URI Scheme) response." — RFC 3261 §8.2.2.1
    let ruri: SipUri | OpaqueUri;
    try {
      ruri = req.requestUri;
    } catch {
      respond(400);
      return;
    }
    if (ruri instanceof OpaqueUri && ruri.scheme !== "tel") {
      respond(416);
      return;
    }
    if (!KNOWN_METHODS.has(req.method)) {
      respond(501, { headers: { Allow: ALLOW } });
      return;
    }
    /** "If a UAS does not understand an option-tag listed in a Require header field, it MUST
     * respond by generating a response with status code 420 (Bad Extension). The UAS MUST add
     * an Unsupported header field, and list in it those options it does not understand" — RFC
     * 3261 §8.2.2.3. We implement no extensions that a Require could name. */
    const required = req.headers.has("require") ? req.headers.getAll("require").filter((v) => v !== "") : [];
    if (required.length > 0 && req.method !== "CANCEL") {
      respond(420, { headers: { Unsupported: required.join(", ") } });
      return;
    }
    // Requests within a dialog (§12.2.2).
    if (toTag !== undefined && req.method !== "CANCEL") {
      const d = this.dialogs.get(Dialog.key(req.callId, toTag, req.from.tag ?? ""));
      if (!d) {
        // "If the UAS receives a request outside of any dialog with a To tag that does not
        // match, it ... SHOULD respond with 481" — §12.2.2
        respond(481);
        return;
      }
      d.receiveRequest(req, this.responder(req, tx, toTag), source);
      return;
    }
    switch (req.method) {
      case "INVITE":
        this.onInvite(req, tx as InviteServerTransaction, source, respond);
        return;
      case "CANCEL":
        this.onCancel(req, respond);
        return;
      case "OPTIONS":
        // "The response to an OPTIONS is constructed using the standard rules ... Allow, Accept,
        // Accept-Encoding, Accept-Language, and Supported header fields SHOULD be present"
        // — RFC 3261 §11.2
        respond(200, { headers: { Allow: ALLOW, Accept: "application/sdp", "Accept-Language": "en" } });
        return;
      case "REGISTER":
        if (this.registrar) this.registrar.handle({ request: req, source, respond });
        else respond(405, { headers: { Allow: ALLOW.replace(", REGISTER", "") } });
        return;
      case "BYE":
        respond(481);
        return;
      default:
        if (!this.emit("request", { request: req, source, respond })) {
          respond(405, { headers: { Allow: ALLOW } });
        }
    }
  }

  private onInvite(
    req: SipRequest,
    tx: InviteServerTransaction,
    source: Destination,
    respond: (status: number, opts?: ResponseOptions) => void,
  ): void {
    // "If a UAS receives a request body it does not understand ... it MUST respond with a 415"
    // and "list the types it understands in the Accept header" — RFC 3261 §8.2.3, RFC 4475 invut.
    const type = (req.contentType ?? "").split(";")[0]?.trim().toLowerCase();
    if (req.body.length > 0 && type !== "application/sdp" && type !== "multipart/mixed") {
      respond(415, { headers: { Accept: "application/sdp" } });
      return;
    }
    /**
     * The INVITE server transaction ends when it sends a 2xx (RFC 3261 §17.2.1), so a
     * retransmission of the INVITE (our 2xx was lost) matches no transaction. It must not ring
     * again: answer it with the same 2xx, as RFC 6026's "Accepted" state would (Timer L = 64*T1).
     */
    const key = `${req.callId}\u0000${req.from.tag ?? ""}\u0000${req.cseq.seq}`;
    const earlier = this.answered.get(key);
    if (earlier?.inv.finalResponse) {
      tx.respond(earlier.inv.finalResponse);
      return;
    }
    const inv = new IncomingInvite(this, req, tx, source);
    this.invites.set(tx, inv);
    inv.onAccepted = () => {
      const timer = this.clock.setTimeout(() => this.answered.delete(key), 64 * this.layer.timers.T1);
      this.answered.set(key, { inv, timer });
    };
    // With nobody to take calls the UA is "temporarily unavailable" (RFC 3261 §21.4.18).
    if (!this.emit("invite", inv)) inv.reject(480);
  }

  private onCancel(req: SipRequest, respond: (status: number, opts?: ResponseOptions) => void): void {
    const tx = this.layer.findInviteServer(req);
    const inv = tx ? this.invites.get(tx) : undefined;
    if (!tx || !inv) {
      respond(481);
      return;
    }
    // "the CANCEL request ... The UAS MUST respond ... with a 200 (OK)" (§9.2).
    respond(200);
    inv.receiveCancel(req);
  }

  private onAck(req: SipRequest): void {
    const d = this.dialogs.get(Dialog.key(req.callId, req.to.tag ?? "", req.from.tag ?? ""));
    d?.receiveAck(req);
  }

  private onStrayResponse(res: SipResponse): void {
    if (res.cseq.method !== "INVITE" || res.status < 200 || res.status >= 300) return;
    const d = this.dialogs.get(Dialog.key(res.callId, res.from.tag ?? "", res.to.tag ?? ""));
    if (d) {
      d.receiveStray2xx(res);
      return;
    }
    const fork = this.forks.get(`${res.callId}\u0000${res.from.tag ?? ""}`);
    if (fork && res.cseq.seq === fork.inv.request.cseq.seq && res.to.tag) void fork.inv.acceptForked2xx(res);
  }

  /** Stops every timer and closes the transports. */
  async close(): Promise<void> {
    for (const a of this.answered.values()) this.clock.clearTimeout(a.timer);
    this.answered.clear();
    for (const f of this.forks.values()) this.clock.clearTimeout(f.timer);
    this.forks.clear();
    for (const d of this.dialogs.values()) d.dispose();
    this.dialogs.clear();
    this.layer.dispose();
    await Promise.all(this.layer.transports.map((t) => t.close()));
  }
}

function angle(uri: string): string {
  return uri.includes("<") ? uri : `<${uri}>`;
}

function protocolOf(uri: string): TransportProtocol | undefined {
  if (!/;\s*transport=/i.test(uri)) return undefined;
  try {
    const na = NameAddr.parse(uri);
    const t = na.sipUri?.params.get("transport");
    return t ? (t.toUpperCase() as TransportProtocol) : undefined;
  } catch {
    return undefined;
  }
}
