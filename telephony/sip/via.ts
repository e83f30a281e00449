/**
 * The Via header field (RFC 3261 §20.42, §18.2.1) with rport (RFC 3581).
 *
 *   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport
 *   sent-by = host [ COLON port ]
 *
 * SLASH and COLON allow whitespace on both sides (RFC 4475 wsinv).
 */
import { formatParams, isTokenCode, type Params, readParamsInto, SipSyntaxError, skipWsCode } from "./grammar.ts";
import { isValidHost } from "./uri.ts";

/** The magic cookie that marks an RFC 3261 branch (§8.1.1.7). */
export const BRANCH_COOKIE = "z9hG4bK";

/** Where the parts of `sent-protocol LWS sent-by` lie in a Via value. */
interface SentBy {
  transportStart: number;
  transportEnd: number;
  hostStart: number;
  hostEnd: number;
  port: number | undefined;
  /** Index after the port (or host). */
  end: number;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

function isHostChar(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 45 || c === 46;
}

/**
 * sent-protocol LWS sent-by, with SLASH and COLON allowing whitespace on both sides:
 *   "SIP" / "2.0" / transport-token [ \t]+ ( "[" [0-9A-Fa-f:.]+ "]" / [A-Za-z0-9-.]+ ) [ ":" 1*5DIGIT ]
 * ("SIP" in any case). Undefined when the value does not start that way. Written out by hand
 * rather than as one case-insensitive regular expression: it runs for every Via received.
 */
function readSentBy(s: string): SentBy | undefined {
  if ((s.charCodeAt(0) | 0x20) !== 115 || (s.charCodeAt(1) | 0x20) !== 105 || (s.charCodeAt(2) | 0x20) !== 112) {
    return undefined;
  }
  let i = skipWsCode(s, 3);
  if (s.charCodeAt(i) !== 47) return undefined;
  i = skipWsCode(s, i + 1);
  if (s.charCodeAt(i) !== 50 || s.charCodeAt(i + 1) !== 46 || s.charCodeAt(i + 2) !== 48) return undefined;
  i = skipWsCode(s, i + 3);
  if (s.charCodeAt(i) !== 47) return undefined;
  i = skipWsCode(s, i + 1);
  const transportStart = i;
  while (isTokenCode(s.charCodeAt(i))) i++;
  const transportEnd = i;
  if (transportEnd === transportStart) return undefined;
  i = skipWsCode(s, i);
  if (i === transportEnd) return undefined;
  const hostStart = i;
  if (s.charCodeAt(i) === 91) {
    i++;
    while (isHex(s.charCodeAt(i)) || s.charCodeAt(i) === 58 || s.charCodeAt(i) === 46) i++;
    if (i === hostStart + 1 || s.charCodeAt(i) !== 93) return undefined;
    i++;
  } else {
    while (isHostChar(s.charCodeAt(i))) i++;
    if (i === hostStart) return undefined;
  }
  const hostEnd = i;
  // [ COLON port ]: up to five digits are the port; without a digit there is no port part.
  let port: number | undefined;
  let end = hostEnd;
  const colon = skipWsCode(s, hostEnd);
  if (s.charCodeAt(colon) === 58) {
    const digits = skipWsCode(s, colon + 1);
    let j = digits;
    let value = 0;
    while (j < digits + 5 && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
      value = value * 10 + (s.charCodeAt(j) - 48);
      j++;
    }
    if (j > digits) {
      port = value;
      end = j;
    }
  }
  return { transportStart, transportEnd, hostStart, hostEnd, port, end };
}

export class Via {
  transport: string;
  host: string;
  port: number | undefined;
  params: Params;

  constructor(transport: string, host: string, port?: number, params?: Params) {
    this.transport = transport.toUpperCase();
    this.host = host;
    this.port = port;
    this.params = params ?? new Map();
  }

  static parse(text: string): Via {
    const s = text.trim();
    const sent = readSentBy(s);
    if (sent === undefined) throw new SipSyntaxError(`bad Via: ${s}`);
    const host = s.slice(sent.hostStart, sent.hostEnd);
    if (!isValidHost(host)) throw new SipSyntaxError("bad Via host");
    const port = sent.port;
    if (port !== undefined && port > 65535) throw new SipSyntaxError("bad Via port");
    const params: Params = new Map();
    if (readParamsInto(s, sent.end, params) !== s.length) throw new SipSyntaxError("junk in Via");
    return new Via(s.slice(sent.transportStart, sent.transportEnd), host, port, params);
  }

  get branch(): string | undefined {
    return this.params.get("branch") ?? undefined;
  }

  get received(): string | undefined {
    return this.params.get("received") ?? undefined;
  }

  /** The rport value: number when filled, null when requested but empty, undefined when absent. */
  get rport(): number | null | undefined {
    if (!this.params.has("rport")) return undefined;
    const v = this.params.get("rport");
    return v === null || v === undefined ? null : Number(v);
  }

  get sentBy(): string {
    return this.port === undefined ? this.host : `${this.host}:${this.port}`;
  }

  toString(): string {
    return `SIP/2.0/${this.transport} ${this.sentBy}${formatParams(this.params)}`;
  }
}
