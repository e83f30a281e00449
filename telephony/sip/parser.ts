/**
 * Bytes → SipMessage (RFC 3261 §7, grammar in §25), strict where RFC 4475 says a message is
 * invalid, tolerant of every valid form (compact names, folded lines, odd whitespace, escapes).
 *
 * Never throws: the result says what went wrong and, for a request whose Via, From, To,
 * Call-ID and CSeq could be read, the status to answer with (400 or 505). The transport uses
 * `partial` to build that answer (RFC 3261 §16.3 / §8.2: a malformed request gets 400 "if it
 * can").
 */
import { isUtf8 } from "node:buffer";
import { SipSyntaxError, splitList, TOKEN_RE } from "./grammar.ts";
import { fieldNames, SipHeaders } from "./headers.ts";
import { type CSeq, EMPTY_BODY, type SipMessage, SipRequest, SipResponse } from "./message.ts";
import { NameAddr } from "./name-addr.ts";
import { OpaqueUri, parseUri } from "./uri.ts";
import { Via } from "./via.ts";

export type ParseResult =
  | { ok: true; message: SipMessage /** bytes consumed (start line to end of body) */; length: number }
  | {
      ok: false;
      error: string;
      /** Status to answer with when the message is a request we can answer. */
      status?: 400 | 505;
      /** The request's header fields, when the header section could be split into fields. */
      partial?: { headers: SipHeaders; isRequest: boolean };
      /** Set when the parser itself failed (a bug), not the input. */
      internal?: true;
    };

export interface ParseOptions {
  /**
   * Stream transports frame by Content-Length and hand over exact messages; over UDP
   * "If a message ... is shorter than the Content-Length indicates ... the message MUST be
   * discarded" and "additional bytes in the transport packet beyond the end of the body MUST
   * be discarded" (RFC 3261 §18.3). Default "datagram".
   */
  framing?: "datagram" | "stream";
  /** Largest header section accepted, in bytes (default 64 KiB). */
  maxHeaderBytes?: number;
}

