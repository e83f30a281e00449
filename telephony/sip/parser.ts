/**
 * Bytes → SipMessage (RFC 3261 §7, grammar in §25), strict where RFC 4475 says a message is
 * invalid, tolerant of every valid form (compact names, folded lines, odd whitespace, escapes).
 *
 * Never throws: the result says what went wrong and, for a request whose Via, From, To,
 * Call-ID and CSeq could be read, the status to answer with (400 or 505). The transport uses
 * `partial` to build that answer (RFC 3261 §16.3 / §8.2: a malformed request gets 400 "if it
 * can").
 */
import { SipSyntaxError, splitList, TOKEN_RE } from "./grammar.ts";
import { fieldNames, SipHeaders } from "./headers.ts";
import { type CSeq, type SipMessage, SipRequest, SipResponse } from "./message.ts";
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
/** rfc1123-date with "GMT" — RFC 3261 §20.17 (RFC 4475 baddate). */
const DATE_RE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** Headers that may appear at most once (RFC 3261 §7.3.1 and Table 2). */
const SINGLE = ["to", "from", "call-id", "cseq", "max-forwards", "content-length", "content-type", "expires"];
/** RFC 3261 §8.1.1 lists Max-Forwards too; it is checked when present but not required. */
const REQUIRED = ["via", "to", "from", "call-id", "cseq"];

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
  const lines = (folded ? head.replace(/\r\n[ \t]+/g, " ") : head).split("\r\n");
  const startLine = lines[0] ?? "";
  let isRequest: boolean;
  let method = "";
  let ruri = "";
  let version = "SIP/2.0";
  let status = 0;
  let reason = "";
  let versionError = false;
  if (startLine.startsWith("SIP/")) {
    isRequest = false;
    const m = STATUS_LINE_RE.exec(startLine);
    if (!m) return fail("bad status line");
    status = Number(m[1]);
    reason = m[2] ?? "";
    if (status < 100 || status > 699) return fail("bad status code");
  } else {
    isRequest = true;
    const m = REQUEST_LINE_RE.exec(startLine);
    method = m?.[1] ?? "";
    ruri = m?.[2] ?? "";
    version = m?.[3] ?? "";
    if (m && version !== "SIP/2.0") versionError = VERSION_RE.test(version);
    if (!m) {
      // Still read the headers so that a bad request line can be answered with 400.
      const headers = readHeaders(lines);
      return fail("bad request line", headers ? { headers, isRequest: true } : undefined);
    }
  }

  const headers = readHeaders(lines);
  if (!headers) return fail("bad header line");
  const partial = { headers, isRequest };
  if (versionError) return fail("unsupported SIP version", partial, 505);

  // One pass: counts, first values and the rows of the list headers validation reads.
  const index = indexHeaders(headers);
  for (const key of REQUIRED) if (index.first[key] === undefined) return fail(`missing ${key}`, partial);
  for (const key of SINGLE) if ((index.count[key] ?? 0) > 1) return fail(`more than one ${key}`, partial);

  // Content-Length and body framing.
  const clText = index.first["content-length"];
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

  const body = data.subarray(bodyStart, bodyStart + bodyLength);
  const message = isRequest
    ? new SipRequest(method, ruri, headers, Buffer.from(body))
    : new SipResponse(status, reason, headers, Buffer.from(body));
  message.prime(checked);
  return { ok: true, message, length: bodyStart + bodyLength };
}

function readHeaders(lines: string[]): SipHeaders | undefined {
  const headers = new SipHeaders();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    // HCOLON = *( SP / HTAB ) ":" SWS — RFC 3261 §25.1
    let nameEnd = colon;
    while (nameEnd > 0 && (line[nameEnd - 1] === " " || line[nameEnd - 1] === "\t")) nameEnd--;
    const names = fieldNames(line.slice(0, nameEnd));
    if (!names) return undefined;
    headers.fields.push({ name: names.name, key: names.key, value: line.slice(colon + 1).trim() });
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

interface HeaderIndex {
  first: Record<string, string | undefined>;
  count: Record<string, number | undefined>;
  /** Rows of the list headers validation reads, split on commas. */
  lists: Record<"via" | "contact" | "route" | "record-route", string[]>;
}

function indexHeaders(headers: SipHeaders): HeaderIndex {
  const first: Record<string, string | undefined> = Object.create(null);
  const count: Record<string, number | undefined> = Object.create(null);
  const lists: HeaderIndex["lists"] = { via: [], contact: [], route: [], "record-route": [] };
  for (const f of headers.fields) {
    const k = f.key;
    if (first[k] === undefined) first[k] = f.value;
    count[k] = (count[k] ?? 0) + 1;
    if (k === "via" || k === "contact" || k === "route" || k === "record-route") {
      for (const v of splitList(f.value)) lists[k].push(v);
    }
  }
  return { first, count, lists };
}

/** Validates the header fields the stack relies on; throws SipSyntaxError. */
function validate(index: HeaderIndex, isRequest: boolean, method: string): Checked {
  const h = index.first;
  const vias: Via[] = [];
  for (const v of index.lists.via) vias.push(Via.parse(v));
  const to = NameAddr.parse(h.to as string);
  const from = NameAddr.parse(h.from as string);
  const callId = h["call-id"] as string;
  // callid = word [ "@" word ] — no whitespace (RFC 3261 §25.1)
  if (!callId || /\s/.test(callId)) throw new SipSyntaxError("bad Call-ID");
  const cseq = /^(\d+)[ \t]+(\S+)$/.exec(h.cseq as string);
  if (!cseq || Number(cseq[1]) > MAX_CSEQ || !TOKEN_RE.test(cseq[2] as string)) throw new SipSyntaxError("bad CSeq");
  // "the method MUST match that of the request" RFC 3261 §8.1.1.5 (RFC 4475 mismatch01/02)
  if (isRequest && cseq[2] !== method && !(method === "ACK" && cseq[2] === "ACK")) {
    throw new SipSyntaxError("CSeq method does not match the request method");
  }
  const mf = h["max-forwards"];
  // Max-Forwards = 1*DIGIT; "any integer in the range 0-255" RFC 3261 §20.22
  if (mf !== undefined && (!DIGITS_RE.test(mf) || Number(mf) > 255)) throw new SipSyntaxError("bad Max-Forwards");
  const expires = h.expires;
  if (expires !== undefined) checkDelta(expires, "Expires");
  for (const c of index.lists.contact) {
    if (c === "*") continue;
    const na = NameAddr.parse(c);
    const e = na.params.get("expires");
    if (e !== undefined && e !== null) checkDelta(e, "Contact expires");
  }
  for (const r of index.lists.route) NameAddr.parse(r);
  for (const r of index.lists["record-route"]) NameAddr.parse(r);
  const date = h.date;
  if (date !== undefined && !DATE_RE.test(date)) throw new SipSyntaxError("bad Date");
  return { vias, to, from, cseq: { seq: Number(cseq[1]), method: cseq[2] as string } };
}
