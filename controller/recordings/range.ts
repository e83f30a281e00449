/**
 * HTTP byte ranges for recording playback (RFC 9110 §14), so the admin UI can seek in a
 * recording and play one that is still being written ("Playback from any drive or other
 * recording media must not interrupt the record process for on-going calls", IWTS).
 * Pure: the API route passes the header and the file's current size and sends what it gets.
 */

/** An inclusive byte range, as in Content-Range. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeResult =
  /** Send the whole file with 200: no Range header, or one we ignore (RFC 9110 §14.2). */
  | { kind: "full"; reason?: string }
  /** Send 206 with these ranges (one range → Content-Range; several → multipart/byteranges). */
  | { kind: "partial"; ranges: ByteRange[] }
  /** Send 416 with `Content-Range: bytes *\/<size>` (RFC 9110 §15.5.17). */
  | { kind: "unsatisfiable"; reason: string; contentRange: string };

export interface ParseRangeOptions {
  /** More ranges than this are ignored (whole file sent): §14.2 lets a server refuse many small ranges. */
  maxRanges?: number;
}

const DEFAULT_MAX_RANGES = 16;
/** 1*DIGIT (RFC 9110 §14.1.1), and small enough to be exact in a double. */
const DIGITS = /^[0-9]{1,15}$/;

type Spec = { kind: "int"; first: number; last: number | undefined } | { kind: "suffix"; length: number };

function parseSpec(raw: string): Spec | undefined {
  const dash = raw.indexOf("-");
  if (dash < 0) return undefined;
  const a = raw.slice(0, dash);
  const b = raw.slice(dash + 1);
  if (a === "") return DIGITS.test(b) ? { kind: "suffix", length: Number(b) } : undefined;
  if (!DIGITS.test(a) || (b !== "" && !DIGITS.test(b))) return undefined;
  const first = Number(a);
  const last = b === "" ? undefined : Number(b);
  /** "A range-spec is invalid if the last-pos value is present and less than the first-pos." §14.1.1 */
  if (last !== undefined && last < first) return undefined;
  return { kind: "int", first, last };
}

/**
 * Parses a Range header against a representation of `size` bytes.
 *
 * - Only the "bytes" unit (§14.1, case-insensitive) is understood; any other unit or a syntax
 *   error means the header is ignored and the whole file is sent (§14.2: "A server MAY ignore
 *   the Range header field").
 * - "An int-range is satisfiable if the first-pos is less than the current length of the
 *   selected representation. A suffix-range is satisfiable if it has a non-zero suffix-length."
 *   (§14.1.1) Unsatisfiable specs are dropped; if none is left, the answer is 416.
 * - A last-pos at or past the end is clamped to the last byte; a suffix longer than the file
 *   selects the whole file (§14.1.2).
 * - Overlapping or touching ranges are coalesced (§15.3.7.2 allows it) so no byte is sent
 *   twice.
 */
export function parseRange(header: string | undefined, size: number, opts: ParseRangeOptions = {}): RangeResult {
  if (header === undefined || header.trim() === "") return { kind: "full" };
  const eq = header.indexOf("=");
  if (eq < 0) return { kind: "full", reason: "malformed Range header" };
  if (header.slice(0, eq).trim().toLowerCase() !== "bytes") return { kind: "full", reason: "unsupported range unit" };
  // range-set = 1#range-spec; list elements may be empty and are skipped (§5.6.1.2).
  const raw = header
    .slice(eq + 1)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (raw.length === 0) return { kind: "full", reason: "empty range set" };
  if (raw.length > (opts.maxRanges ?? DEFAULT_MAX_RANGES)) return { kind: "full", reason: "too many ranges" };
  const specs: Spec[] = [];
  for (const r of raw) {
    const spec = parseSpec(r);
    if (!spec) return { kind: "full", reason: `invalid range-spec "${r}"` };
    specs.push(spec);
  }
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    if (spec.kind === "int") {
      if (spec.first >= size) continue;
      ranges.push({ start: spec.first, end: Math.min(spec.last ?? size - 1, size - 1) });
    } else {
      if (spec.length === 0) continue;
      // A zero-length file has nothing to select: its whole (empty) representation is the answer.
      if (size === 0) return { kind: "full", reason: "empty representation" };
      ranges.push({ start: Math.max(0, size - spec.length), end: size - 1 });
    }
  }
  if (ranges.length === 0)
    return { kind: "unsatisfiable", reason: "no range starts before the end", contentRange: `bytes */${size}` };
  return { kind: "partial", ranges: coalesce(ranges) };
}

function coalesce(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length < 2) return ranges;
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [{ ...(sorted[0] as ByteRange) }];
  for (const r of sorted.slice(1)) {
    const last = out[out.length - 1] as ByteRange;
    if (r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  // Keep the client's order when nothing overlapped.
  return out.length === ranges.length ? ranges : out;
}

/**
 * The Content-Range value for one range (§14.4). While the recording is still being written
 * the complete length is not known yet, so it is sent as "*" (`complete: false`).
 */
export function contentRange(range: ByteRange, size: number, opts: { complete?: boolean } = {}): string {
  const total = (opts.complete ?? true) ? String(size) : "*";
  return `bytes ${range.start}-${range.end}/${total}`;
}

/** Bytes a range covers (for Content-Length). */
export function rangeLength(range: ByteRange): number {
  return range.end - range.start + 1;
}