const CRLFCRLF = Buffer.from("\r\n\r\n");
const MAX_CSEQ = 2 ** 31 - 1; // "The sequence number MUST be expressible as a 32-bit unsigned integer and MUST be less than 2**31." RFC 3261 §8.1.1.5
const MAX_DELTA = 2 ** 32 - 1; // delta-seconds, RFC 3261 §25.1 / RFC 4475 scalarlg
const REQUEST_LINE_RE = /^([A-Za-z0-9\-.!%*_+`'~]+) (\S+) (SIP\/\d+\.\d+)$/;
const STATUS_LINE_RE = /^SIP\/2\.0 (\d{3})(?: (.*))?$/;
const VERSION_RE = /^SIP\/(\d+)\.(\d+)$/;
const DIGITS_RE = /^\d+$/;
const CSEQ_RE = /^(\d+)[ \t]+(\S+)$/;
const WS_RE = /\s/;
/** rfc1123-date with "GMT" — RFC 3261 §20.17 (RFC 4475 baddate). */
const DATE_RE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
function fail(error: string, partial?: { headers: SipHeaders; isRequest: boolean }, status?: 400 | 505): ParseResult {
  // A Via is enough to route an answer (RFC 3261 §18.2.2); whatever else is present is copied.
  const answerable = partial?.isRequest && partial.headers.has("via");
  if (answerable) return { ok: false, error, status: status ?? 400, partial };
  return partial ? { ok: false, error, partial } : { ok: false, error };
}

export function parseMessage(data: Buffer, opts: ParseOptions = {}): ParseResult {
  try {
    return parseUnsafe(data, opts);
  } catch (e) {
    // Defensive: nothing below should throw, but no input may escape. `internal` marks a bug
    // (the fuzz test asserts it never happens).
    return { ok: false, error: e instanceof Error ? e.message : String(e), internal: true };
  }
}

function parseUnsafe(data: Buffer, opts: ParseOptions): ParseResult {
  const maxHeader = opts.maxHeaderBytes ?? 65536;
  // "implementations ... SHOULD ignore any CRLF appearing before the start-line" RFC 3261 §7.5
  let start = 0;
  while (start + 1 < data.length && data[start] === 0x0d && data[start + 1] === 0x0a) start += 2;
  const headEnd = data.indexOf(CRLFCRLF, start);
  if (headEnd < 0) return fail(data.length - start > maxHeader ? "header section too large" : "no end of headers");
  if (headEnd - start > maxHeader) return fail("header section too large");
  const head = data.toString("utf8", start, headEnd);
  const bodyStart = headEnd + 4;

  // Unfold: "header fields can be extended over multiple lines by preceding each extra line
  // with at least one SP or horizontal tab" RFC 3261 §7.3.1
  const folded = head.includes("\r\n ") || head.includes("\r\n\t");
  const text = folded ? head.replace(/\r\n[ \t]+/g, " ") : head;
  let startEnd = text.indexOf("\r\n");
  if (startEnd < 0) startEnd = text.length;
  const startLine = text.slice(0, startEnd);
  let isRequest: boolean;
  let method = "";
  let ruri = "";
  let version = "SIP/2.0";
  let status = 0;
  let reason = "";
  let versionError = false;
  // Whether the start line reads exactly as the serializer would write it.
  let startCanonical: boolean;
  if (startLine.startsWith("SIP/")) {
    isRequest = false;
    const m = STATUS_LINE_RE.exec(startLine);
    if (!m) return fail("bad status line");
    status = Number(m[1]);
    reason = m[2] ?? "";
    if (status < 100 || status > 699) return fail("bad status code");
    startCanonical = m[2] !== undefined;
  } else {
    isRequest = true;
    const m = REQUEST_LINE_RE.exec(startLine);
    method = m?.[1] ?? "";
    ruri = m?.[2] ?? "";
    version = m?.[3] ?? "";
    if (m && version !== "SIP/2.0") versionError = VERSION_RE.test(version);
    if (!m) {
      // Still read the headers so that a bad request line can be answered with 400.
      const headers = readHeaders(text, startEnd, new HeaderIndex());
      return fail("bad request line", headers ? { headers, isRequest: true } : undefined);
    }
    startCanonical = true;
  }

  const index = new HeaderIndex();
  const headers = readHeaders(text, startEnd, index);
  if (!headers) return fail("bad header line");
  const partial = { headers, isRequest };
  if (versionError) return fail("unsupported SIP version", partial, 505);

  // RFC 3261 §8.1.1 (REQUIRED) and §7.3.1 / Table 2 (SINGLE), in the order of those lists.
  const missing = index.missing();
  if (missing !== undefined) return fail(`missing ${missing}`, partial);
  const repeated = index.repeated();
  if (repeated !== undefined) return fail(`more than one ${repeated}`, partial);

  // Content-Length and body framing.
  const clText = index.contentLength;
  let bodyLength: number;
  const available = data.length - bodyStart;
  if (clText !== undefined) {
    const t = clText.trim();
    if (!DIGITS_RE.test(t)) return fail("bad Content-Length", partial);
    bodyLength = Number(t);
    if (bodyLength > available) {
      return opts.framing === "stream"
        ? fail("incomplete body", partial)
        : fail("Content-Length larger than the datagram", partial);
    }
  } else {
    // "If no body is present in a message, then the Content-Length header field value MUST be
    // set to zero" — over UDP its absence means the body runs to the end of the datagram.
    if (opts.framing === "stream") return fail("Content-Length required on a stream", partial);
    bodyLength = available;
  }

  let checked: Checked;
  try {
    checked = validate(index, isRequest, method);
    if (isRequest) {
      if (ruri.startsWith("<")) throw new SipSyntaxError("Request-URI in angle brackets");
      const uri = parseUri(ruri);
      // "headers ... are not allowed in the Request-URI" RFC 3261 §19.1.1 table (RFC 4475 escruri)
      if (!(uri instanceof OpaqueUri) && uri.headers !== undefined) throw new SipSyntaxError("headers in Request-URI");
    }
  } catch (e) {
    return fail(e instanceof Error ? e.message : "syntax error", partial);
  }

  const end = bodyStart + bodyLength;
  // One copy of the message; the body is a view of it. When the header section reads exactly
  // as the serializer would write it (canonical names, ": ", trimmed values, Content-Length
  // last and equal to the body's length, valid UTF-8), the message keeps those bytes and the
  // serializer reuses them for as long as no header is changed.
  const reusable =
    startCanonical &&
    !folded &&
    index.canonical &&
    index.lastIsContentLength &&
    clText === String(bodyLength) &&
    isUtf8(data.subarray(start, headEnd));
  let body: Buffer;
  let raw: Buffer | undefined;
  if (reusable) {
    const copy = Buffer.allocUnsafe(end - start);
    data.copy(copy, 0, start, end);
    raw = copy.subarray(0, bodyStart - start);
    // An empty body must not hold the copy (and the pool slab under it) once `raw` is dropped.
    body = bodyLength === 0 ? EMPTY_BODY : copy.subarray(bodyStart - start);
  } else {
    body = bodyLength === 0 ? EMPTY_BODY : Buffer.from(data.subarray(bodyStart, end));
  }
  const message = isRequest
    ? new SipRequest(method, ruri, headers, body)
    : new SipResponse(status, reason, headers, body);
  message.prime(checked);
  if (raw) message.keepRaw(raw);
  return { ok: true, message, length: end };
}

/** Slots of the header fields the parser counts or validates. */
const SLOT_OTHER = 0;
const SLOT_VIA = 1;
const SLOT_TO = 2;
const SLOT_FROM = 3;
const SLOT_CALL_ID = 4;
const SLOT_CSEQ = 5;
const SLOT_MAX_FORWARDS = 6;
const SLOT_CONTENT_LENGTH = 7;
const SLOT_CONTENT_TYPE = 8;
const SLOT_EXPIRES = 9;
const SLOT_CONTACT = 10;
const SLOT_ROUTE = 11;
const SLOT_RECORD_ROUTE = 12;
const SLOT_DATE = 13;
const SLOTS: Readonly<Record<string, number>> = {
  via: SLOT_VIA,
  to: SLOT_TO,
  from: SLOT_FROM,
  "call-id": SLOT_CALL_ID,
  cseq: SLOT_CSEQ,
  "max-forwards": SLOT_MAX_FORWARDS,
  "content-length": SLOT_CONTENT_LENGTH,
  "content-type": SLOT_CONTENT_TYPE,
  expires: SLOT_EXPIRES,
  contact: SLOT_CONTACT,
  route: SLOT_ROUTE,
  "record-route": SLOT_RECORD_ROUTE,
  date: SLOT_DATE,
};

interface NameEntry {
  /** As received. */
  raw: string;
  name: string;
  key: string;
  slot: number;
  /** Received in the spelling the serializer writes. */
  canonical: boolean;
}

/** Header names as received → their written name, key and slot; a message's names are nearly always known. */
const nameEntries = new Map<string, NameEntry>();
/** Bounds the cache: a peer could send endless novel names. */
const NAME_CACHE_LIMIT = 2048;

function nameEntry(raw: string): NameEntry | undefined {
  let e = nameEntries.get(raw);
  if (e === undefined) {
    const names = fieldNames(raw);
    if (!names) return undefined;
    e = { raw, name: names.name, key: names.key, slot: SLOTS[names.key] ?? SLOT_OTHER, canonical: raw === names.name };
    if (nameEntries.size < NAME_CACHE_LIMIT) nameEntries.set(raw, e);
  }
  return e;
}

/**
 * The last name seen in each of 512 buckets: a hit is confirmed by comparing the text in place,
 * so a known name costs no new string and no Map lookup. (The hash puts the 40 commonest names
 * and compact forms in buckets of their own.)
 */
const RECENT_BUCKETS = 512;
const recentNames: Array<NameEntry | undefined> = new Array(RECENT_BUCKETS).fill(undefined);

function nameAt(text: string, from: number, to: number): NameEntry | undefined {
  const len = to - from;
  let x = 0;
  for (let i = from; i < to; i++) x = (x * 31 + text.charCodeAt(i)) | 0;
  const h = (x ^ (x >>> 5)) & (RECENT_BUCKETS - 1);
  const hit = recentNames[h];
  if (hit !== undefined && hit.raw.length === len && text.startsWith(hit.raw, from)) return hit;
  const e = nameEntry(text.slice(from, to));
  if (e !== undefined) recentNames[h] = e;
  return e;
}

/**
 * What one pass over the header fields learns: counts, first values, list rows.
 *
 * Headers that may appear at most once (RFC 3261 §7.3.1 and Table 2): To, From, Call-ID, CSeq,
 * Max-Forwards, Content-Length, Content-Type, Expires. Required (RFC 3261 §8.1.1): Via, To,
 * From, Call-ID, CSeq; §8.1.1 lists Max-Forwards too, which is checked when present but not
 * required. `missing()` and `repeated()` check both lists in this order.
 */
class HeaderIndex {
  via: string | undefined = undefined;
  to: string | undefined = undefined;
  from: string | undefined = undefined;
  callId: string | undefined = undefined;
  cseq: string | undefined = undefined;
  maxForwards: string | undefined = undefined;
  contentLength: string | undefined = undefined;
  expires: string | undefined = undefined;
  date: string | undefined = undefined;
  nTo = 0;
  nFrom = 0;
  nCallId = 0;
  nCseq = 0;
  nMaxForwards = 0;
  nContentLength = 0;
  nContentType = 0;
  nExpires = 0;
  /** Rows of the list headers validation reads, split on commas. */
  vias: string[] = [];
  contacts: string[] = [];
  routes: string[] = [];
  recordRoutes: string[] = [];
  /** Every line was written `Name: value` with the canonical name and a trimmed value. */
  canonical = true;
  lastIsContentLength = false;

  add(slot: number, value: string): void {
    switch (slot) {
      case SLOT_VIA:
        this.via ??= value;
        pushList(this.vias, value);
        break;
      case SLOT_TO:
        this.to ??= value;
        this.nTo++;
        break;
      case SLOT_FROM:
        this.from ??= value;
        this.nFrom++;
        break;
      case SLOT_CALL_ID:
        this.callId ??= value;
        this.nCallId++;
        break;
      case SLOT_CSEQ:
        this.cseq ??= value;
        this.nCseq++;
        break;
      case SLOT_MAX_FORWARDS:
        this.maxForwards ??= value;
        this.nMaxForwards++;
        break;
      case SLOT_CONTENT_LENGTH:
        this.contentLength ??= value;
        this.nContentLength++;
        break;
      case SLOT_CONTENT_TYPE:
        this.nContentType++;
        break;
      case SLOT_EXPIRES:
        this.expires ??= value;
        this.nExpires++;
        break;
      case SLOT_CONTACT:
        pushList(this.contacts, value);
        break;
      case SLOT_ROUTE:
        pushList(this.routes, value);
        break;
      case SLOT_RECORD_ROUTE:
        pushList(this.recordRoutes, value);
        break;
      case SLOT_DATE:
        this.date ??= value;
        break;
    }
  }

  /** The first of the REQUIRED headers that is absent. */
  missing(): string | undefined {
    if (this.via === undefined) return "via";
    if (this.to === undefined) return "to";
    if (this.from === undefined) return "from";
    if (this.callId === undefined) return "call-id";
    if (this.cseq === undefined) return "cseq";
    return undefined;
  }

  /** The first of the SINGLE headers that appears more than once. */
  repeated(): string | undefined {
    if (this.nTo > 1) return "to";
    if (this.nFrom > 1) return "from";
    if (this.nCallId > 1) return "call-id";
    if (this.nCseq > 1) return "cseq";
    if (this.nMaxForwards > 1) return "max-forwards";
    if (this.nContentLength > 1) return "content-length";
    if (this.nContentType > 1) return "content-type";
    if (this.nExpires > 1) return "expires";
    return undefined;
  }
}

function pushList(list: string[], value: string): void {
  if (!value.includes(",")) list.push(value.trim());
  else for (const v of splitList(value)) list.push(v);
}

function isWsCode(c: number): boolean {
  return c === 32 || c === 9;
}

/** A character `trim()` would keep at the edge of a value: printable ASCII other than space. */
function isVisibleAscii(c: number): boolean {
  return c > 32 && c < 127;
}

/**
 * Reads the header fields of the (unfolded) header section `text`, whose start line ends at
 * `from`; undefined when a line is not `token HCOLON value`.
 */
function readHeaders(text: string, from: number, index: HeaderIndex): SipHeaders | undefined {
  const headers = new SipHeaders();
  const fields = headers.fields;
  const n = text.length;
  let ls = from + 2;
  while (from < n) {
    let le = text.indexOf("\r\n", ls);
    if (le < 0) le = n;
    const colon = text.indexOf(":", ls);
    if (colon <= ls || colon >= le) return undefined;
    // HCOLON = *( SP / HTAB ) ":" SWS — RFC 3261 §25.1
    let nameEnd = colon;
    while (nameEnd > ls && isWsCode(text.charCodeAt(nameEnd - 1))) nameEnd--;
    const entry = nameAt(text, ls, nameEnd);
    if (!entry) return undefined;
    // The value without the whitespace around it, as trim() would leave it.
    let vs = colon + 1;
    while (vs < le && isWsCode(text.charCodeAt(vs))) vs++;
    let ve = le;
    while (ve > vs && isWsCode(text.charCodeAt(ve - 1))) ve--;
    let value: string;
    if (vs === ve) value = "";
    else if (isVisibleAscii(text.charCodeAt(vs)) && isVisibleAscii(text.charCodeAt(ve - 1))) value = text.slice(vs, ve);
    else {
      value = text.slice(colon + 1, le).trim();
      index.canonical = false;
    }
    // `Name: value` exactly: the canonical name, no space before the colon, one after it, none at the end
    if (
      index.canonical &&
      (!entry.canonical || nameEnd !== colon || vs !== colon + 2 || ve !== le || text.charCodeAt(colon + 1) !== 32)
    ) {
      index.canonical = false;
    }
    fields.push({ name: entry.name, key: entry.key, value });
    index.add(entry.slot, value);
    index.lastIsContentLength = entry.slot === SLOT_CONTENT_LENGTH;
    if (le >= n) break;
    ls = le + 2;
  }
  return headers;
}

function checkDelta(v: string, what: string): void {
  if (!DIGITS_RE.test(v) || Number(v) > MAX_DELTA) throw new SipSyntaxError(`bad ${what}`);
}

interface Checked {
  vias: Via[];
  to: NameAddr;
  from: NameAddr;
  cseq: CSeq;
}

/** Validates the header fields the stack relies on; throws SipSyntaxError. */
function validate(index: HeaderIndex, isRequest: boolean, method: string): Checked {
  const vias: Via[] = [];
  for (const v of index.vias) vias.push(Via.parse(v));
  const to = NameAddr.parse(index.to as string);
  const from = NameAddr.parse(index.from as string);
  const callId = index.callId as string;
  // callid = word [ "@" word ] — no whitespace (RFC 3261 §25.1)
  if (!callId || WS_RE.test(callId)) throw new SipSyntaxError("bad Call-ID");
  const cseq = CSEQ_RE.exec(index.cseq as string);
  if (!cseq || Number(cseq[1]) > MAX_CSEQ || !TOKEN_RE.test(cseq[2] as string)) throw new SipSyntaxError("bad CSeq");
  // "the method MUST match that of the request" RFC 3261 §8.1.1.5 (RFC 4475 mismatch01/02)
  if (isRequest && cseq[2] !== method && !(method === "ACK" && cseq[2] === "ACK")) {
    throw new SipSyntaxError("CSeq method does not match the request method");
  }
  const mf = index.maxForwards;
  // Max-Forwards = 1*DIGIT; "any integer in the range 0-255" RFC 3261 §20.22
  if (mf !== undefined && (!DIGITS_RE.test(mf) || Number(mf) > 255)) throw new SipSyntaxError("bad Max-Forwards");
  const expires = index.expires;
  if (expires !== undefined) checkDelta(expires, "Expires");
  for (const c of index.contacts) {
    if (c === "*") continue;
    const na = NameAddr.parse(c);
    const e = na.params.get("expires");
    if (e !== undefined && e !== null) checkDelta(e, "Contact expires");
  }
  for (const r of index.routes) NameAddr.parse(r);
  for (const r of index.recordRoutes) NameAddr.parse(r);
  const date = index.date;
  if (date !== undefined && !DATE_RE.test(date)) throw new SipSyntaxError("bad Date");
  return { vias, to, from, cseq: { seq: Number(cseq[1]), method: cseq[2] as string } };
}
