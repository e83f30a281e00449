/**
 * SIP requests and responses (RFC 3261 §7), with typed access to the header fields the
 * transaction, dialog and user-agent layers read. Values are parsed on access and cached.
 */
import { SipHeaders } from "./headers.ts";
import { NameAddr } from "./name-addr.ts";
import { parseUri, type Uri } from "./uri.ts";
import { Via } from "./via.ts";

export interface CSeq {
  seq: number;
  method: string;
}

/** Reason phrases of RFC 3261 §21, for responses we build. */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: "Trying",
  180: "Ringing",
  181: "Call Is Being Forwarded",
  182: "Queued",
  183: "Session Progress",
  200: "OK",
  202: "Accepted",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  415: "Unsupported Media Type",
  416: "Unsupported URI Scheme",
  420: "Bad Extension",
  423: "Interval Too Brief",
  480: "Temporarily Unavailable",
  481: "Call/Transaction Does Not Exist",
  482: "Loop Detected",
  483: "Too Many Hops",
  486: "Busy Here",
  487: "Request Terminated",
  488: "Not Acceptable Here",
  491: "Request Pending",
  500: "Server Internal Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Server Time-out",
  505: "Version Not Supported",
  600: "Busy Everywhere",
  603: "Decline",
};

/**
 * The body of every message without one. Zero bytes long, so nothing can be written into it;
 * shared because a UAS holds thousands of answered requests and their responses at once.
 */
export const EMPTY_BODY: Buffer = Buffer.alloc(0);

abstract class SipMessageBase {
  headers: SipHeaders;
  body: Buffer;
  private cache: { vias?: Via[]; from?: NameAddr; to?: NameAddr; cseq?: CSeq } = {};
  /** The header section as received, when it reads exactly as the serializer would write it. */
  private raw: Buffer | undefined = undefined;
  /** What `raw` was written from: name, key and value of every field, then the start line. */
  private rawSnapshot: Array<string | number> | undefined = undefined;

  constructor(headers?: SipHeaders, body?: Buffer) {
    this.headers = headers ?? new SipHeaders();
    this.body = body ?? EMPTY_BODY;
  }

  /** Stores values the parser already validated, so they are not parsed twice. */
  prime(values: { vias?: Via[]; from?: NameAddr; to?: NameAddr; cseq?: CSeq }): void {
    const cache = this.cache;
    if (values.vias !== undefined) cache.vias = values.vias;
    if (values.from !== undefined) cache.from = values.from;
    if (values.to !== undefined) cache.to = values.to;
    if (values.cseq !== undefined) cache.cseq = values.cseq;
  }

  /** Drops cached parsed values after a header was changed by hand. */
  invalidate(): void {
    this.cache = {};
    this.raw = undefined;
    this.rawSnapshot = undefined;
  }

  /**
   * Keeps the received header section (start line to the empty line) for the serializer; the
   * parser calls this only when those bytes are what `serializeHead` would produce.
   */
  keepRaw(raw: Buffer): void {
    const fields = this.headers.fields;
    const snap: Array<string | number> = new Array(fields.length * 3 + 3);
    let i = 0;
    for (const f of fields) {
      snap[i++] = f.name;
      snap[i++] = f.key;
      snap[i++] = f.value;
    }
    const [a, b] = this.startLine();
    snap[i++] = a;
    snap[i++] = b;
    snap[i] = this.body.length;
    this.raw = raw;
    this.rawSnapshot = snap;
  }

  /**
   * The received header section if nothing the serializer writes has changed since: same
   * start line, same fields (name, key, value, in order), same body length. Checked field by
   * field because `headers.fields` and its entries are open to change.
   */
  unchangedRaw(): Buffer | undefined {
    const snap = this.rawSnapshot;
    if (snap === undefined) return undefined;
    const fields = this.headers.fields;
    if (snap.length !== fields.length * 3 + 3) return undefined;
    let i = 0;
    for (const f of fields) {
      if (f.name !== snap[i] || f.key !== snap[i + 1] || f.value !== snap[i + 2]) return undefined;
      i += 3;
    }
    const [a, b] = this.startLine();
    if (a !== snap[i] || b !== snap[i + 1] || this.body.length !== snap[i + 2]) return undefined;
    return this.raw;
  }

