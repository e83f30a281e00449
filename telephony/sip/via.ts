/**
 * The Via header field (RFC 3261 §20.42, §18.2.1) with rport (RFC 3581).
 *
 *   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport
 *   sent-by = host [ COLON port ]
 *
 * SLASH and COLON allow whitespace on both sides (RFC 4475 wsinv).
 */
import { formatParams, type Params, readParams, SipSyntaxError } from "./grammar.ts";
import { isValidHost } from "./uri.ts";

/** The magic cookie that marks an RFC 3261 branch (§8.1.1.7). */
export const BRANCH_COOKIE = "z9hG4bK";

const SENT_RE =
  /^SIP[ \t]*\/[ \t]*2\.0[ \t]*\/[ \t]*([A-Za-z0-9\-.!%*_+`'~]+)[ \t]+(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-.]+)(?:[ \t]*:[ \t]*(\d{1,5}))?/i;

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
    const m = SENT_RE.exec(s);
    if (!m) throw new SipSyntaxError(`bad Via: ${s}`);
    const host = m[2] as string;
    if (!isValidHost(host)) throw new SipSyntaxError("bad Via host");
    const port = m[3] === undefined ? undefined : Number(m[3]);
    if (port !== undefined && port > 65535) throw new SipSyntaxError("bad Via port");
    const p = readParams(s, m[0].length);
    if (p.end !== s.length) throw new SipSyntaxError("junk in Via");
    return new Via(m[1] as string, host, port, p.params);
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
