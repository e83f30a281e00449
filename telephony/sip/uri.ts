/**
 * SIP and SIPS URIs (RFC 3261 §19.1), plus opaque absolute URIs of other schemes
 * (RFC 3261 §25.1 absoluteURI, kept as text: RFC 4475 unkscm/novelsc must parse).
 */
import { type Params, SipSyntaxError, validEscapes } from "./grammar.ts";

/**
 * user = 1*( unreserved / escaped / user-unreserved )
 * user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
 * password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
 * RFC 3261 §25.1
 */
function charTable(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of `abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789${chars}`) t[c.charCodeAt(0)] = 1;
  return t;
}
/** unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")" */
const USER_CHARS = charTable("-_.!~*'()%&=+$,;?/");
const PASSWORD_CHARS = charTable("-_.!~*'()%&=+$,");
/** paramchar = param-unreserved / unreserved / escaped; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$" */
const PARAM_CHARS = charTable("-_.!~*'()%[]/:&+$");
const ILLEGAL_RE = /[\s<>"]/;

function allIn(s: string, table: Uint8Array): boolean {
  return allInRange(s, 0, s.length, table);
}

function allInRange(s: string, from: number, to: number, table: Uint8Array): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || table[c] !== 1) return false;
  }
  return true;
}

/**
 * The error for a SIP URI that failed a check. Whitespace, "<", ">" and '"' are checked first
 * by the grammar (they end a URI); every other check rejects them too, so the test for them
 * runs only once a URI has already failed, and still gives that message first.
 */
function uriError(text: string, message: string): SipSyntaxError {
  return new SipSyntaxError(ILLEGAL_RE.test(text) ? "illegal character in URI" : message);
}

/** "sip" or "sips" (any case) before the colon at 3 or 4, else undefined. */
function schemeOf(text: string, colon: number): "sip" | "sips" | undefined {
  const s = text.charCodeAt(0) | 0x20;
  const i = text.charCodeAt(1) | 0x20;
  const p = text.charCodeAt(2) | 0x20;
  if (s !== 115 || i !== 105 || p !== 112) return undefined;
  if (colon === 3) return "sip";
  return (text.charCodeAt(3) | 0x20) === 115 ? "sips" : undefined;
}
const IPV6REF_RE = /^\[[0-9A-Fa-f:.]+\]$/;
const HEADERS_RE =
  /^[A-Za-z0-9\-_.!~*'()%[\]/?:+$]+=[A-Za-z0-9\-_.!~*'()%[\]/?:+$]*(&[A-Za-z0-9\-_.!~*'()%[\]/?:+$]+=[A-Za-z0-9\-_.!~*'()%[\]/?:+$]*)*$/;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

/**
 * host = hostname / IPv4address / IPv6reference;
 * hostname = *( domainlabel "." ) toplabel [ "." ];
 * domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum;
 * toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum — RFC 3261 §25.1.
 * Written as one pass over the characters: it runs for every Via, From, To and URI.
 */
/** IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each at most 255. */
function isIpv4(host: string): boolean {
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= host.length; i++) {
    const c = i < host.length ? host.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      value = 0;
      digits = 0;
    } else {
      value = value * 10 + (c - 48);
      if (++digits > 3) return false;
    }
  }
  return parts === 4;
}

/** Character classes of hostnames: 1 digit, 2 letter, 3 "-". */
const HOST_CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) HOST_CLASS[c] = 1;
for (let c = 65; c <= 90; c++) HOST_CLASS[c] = 2;
for (let c = 97; c <= 122; c++) HOST_CLASS[c] = 2;
HOST_CLASS[45] = 3;

export function isValidHost(host: string): boolean {
  const n = host.length;
  if (n === 0) return false;
  if (host.charCodeAt(0) === 91) return IPV6REF_RE.test(host);
  const end = host.charCodeAt(n - 1) === 46 ? n - 1 : n;
  let labelStart = 0;
  let allDigitsAndDots = true;
  let prev = 0;
  for (let i = 0; i < end; i++) {
    const c = host.charCodeAt(i);
    if (c === 46) {
      // An empty label, or one ending in "-".
      if (i === labelStart || prev === 45) return false;
      labelStart = i + 1;
    } else {
      const k = c < 128 ? HOST_CLASS[c] : 0;
      if (k === 0) return false;
      if (k !== 1) allDigitsAndDots = false;
      // A label may not start with "-".
      if (k === 3 && i === labelStart) return false;
    }
    prev = c;
  }
  // The last label (before an optional trailing dot).
  if (end === labelStart || prev === 45) return false;
  if (allDigitsAndDots) return isIpv4(host);
  const top = host.charCodeAt(labelStart);
  return (top >= 65 && top <= 90) || (top >= 97 && top <= 122);
}

export class SipUri {
  scheme: "sip" | "sips";
  user: string | undefined;
  password: string | undefined;
  host: string;
  port: number | undefined;
  params: Params;
  /** Raw header portion after "?", without the "?". */
  headers: string | undefined;

  constructor(init: {
    scheme?: "sip" | "sips";
    user?: string | undefined;
    password?: string | undefined;
    host: string;
    port?: number | undefined;
    params?: Params;
    headers?: string | undefined;
  }) {
    this.scheme = init.scheme ?? "sip";
    this.user = init.user;
    this.password = init.password;
    this.host = init.host;
    this.port = init.port;
    this.params = init.params ?? new Map();
    this.headers = init.headers;
  }