  protected abstract startLine(): [string | number, string];

  get callId(): string {
    return this.headers.get("call-id") ?? "";
  }

  get cseq(): CSeq {
    if (!this.cache.cseq) {
      const m = /^\s*(\d+)\s+(\S+)\s*$/.exec(this.headers.get("cseq") ?? "");
      this.cache.cseq = m ? { seq: Number(m[1]), method: m[2] as string } : { seq: 0, method: "" };
    }
    return this.cache.cseq;
  }

  get from(): NameAddr {
    this.cache.from ??= NameAddr.parse(this.headers.get("from") ?? "");
    return this.cache.from;
  }

  get to(): NameAddr {
    this.cache.to ??= NameAddr.parse(this.headers.get("to") ?? "");
    return this.cache.to;
  }

  get vias(): Via[] {
    this.cache.vias ??= this.headers.getAll("via").map((v) => Via.parse(v));
    return this.cache.vias;
  }

  get topVia(): Via | undefined {
    return this.vias[0];
  }

  get contentType(): string | undefined {
    return this.headers.get("content-type");
  }

  /** The Contact header's first address, if any. */
  get contact(): NameAddr | undefined {
    const v = this.headers.getAll("contact")[0];
    return v === undefined || v === "*" ? undefined : NameAddr.parse(v);
  }

  /** Every value of a list of addresses (Contact, Route, Record-Route). */
  addresses(name: "contact" | "route" | "record-route"): NameAddr[] {
    return this.headers
      .getAll(name)
      .filter((v) => v !== "*")
      .map((v) => NameAddr.parse(v));
  }

  get bodyText(): string {
    return this.body.toString("utf8");
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = "request";
  method: string;
  /** The Request-URI as text. */
  uri: string;

  constructor(method: string, uri: string, headers?: SipHeaders, body?: Buffer) {
    super(headers, body);
    this.method = method;
    this.uri = uri;
  }

  get requestUri(): Uri {
    return parseUri(this.uri);
  }

  protected startLine(): [string, string] {
    return [this.method, this.uri];
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = "response";
  status: number;
  reason: string;

  constructor(status: number, reason?: string, headers?: SipHeaders, body?: Buffer) {
    super(headers, body);
    this.status = status;
    this.reason = reason ?? REASON_PHRASES[status] ?? "";
  }

  protected startLine(): [number, string] {
    return [this.status, this.reason];
  }
}

export type SipMessage = SipRequest | SipResponse;

/**
 * Builds a response to a request: "the From field ..., Call-ID, CSeq ... and Via header field
 * values MUST equal ... the request" and "the To header field ... MUST equal that of the
 * request", adding a To-tag when given. RFC 3261 §8.2.6.2
 */
export function createResponse(
  req: SipRequest,
  status: number,
  opts: { reason?: string; toTag?: string; body?: string | Buffer; contentType?: string } = {},
): SipResponse {
  const h = new SipHeaders();
  for (const f of req.headers.fields) {
    if (f.key === "via" || f.key === "from" || f.key === "call-id" || f.key === "cseq") {
      h.fields.push({ ...f });
    } else if (f.key === "to") {
      let value = f.value;
      if (opts.toTag !== undefined && status !== 100 && !/;\s*tag\s*=/i.test(value)) value += `;tag=${opts.toTag}`;
      h.fields.push({ ...f, value });
    }
  }
  const body = typeof opts.body === "string" ? Buffer.from(opts.body, "utf8") : opts.body;
  if (body && body.length > 0 && opts.contentType) h.append("Content-Type", opts.contentType);
  return new SipResponse(status, opts.reason, h, body);
}
