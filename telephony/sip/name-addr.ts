/**
 * The address forms of From, To, Contact, Route, Record-Route, Reply-To (RFC 3261 §20.10):
 *
 *   ( name-addr / addr-spec ) *( SEMI param )
 *   name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 *   LAQUOT = SWS "<"; RAQUOT = ">" SWS
 *
 * "If the URI is not enclosed in angle brackets, any semicolon-delimited parameters are
 * header-parameters, not URI parameters." — RFC 3261 §20.10
 */
import {
  formatParams,
  isWs,
  type Params,
  quote,
  readParamsInto,
  readQuoted,
  readToken,
  SipSyntaxError,
  skipWs,
} from "./grammar.ts";
import { parseUri, SipUri, type Uri } from "./uri.ts";

export class NameAddr {
  displayName: string | undefined;
  uri: Uri;
  params: Params;

  constructor(uri: Uri, displayName?: string, params?: Params) {
    this.uri = uri;
    this.displayName = displayName;
    this.params = params ?? new Map();
  }

  static parse(text: string): NameAddr {
    const s = text.trim();
    let i = 0;
    let display: string | undefined;
    if (s[0] === '"') {
      const q = readQuoted(s, 0);
      display = q.value;
      i = skipWs(s, q.end);
      if (s[i] !== "<") throw new SipSyntaxError("quoted display name without <uri>");
    } else {
      // Either *(token LWS) "<" or a bare addr-spec.
      const lt = s.indexOf("<");
      if (lt >= 0) {
        const words = s.slice(0, lt).trim();
        if (words) {
          for (const w of words.split(/[ \t]+/)) {
            if (readToken(w, 0).end !== w.length) throw new SipSyntaxError("display name must be tokens or quoted");
          }
          display = words;
        }
        i = lt;
      }
    }
    if (s[i] === "<") {
      const gt = s.indexOf(">", i);
      if (gt < 0) throw new SipSyntaxError("missing >");
      const inner = s.slice(i + 1, gt);
      if (isWs(inner[0]) || isWs(inner[inner.length - 1])) throw new SipSyntaxError("whitespace inside <>");
      const uri = parseUri(inner);
      const params: Params = new Map();
      if (readParamsInto(s, gt + 1, params) !== s.length) throw new SipSyntaxError("junk after name-addr");
      return new NameAddr(uri, display, params);
    }
    // addr-spec form: the URI ends at the first ";" or whitespace; it must not hold "?" or ","
    // (RFC 3261 §20: such URIs "MUST be enclosed in angle brackets"; RFC 4475 regbadct).
    let end = 0;
    while (end < s.length && s[end] !== ";" && !isWs(s[end])) end++;
    const spec = s.slice(0, end);
    if (/[?,]/.test(spec)) throw new SipSyntaxError("addr-spec with ? or , must be in <>");
    const uri = parseUri(spec);
    const params: Params = new Map();
    if (readParamsInto(s, end, params) !== s.length) throw new SipSyntaxError("junk after addr-spec");
    return new NameAddr(uri, undefined, params);
  }

  get tag(): string | undefined {
    return this.params.get("tag") ?? undefined;
  }

  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete("tag");
    else this.params.set("tag", value);
  }

  get sipUri(): SipUri | undefined {
    return this.uri instanceof SipUri ? this.uri : undefined;
  }

  clone(): NameAddr {
    const uri = this.uri instanceof SipUri ? this.uri.clone() : this.uri;
    return new NameAddr(uri, this.displayName, new Map(this.params));
  }

  toString(): string {
    const dn = this.displayName === undefined ? "" : `${quote(this.displayName)} `;
    return `${dn}<${this.uri.toString()}>${formatParams(this.params)}`;
  }
}
