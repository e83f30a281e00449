/**
 * Header field names, compact forms and the ordered header list of a message.
 *
 * "Field names are always case-insensitive" — RFC 3261 §7.3.1; compact forms are listed in
 * RFC 3261 §7.3.3 and §20 (plus those later RFCs registered with IANA).
 */
import { splitList } from "./grammar.ts";

/** Compact form → full name (lower case). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: "accept-contact", // RFC 3841
  b: "referred-by", // RFC 3892
  c: "content-type",
  d: "request-disposition", // RFC 3841
  e: "content-encoding",
  f: "from",
  i: "call-id",
  j: "reject-contact", // RFC 3841
  k: "supported",
  l: "content-length",
  m: "contact",
  n: "identity-info", // RFC 4474
  o: "event", // RFC 6665
  r: "refer-to", // RFC 3515
  s: "subject",
  t: "to",
  u: "allow-events", // RFC 6665
  v: "via",
  x: "session-expires", // RFC 4028
  y: "identity", // RFC 4474
};

/** How we write the names we know; anything else keeps the spelling it arrived with. */
const CANONICAL: Readonly<Record<string, string>> = {
  "accept-contact": "Accept-Contact",
  "allow-events": "Allow-Events",
  "call-id": "Call-ID",
  "content-encoding": "Content-Encoding",
  "content-length": "Content-Length",
  "content-type": "Content-Type",
  "content-disposition": "Content-Disposition",
  "max-forwards": "Max-Forwards",
  "min-expires": "Min-Expires",
  "proxy-authenticate": "Proxy-Authenticate",
  "proxy-authorization": "Proxy-Authorization",
  "proxy-require": "Proxy-Require",
  "record-route": "Record-Route",
  "refer-to": "Refer-To",
  "referred-by": "Referred-By",
  "reject-contact": "Reject-Contact",
  "request-disposition": "Request-Disposition",
  "retry-after": "Retry-After",
  "session-expires": "Session-Expires",
  "user-agent": "User-Agent",
  "www-authenticate": "WWW-Authenticate",
  "authentication-info": "Authentication-Info",
  "identity-info": "Identity-Info",
  cseq: "CSeq",
  via: "Via",
  to: "To",
  from: "From",
  contact: "Contact",
  route: "Route",
  expires: "Expires",
  allow: "Allow",
  supported: "Supported",
  require: "Require",
  unsupported: "Unsupported",
  accept: "Accept",
  authorization: "Authorization",
  date: "Date",
  event: "Event",
  server: "Server",
  subject: "Subject",
  identity: "Identity",
};

/** Header fields whose values are comma-separated lists (RFC 3261 §7.3.1). */
const LIST_HEADERS = new Set([
  "via",
  "route",
  "record-route",
  "contact",
  "allow",
  "supported",
  "require",
  "proxy-require",
  "unsupported",
  "accept",
  "accept-encoding",
  "accept-language",
  "allow-events",
  "content-encoding",
]);

/** Full lower-case key for a name as written on the wire (expands compact forms). */
const keyCache = new Map<string, string>();
const nameCache = new Map<string, string>();
/** Bounds the caches: header names are few, but a peer could send endless novel ones. */
const CACHE_LIMIT = 2048;

export function headerKey(name: string): string {
  let key = keyCache.get(name);
  if (key === undefined) {
    const lower = name.toLowerCase();
    key = COMPACT_FORMS[lower] ?? lower;
    if (keyCache.size < CACHE_LIMIT) keyCache.set(name, key);
  }
  return key;
}

export function canonicalName(name: string): string {
  let out = nameCache.get(name);
  if (out === undefined) {
    const key = headerKey(name);
    out = CANONICAL[key] ?? (name.length === 1 ? key : name);
    if (nameCache.size < CACHE_LIMIT) nameCache.set(name, out);
  }
  return out;
}

const fieldNameCache = new Map<string, { name: string; key: string }>();

/**
 * The written and lookup names for a header name as received, or undefined when it is not a
 * token. Cached: a message's dozen names are nearly always ones seen before.
 */
export function fieldNames(raw: string): { name: string; key: string } | undefined {
  let hit = fieldNameCache.get(raw);
  if (hit === undefined) {
    if (!/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(raw)) return undefined;
    hit = { name: canonicalName(raw), key: headerKey(raw) };
    if (fieldNameCache.size < CACHE_LIMIT) fieldNameCache.set(raw, hit);
  }
  return hit;
}

export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}

export interface HeaderField {
  /** As written out (canonical spelling for known names). */
  name: string;
  /** Lower-case full name. */
  key: string;
  value: string;
}

/** The ordered header fields of one message. Order is kept: Via and Route order matter. */
export class SipHeaders {
  readonly fields: HeaderField[] = [];

  /** Appends a field; `name` may be compact or any case. */
  append(name: string, value: string): this {
    this.fields.push({ name: canonicalName(name), key: headerKey(name), value });
    return this;
  }

  /** Adds a field above the others of its name (a new top Via, a new Record-Route). */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.indexOf(key);
    const field = { name: canonicalName(name), key, value };
    if (at < 0) this.fields.push(field);
    else this.fields.splice(at, 0, field);
    return this;
  }

  /** Replaces every field of this name with one value. */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.indexOf(key);
    if (at >= 0) this.removeKey(key, at);
    const field = { name: canonicalName(name), key, value };
    if (at < 0) this.fields.push(field);
    else this.fields.splice(at, 0, field);
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    const at = this.indexOf(key);
    if (at >= 0) this.removeKey(key, at);
    return this;
  }

  has(name: string): boolean {
    return this.indexOf(headerKey(name)) >= 0;
  }

  /** Index of the first field with this key, or -1. */
  private indexOf(key: string): number {
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) if ((fields[i] as HeaderField).key === key) return i;
    return -1;
  }

  /** Removes every field with this key, the first of which is at `from`, keeping the others' order. */
  private removeKey(key: string, from: number): void {
    const fields = this.fields;
    let out = from;
    for (let i = from + 1; i < fields.length; i++) {
      const f = fields[i] as HeaderField;
      if (f.key !== key) fields[out++] = f;
    }
    fields.length = out;
  }

  /** The first field's value as written. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.fields) if (f.key === key) return f.value;
    return undefined;
  }

  /** Number of header field rows with this name. */
  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const f of this.fields) if (f.key === key) n++;
    return n;
  }

  /**
   * Every value of a header, rows in order, list headers split on their commas.
   * "it MUST be possible to combine the multiple header field rows into one" — RFC 3261 §7.3.1
   */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const list = isListHeader(key);
    const out: string[] = [];
    for (const f of this.fields) {
      if (f.key !== key) continue;
      if (list) for (const v of splitList(f.value)) out.push(v);
      else out.push(f.value);
    }
    return out;
  }

  clone(): SipHeaders {
    const h = new SipHeaders();
    for (const f of this.fields) h.fields.push({ ...f });
    return h;
  }
}
