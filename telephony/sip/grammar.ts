/**
 * The lexical pieces of the SIP grammar (RFC 3261 §25.1) that every other parser here shares:
 * tokens, quoted strings, escapes, generic parameters and quote-aware list splitting.
 *
 * Every function here either returns a value or throws `SipSyntaxError`; callers at the wire
 * boundary (the parser) turn that into a 400 or a dropped message.
 */

export class SipSyntaxError extends Error {
  override readonly name = "SipSyntaxError";
}

/**
 * token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
 * RFC 3261 §25.1
 */
export const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
/** Token characters as a lookup table: the parser's hottest loop. */
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~")
  TOKEN_CHARS[c.charCodeAt(0)] = 1;

export function isTokenCode(code: number): boolean {
  return code < 128 && TOKEN_CHARS[code] === 1;
}

export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

/** LWS and SWS collapse to these characters once folded lines are unfolded. */
export function isWs(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

/**
 * quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE
 * quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
 * RFC 3261 §25.1
 *
 * Reads a quoted string starting at `s[i] === '"'`; returns the unescaped text and the index
 * after the closing quote.
 */
export function readQuoted(s: string, i: number): { value: string; end: number } {
  if (s[i] !== '"') throw new SipSyntaxError("expected quoted string");
  // Fast path: no escapes before the closing quote.
  const close = s.indexOf('"', i + 1);
  if (close > 0) {
    const slash = s.indexOf("\\", i + 1);
    if (slash < 0 || slash > close) return { value: s.slice(i + 1, close), end: close + 1 };
  }
  let out = "";
  let j = i + 1;
  while (j < s.length) {
    const c = s[j] as string;
    if (c === '"') return { value: out, end: j + 1 };
    if (c === "\\") {
      const n = s[j + 1];
      if (n === undefined || n === "\r" || n === "\n") throw new SipSyntaxError("bad quoted-pair");
      out += n;
      j += 2;
      continue;
    }
    out += c;
    j++;
  }
  throw new SipSyntaxError("unterminated quoted string");
}

/** Quotes a display name or parameter value when it is not a plain token sequence. */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** Skips spaces and tabs. */
export function skipWs(s: string, i: number): number {
  while (isWs(s[i])) i++;
  return i;
}

/** Reads a token starting at i (may be empty). */
export function readToken(s: string, i: number): { value: string; end: number } {
  let j = i;
  while (j < s.length && isTokenCode(s.charCodeAt(j))) j++;
  return { value: s.slice(i, j), end: j };
}

/**
 * Splits a header value on commas that are outside quotes and angle brackets
 * (RFC 3261 §7.3.1: "Multiple header field rows ... MAY be combined into one ... by
 * separating each value with a comma").
 */
export function splitList(value: string): string[] {
  if (!value.includes(",")) return [value.trim()];
  const out: string[] = [];
  let depthAngle = 0;
  let inQuote = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === "\\") i++;
      else if (c === '"') inQuote = false;
      continue;
    }
    if (c === '"') inQuote = true;
    else if (c === "<") depthAngle++;
    else if (c === ">") depthAngle = Math.max(0, depthAngle - 1);
    else if (c === "," && depthAngle === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

/** Generic parameters after a value: `;name=value;flag`. Values keep their quotes stripped. */
export type Params = Map<string, string | null>;

/**
 * *( SEMI generic-param ); generic-param = token [ EQUAL gen-value ];
 * gen-value = token / host / quoted-string. SEMI and EQUAL allow whitespace on both sides.
 * RFC 3261 §25.1
 *
 * Reads from `s[i]` (which must be ";" or the end) as far as the parameters go, fills `params`
 * (names lower-cased) and returns the index where they end. Walks character codes, since it
 * runs for every Via, From, To, Contact and Route of every message.
 */
export function readParamsInto(s: string, i: number, params: Params): number {
  const n = s.length;
  let j = skipWsCode(s, i);
  while (j < n && s.charCodeAt(j) === 59 /* ; */) {
    j = skipWsCode(s, j + 1);
    const nameStart = j;
    while (j < n && isTokenCode(s.charCodeAt(j))) j++;
    if (j === nameStart) throw new SipSyntaxError("empty parameter");
    const name = s.slice(nameStart, j);
    j = skipWsCode(s, j);
    let value: string | null = null;
    if (j < n && s.charCodeAt(j) === 61 /* = */) {
      j = skipWsCode(s, j + 1);
      const c = s.charCodeAt(j);
      if (c === 34 /* " */) {
        const q = readQuoted(s, j);
        value = q.value;
        j = q.end;
      } else {
        // host may be an IPv6 reference; otherwise a token (which covers hostnames, IPv4).
        let k = j;
        if (c === 91 /* [ */) {
          const close = s.indexOf("]", k);
          if (close < 0) throw new SipSyntaxError("bad IPv6 reference");
          k = close + 1;
        } else {
          while (k < n && (isTokenCode(s.charCodeAt(k)) || s.charCodeAt(k) === 58)) k++;
        }
        if (k === j) throw new SipSyntaxError("empty parameter value");
        value = s.slice(j, k);
        j = k;
      }
      j = skipWsCode(s, j);
    }
    params.set(name.toLowerCase(), value);
  }
  return j;
}

/** Skips spaces and tabs, by character code (for the scanners that run on every message). */
export function skipWsCode(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === 32 || c === 9) c = s.charCodeAt(++i);
  return i;
}

const NEEDS_QUOTE = /[^A-Za-z0-9\-.!%*_+`'~:[\]]/;

export function formatParams(params: Params): string {
  let out = "";
  for (const [k, v] of params) {
    if (v === null) out += `;${k}`;
    else out += `;${k}=${v === "" || NEEDS_QUOTE.test(v) ? quote(v) : v}`;
  }
  return out;
}

/** True when every "%" starts a valid escape (RFC 3261 escaped = "%" HEXDIG HEXDIG). */
export function validEscapes(s: string): boolean {
  for (let i = s.indexOf("%"); i >= 0; i = s.indexOf("%", i + 1)) {
    if (!/^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) return false;
  }
  return true;
}

/** Decodes %HH escapes to bytes and then UTF-8; keeps NULs (RFC 4475 escnull). */
export function unescapeUri(s: string): string {
  if (!s.includes("%")) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "%" && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, "utf8")) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
