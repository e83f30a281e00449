import test from "ava";
import { contentRange, parseRange, rangeLength } from "../../../controller/recordings/range.ts";

test("no Range header sends the whole file", (t) => {
  t.deepEqual(parseRange(undefined, 1000), { kind: "full" });
  t.deepEqual(parseRange("  ", 1000), { kind: "full" });
});

test("int-range, open-ended and suffix ranges (RFC 9110 §14.1.2 examples)", (t) => {
  t.deepEqual(parseRange("bytes=0-499", 10_000), { kind: "partial", ranges: [{ start: 0, end: 499 }] });
  t.deepEqual(parseRange("bytes=9500-", 10_000), { kind: "partial", ranges: [{ start: 9500, end: 9999 }] });
  t.deepEqual(parseRange("bytes=-500", 10_000), { kind: "partial", ranges: [{ start: 9500, end: 9999 }] });
  t.deepEqual(parseRange("bytes=0-0,-1", 10_000), {
    kind: "partial",
    ranges: [
      { start: 0, end: 0 },
      { start: 9999, end: 9999 },
    ],
  });
});

test("a last-pos past the end is clamped and a suffix longer than the file selects all of it", (t) => {
  t.deepEqual(parseRange("bytes=500-99999", 1000), { kind: "partial", ranges: [{ start: 500, end: 999 }] });
  t.deepEqual(parseRange("bytes=-5000", 1000), { kind: "partial", ranges: [{ start: 0, end: 999 }] });
});

test("an int-range is satisfiable only if first-pos is less than the length: otherwise 416", (t) => {
  const r = parseRange("bytes=1000-", 1000);
  t.is(r.kind, "unsatisfiable");
  t.is(r.kind === "unsatisfiable" ? r.contentRange : "", "bytes */1000");
  t.is(parseRange("bytes=999-", 1000).kind, "partial");
  t.is(parseRange("bytes=0-10", 0).kind, "unsatisfiable");
});

test("a suffix-range is satisfiable only with a non-zero suffix-length", (t) => {
  t.is(parseRange("bytes=-0", 1000).kind, "unsatisfiable");
  t.deepEqual(parseRange("bytes=-0,0-1", 1000), { kind: "partial", ranges: [{ start: 0, end: 1 }] });
});

test("unsatisfiable specs are dropped when another is satisfiable", (t) => {
  t.deepEqual(parseRange("bytes=5000-6000,0-9", 1000), { kind: "partial", ranges: [{ start: 0, end: 9 }] });
});

test("invalid range-specs make the header ignored (whole file), never an error", (t) => {
  for (const h of [
    "bytes=5-4",
    "bytes=abc",
    "bytes=1-2-3",
    "bytes=--5",
    "bytes= 0x10-20",
    "bytes=",
    "0-10",
    "bytes=+1-2",
  ]) {
    t.is(parseRange(h, 1000).kind, "full", h);
  }
});

test("a unit other than bytes is ignored; the unit is case-insensitive", (t) => {
  t.deepEqual(parseRange("items=0-5", 1000), { kind: "full", reason: "unsupported range unit" });
  t.is(parseRange("Bytes=0-5", 1000).kind, "partial");
});

test("whitespace and empty list elements are tolerated", (t) => {
  t.deepEqual(parseRange("bytes= 0-1 , , 5-6", 1000), {
    kind: "partial",
    ranges: [
      { start: 0, end: 1 },
      { start: 5, end: 6 },
    ],
  });
});

test("overlapping and touching ranges are coalesced", (t) => {
  t.deepEqual(parseRange("bytes=500-700,0-100,101-200,650-900", 1000), {
    kind: "partial",
    ranges: [
      { start: 0, end: 200 },
      { start: 500, end: 900 },
    ],
  });
});

test("too many ranges are ignored rather than served piecemeal", (t) => {
  const many = `bytes=${Array.from({ length: 20 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(",")}`;
  t.is(parseRange(many, 1000).kind, "full");
  t.is(parseRange(many, 1000, { maxRanges: 32 }).kind, "partial");
});

test("Content-Range gives the length, or * while the recording is still being written", (t) => {
  t.is(contentRange({ start: 0, end: 499 }, 1234), "bytes 0-499/1234");
  t.is(contentRange({ start: 0, end: 499 }, 1234, { complete: false }), "bytes 0-499/*");
  t.is(rangeLength({ start: 10, end: 19 }), 10);
});

test("a file that grows between requests serves the new bytes to an open-ended range", (t) => {
  t.deepEqual(parseRange("bytes=800-", 1000), { kind: "partial", ranges: [{ start: 800, end: 999 }] });
  t.deepEqual(parseRange("bytes=800-", 4000), { kind: "partial", ranges: [{ start: 800, end: 3999 }] });
});
