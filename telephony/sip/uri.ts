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
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || table[c] !== 1) return false;
  }
  return true;
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

export function isValidHost(host: string): boolean {
  const n = host.length;
  if (n === 0) return false;
  if (host.charCodeAt(0) === 91) return IPV6REF_RE.test(host);
  const end = host.charCodeAt(n - 1) === 46 ? n - 1 : n;
  let labelStart = 0;
  let allDigitsAndDots = true;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? host.charCodeAt(i) : 46;
    if (c === 46) {
      if (i === labelStart || host.charCodeAt(i - 1) === 45) return false;
      if (i < end) labelStart = i + 1;
      continue;
    }
    const digit = c >= 48 && c <= 57;
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!digit) allDigitsAndDots = false;
    if (c === 45) {
      if (i === labelStart) return false;
    } else if (!digit && !alpha) return false;
  }
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
    if (colon !== 3 && colon !== 4) throw new SipSyntaxError(`not a SIP URI: ${text}`);
    const scheme = text.slice(0, colon).toLowerCase();
    if (scheme !== "sip" && scheme !== "sips") throw new SipSyntaxError(`not a SIP URI: ${text}`);
    let rest = text.slice(colon + 1);
    if (ILLEGAL_RE.test(rest)) throw new SipSyntaxError("illegal character in URI");
    let user: string | undefined;
    let password: string | undefined;
    const at = rest.lastIndexOf("@");
    if (at >= 0) {
      const userinfo = rest.slice(0, at);
      const pc = userinfo.indexOf(":");
      user = pc >= 0 ? userinfo.slice(0, pc) : userinfo;
      password = pc >= 0 ? userinfo.slice(pc + 1) : undefined;
      if (!user || !allIn(user, USER_CHARS) || (password !== undefined && !allIn(password, PASSWORD_CHARS))) {
        throw new SipSyntaxError("bad userinfo");
      }
      if (userinfo.includes("%") && !validEscapes(userinfo)) throw new SipSyntaxError("bad escape in userinfo");
      rest = rest.slice(at + 1);
    }
    let headers: string | undefined;
    const q = rest.indexOf("?");
    if (q >= 0) {
      headers = rest.slice(q + 1);
      rest = rest.slice(0, q);
      if (!HEADERS_RE.test(headers) || !validEscapes(headers)) throw new SipSyntaxError("bad URI headers");
    }
    const semi = rest.indexOf(";");
    const hostport = semi >= 0 ? rest.slice(0, semi) : rest;
    let host = hostport;
    let port: number | undefined;
    const close = hostport.charCodeAt(0) === 91 ? hostport.indexOf("]") : -1;
    const pcolon = hostport.indexOf(":", close + 1);
    if (pcolon >= 0) {
      host = hostport.slice(0, pcolon);
      const p = hostport.slice(pcolon + 1);
      if (!/^\d{1,5}$/.test(p)) throw new SipSyntaxError("bad port");
      port = Number(p);
      if (port > 65535) throw new SipSyntaxError("bad port");
    }
    if (!isValidHost(host)) throw new SipSyntaxError(`bad host: ${host}`);
    const params: Params = new Map();
    if (semi >= 0) {
      const list = rest.slice(semi + 1);
      if (list.includes("%") && !validEscapes(list)) throw new SipSyntaxError("bad escape in URI parameter");
      for (const p of list.split(";")) {
        const eq = p.indexOf("=");
        const name = eq >= 0 ? p.slice(0, eq) : p;
        const value = eq >= 0 ? p.slice(eq + 1) : null;
        if (!name || !allIn(name, PARAM_CHARS) || (value !== null && !allIn(value, PARAM_CHARS))) {
          throw new SipSyntaxError("bad URI parameter");
        }
        params.set(name.toLowerCase(), value);
      }
    }
    return new SipUri({ scheme: scheme as "sip" | "sips", user, password, host, port, params, headers });
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
  const scheme = text.slice(0, 5).toLowerCase();
  if (scheme.startsWith("sip:") || scheme === "sips:") return SipUri.parse(text);
  return new OpaqueUri(text);
}