  /**
   * SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
   * RFC 3261 §25.1. Userinfo may itself hold ";" "?" "/" (RFC 4475 semiuri, intmeth), so it
   * ends at the last "@".
   */
  static parse(text: string): SipUri {
    const colon = text.indexOf(":");
    const scheme = colon === 3 || colon === 4 ? schemeOf(text, colon) : undefined;
    if (scheme === undefined) throw new SipSyntaxError(`not a SIP URI: ${text}`);
    // Indexes into `text` rather than slices of it: this runs for every URI of every message.
    let from = colon + 1;
    let user: string | undefined;
    let password: string | undefined;
    const at = text.lastIndexOf("@");
    if (at > colon) {
      const pc = text.indexOf(":", from);
      const userEnd = pc >= 0 && pc < at ? pc : at;
      user = text.slice(from, userEnd);
      password = userEnd < at ? text.slice(userEnd + 1, at) : undefined;
      if (!user || !allIn(user, USER_CHARS) || (password !== undefined && !allIn(password, PASSWORD_CHARS))) {
        throw uriError(text, "bad userinfo");
      }
      const pct = text.indexOf("%", from);
      if (pct >= 0 && pct < at && !validEscapes(text.slice(from, at))) {
        throw uriError(text, "bad escape in userinfo");
      }
      from = at + 1;
    }
    let headers: string | undefined;
    let restEnd = text.length;
    const q = text.indexOf("?", from);
    if (q >= 0) {
      headers = text.slice(q + 1);
      restEnd = q;
      if (!HEADERS_RE.test(headers) || !validEscapes(headers)) throw uriError(text, "bad URI headers");
    }
    let semi = text.indexOf(";", from);
    if (semi >= restEnd) semi = -1;
    const hostEnd = semi >= 0 ? semi : restEnd;
    let hostStop = hostEnd;
    let port: number | undefined;
    const close = text.charCodeAt(from) === 91 ? text.indexOf("]", from) : -1;
    // Within the host and port: a "]" past them is not the IPv6 reference's end.
    const pcolon = text.indexOf(":", close >= 0 && close < hostEnd ? close + 1 : from);
    if (pcolon >= 0 && pcolon < hostEnd) {
      hostStop = pcolon;
      // port = 1*DIGIT, at most five of them and at most 65535
      const digits = hostEnd - pcolon - 1;
      let value = 0;
      for (let i = pcolon + 1; i < hostEnd; i++) {
        const c = text.charCodeAt(i);
        if (c < 48 || c > 57) {
          value = -1;
          break;
        }
        value = value * 10 + (c - 48);
      }
      if (digits < 1 || digits > 5 || value < 0) throw uriError(text, "bad port");
      port = value;
      if (port > 65535) throw uriError(text, "bad port");
    }
    const host = text.slice(from, hostStop);
    if (!isValidHost(host)) throw uriError(text, `bad host: ${host}`);
    const params: Params = new Map();
    if (semi >= 0) {
      const pct = text.indexOf("%", semi + 1);
      if (pct >= 0 && pct < restEnd && !validEscapes(text.slice(semi + 1, restEnd))) {
        throw uriError(text, "bad escape in URI parameter");
      }
      // uri-parameters = *( ";" uri-parameter ); each is pname [ "=" pvalue ], both paramchars.
      let p = semi + 1;
      for (;;) {
        let stop = text.indexOf(";", p);
        if (stop < 0 || stop > restEnd) stop = restEnd;
        let eq = text.indexOf("=", p);
        if (eq >= stop) eq = -1;
        const nameEnd = eq >= 0 ? eq : stop;
        if (nameEnd === p || !allInRange(text, p, nameEnd, PARAM_CHARS)) throw uriError(text, "bad URI parameter");
        if (eq >= 0 && !allInRange(text, eq + 1, stop, PARAM_CHARS)) throw uriError(text, "bad URI parameter");
        params.set(text.slice(p, nameEnd).toLowerCase(), eq >= 0 ? text.slice(eq + 1, stop) : null);
        if (stop >= restEnd) break;
        p = stop + 1;
      }
    }
    return new SipUri({ scheme, user, password, host, port, params, headers });
  }

  clone(): SipUri {
    return new SipUri({ ...this, params: new Map(this.params) });
  }

  /** host:port as used for sending (default port by scheme). */
  get hostport(): string {
    return this.port === undefined ? this.host : `${this.host}:${this.port}`;
  }

  toString(): string {
    let s = `${this.scheme}:`;
    if (this.user !== undefined) s += this.password !== undefined ? `${this.user}:${this.password}@` : `${this.user}@`;
    s += this.hostport;
    for (const [k, v] of this.params) s += v === null ? `;${k}` : `;${k}=${v}`;
    if (this.headers !== undefined) s += `?${this.headers}`;
    return s;
  }

  /** The address-of-record form: scheme, user and host, nothing else (RFC 3261 §10.3 step 5). */
  aor(): string {
    return `${this.scheme}:${this.user !== undefined ? `${this.user}@` : ""}${this.host.toLowerCase()}`;
  }
}

/** Any URI: a SipUri for sip/sips, otherwise the opaque text checked against absoluteURI. */
export type Uri = SipUri | OpaqueUri;

export class OpaqueUri {
  readonly scheme: string;
  readonly text: string;
  constructor(text: string) {
    const colon = text.indexOf(":");
    const scheme = text.slice(0, colon);
    if (colon <= 0 || !SCHEME_RE.test(scheme) || /[\s<>"]/.test(text) || colon === text.length - 1) {
      throw new SipSyntaxError(`bad URI: ${text}`);
    }
    this.scheme = scheme.toLowerCase();
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

export function parseUri(text: string): Uri {
  const colon = text.indexOf(":");
  if ((colon === 3 || colon === 4) && schemeOf(text, colon) !== undefined) return SipUri.parse(text);
  return new OpaqueUri(text);
}
