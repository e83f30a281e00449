/**
 * The blocked-number index a facility snapshot holds: specific numbers in a sorted
 * Float64Array (binary search, O(log n): 500,000 numbers cost 19 comparisons and 4 MB),
 * ranges as sorted intervals, and general patterns ("Call Blocking": 900/976 and other
 * premium NPAs, 411/911 and other N11 codes, 0+ and operators, carrier access 101XXXX and
 * 950-XXXX) as small sets.
 */
import type { Dialled } from "./dialled.ts";
import { numberKey } from "./dialled.ts";
import { invalid } from "./errors.ts";

export type BlockCategory = "general" | "specific";

/** Why a number is blocked; interned, since 500,000 rows share a handful of these. */
export interface BlockInfo {
  /** The row id; absent for single numbers loaded into a snapshot (look them up by number). */
  id?: string;
  category: BlockCategory;
  reason: string;
  setBy: string;
  byCalledParty: boolean;
  /** null: every facility of the agency. */
  facilityId: string | null;
  /** For patterns and ranges, what matched. */
  pattern?: string;
}

/**
 * General patterns:
 * `operator` (0, 0+), `carrier-access` (101XXXX), `n11` or `n11:411`, `npa:900` (a whole area
 * code), `nxx:950` (an exchange in every area code, e.g. 950-XXXX), `prefix:+52` (E.164 prefix).
 */
export const PATTERN_SYNTAX =
  /^(operator|carrier-access|n11|n11:[2-9]11|npa:[2-9]\d\d|nxx:[2-9]\d\d|prefix:\+\d{1,14})$/;

export function validatePattern(p: string): void {
  if (!PATTERN_SYNTAX.test(p))
    throw invalid(
      `block pattern "${p}" is not one of operator, carrier-access, n11[:N11], npa:NXX, nxx:NXX, prefix:+digits`,
    );
}

export interface BlockRow {
  id?: string;
  facilityId: string | null;
  kind: "number" | "range" | "pattern";
  number: string | null;
  rangeEnd: string | null;
  pattern: string | null;
  category: BlockCategory;
  reason: string;
  setBy: string;
  byCalledParty: boolean;
}

/** The general blocks every new agency starts with (editable like any other block). */
export const DEFAULT_GENERAL_BLOCKS: ReadonlyArray<{ pattern: string; reason: string }> = [
  { pattern: "operator", reason: "operator and 0+ calls" },
  { pattern: "carrier-access", reason: "long distance carrier access codes (101XXXX)" },
  { pattern: "nxx:950", reason: "carrier access numbers (950-XXXX)" },
  { pattern: "n11", reason: "service codes (411, 911 and other N11)" },
  { pattern: "npa:900", reason: "premium-rate numbers (900)" },
  { pattern: "npa:976", reason: "premium-rate numbers (976)" },
  { pattern: "npa:809", reason: "809 numbers (premium-rate scams to the Caribbean)" },
  { pattern: "npa:800", reason: "toll-free numbers cannot accept collect calls (800)" },
  { pattern: "npa:833", reason: "toll-free numbers cannot accept collect calls (833)" },
  { pattern: "npa:844", reason: "toll-free numbers cannot accept collect calls (844)" },
  { pattern: "npa:855", reason: "toll-free numbers cannot accept collect calls (855)" },
  { pattern: "npa:866", reason: "toll-free numbers cannot accept collect calls (866)" },
  { pattern: "npa:877", reason: "toll-free numbers cannot accept collect calls (877)" },
  { pattern: "npa:888", reason: "toll-free numbers cannot accept collect calls (888)" },
];

/** What a built index holds; `BlockIndexBuilder.finish()` produces it. */
interface BlockIndexParts {
  keys: Float64Array;
  infoOf: Uint32Array;
  infos: BlockInfo[];
  ranges: Array<{ s: number; e: number; info: BlockInfo }>;
  patterns: ReadonlyMap<string, BlockInfo>;
  prefixes: ReadonlyArray<{ prefix: string; info: BlockInfo }>;
}

/**
 * Element moves between two yields of `finish()`: a few hundred microseconds of work, so the
 * caller's time check (not this count) decides when to hand the loop back.
 */
const MOVES_PER_STEP = 16_384;

/**
 * Builds a BlockIndex a piece at a time, so a caller on the event loop can read rows in pages and
 * yield between them (load-snapshot.ts): `add()` costs a few microseconds a row, and `finish()`
 * is a generator whose every `yield` is a point where the caller may let other work run. The
 * sort is a bottom-up merge sort written out here because `Array.prototype.sort` on 500,000
 * numbers is one uninterruptible call of several hundred milliseconds.
 */
export class BlockIndexBuilder {
  private readonly interned = new Map<string, number>();
  private readonly infos: BlockInfo[] = [];
  private readonly numKeys: number[] = [];
  private readonly numInfo: number[] = [];
  private readonly ranges: Array<{ s: number; e: number; info: BlockInfo }> = [];
  private readonly patterns = new Map<string, BlockInfo>();
  private readonly prefixes: Array<{ prefix: string; info: BlockInfo }> = [];

  /** Rows added so far. */
  rows = 0;

  private last: BlockRow | undefined;
  private lastInfo = 0;

  private intern(r: BlockRow): number {
    // An import's rows mostly repeat the row before: reuse its info without building the key
    // string (one string per row is garbage the collector then pauses the loop for).
    const p = this.last;
    if (
      p &&
      p.category === r.category &&
      p.reason === r.reason &&
      p.setBy === r.setBy &&
      p.byCalledParty === r.byCalledParty &&
      p.facilityId === r.facilityId
    )
      return this.lastInfo;
    this.last = r;
    this.lastInfo = this.internKey(r);
    return this.lastInfo;
  }

  private internKey(r: BlockRow): number {
    // Rows that differ only by id share one info; the id kept is the first seen.
    const k = `${r.category}\u0000${r.reason}\u0000${r.setBy}\u0000${r.byCalledParty ? 1 : 0}\u0000${r.facilityId ?? ""}`;
    let i = this.interned.get(k);
    if (i === undefined) {
      i = this.infos.length;
      this.infos.push({
        id: r.id,
        category: r.category,
        reason: r.reason,
        setBy: r.setBy,
        byCalledParty: r.byCalledParty,
        facilityId: r.facilityId,
      });
      this.interned.set(k, i);
    }
    return i;
  }

  add(r: BlockRow): void {
    this.rows++;
    if (r.kind === "number" && r.number) {
      this.numKeys.push(numberKey(r.number));
      this.numInfo.push(this.intern(r));
    } else if (r.kind === "range" && r.number && r.rangeEnd) {
      this.ranges.push({
        s: numberKey(r.number),
        e: numberKey(r.rangeEnd),
        info: { ...this.infos[this.intern(r)]!, id: r.id, pattern: `${r.number}–${r.rangeEnd}` },
      });
    } else if (r.kind === "pattern" && r.pattern) {
      const info: BlockInfo = {
        id: r.id,
        category: r.category,
        reason: r.reason,
        setBy: r.setBy,
        byCalledParty: r.byCalledParty,
        facilityId: r.facilityId,
        pattern: r.pattern,
      };
      if (r.pattern.startsWith("prefix:")) this.prefixes.push({ prefix: r.pattern.slice(7), info });
      else if (!this.patterns.has(r.pattern)) this.patterns.set(r.pattern, info);
    }
  }

  /**
   * Sorts the numbers (stable: equal numbers keep the order they were added in) and packs them
   * into the index's typed arrays, yielding every few thousand element moves.
   */
  *finish(): Generator<void, BlockIndex, void> {
    return new BlockIndex(yield* this.parts());
  }

  /** Internal to this module: the sorted, packed arrays (BlockIndex's constructor runs it in one go). */
  *parts(): Generator<void, BlockIndexParts, void> {
    const n = this.numKeys.length;
    let keys = new Float64Array(n);
    let info = new Uint32Array(n);
    let sorted = true;
    for (let i = 0; i < n; i++) {
      keys[i] = this.numKeys[i] as number;
      info[i] = this.numInfo[i] as number;
      if (i > 0 && (keys[i - 1] as number) > (keys[i] as number)) sorted = false;
      if (i % MOVES_PER_STEP === MOVES_PER_STEP - 1) yield;
    }
    this.numKeys.length = 0;
    this.numInfo.length = 0;
    if (!sorted) {
      let keysTo = new Float64Array(n);
      let infoTo = new Uint32Array(n);
      let moves = 0;
      for (let width = 1; width < n; width *= 2) {
        for (let lo = 0; lo < n; lo += 2 * width) {
          const mid = Math.min(lo + width, n);
          const hi = Math.min(lo + 2 * width, n);
          let a = lo;
          let b = mid;
          for (let o = lo; o < hi; o++) {
            // "<=" takes the left run first on ties: the merge is stable.
            if (a < mid && (b >= hi || (keys[a] as number) <= (keys[b] as number))) {
              keysTo[o] = keys[a] as number;
              infoTo[o] = info[a++] as number;
            } else {
              keysTo[o] = keys[b] as number;
              infoTo[o] = info[b++] as number;
            }
          }
          moves += hi - lo;
          if (moves >= MOVES_PER_STEP) {
            moves = 0;
            yield;
          }
        }
        [keys, keysTo] = [keysTo, keys];
        [info, infoTo] = [infoTo, info];
      }
    }
    this.ranges.sort((a, b) => a.s - b.s);
    return {
      keys,
      infoOf: info,
      infos: this.infos,
      ranges: this.ranges,
      patterns: this.patterns,
      prefixes: this.prefixes,
    };
  }
}

export class BlockIndex {
  private readonly keys: Float64Array;
  private readonly infoOf: Uint32Array;
  private readonly infos: BlockInfo[];
  private readonly rangeStart: Float64Array;
  private readonly rangeEnd: Float64Array;
  private readonly rangeMaxEnd: Float64Array;
  private readonly rangeInfo: BlockInfo[];
  private readonly patterns: ReadonlyMap<string, BlockInfo>;
  private readonly prefixes: ReadonlyArray<{ prefix: string; info: BlockInfo }>;
  /** Single numbers added since the arrays were built (see withNumbers). */
  private overlay: ReadonlyMap<number, BlockInfo> = new Map();

  /** An index of `rows`, built in one go (tests, small lists); see BlockIndexBuilder for large ones. */
  constructor(rows: Iterable<BlockRow> | BlockIndexParts) {
    let parts: BlockIndexParts;
    if (isParts(rows)) parts = rows;
    else {
      const b = new BlockIndexBuilder();
      for (const r of rows) b.add(r);
      const steps = b.parts();
      let step = steps.next();
      while (!step.done) step = steps.next();
      parts = step.value;
    }
    this.keys = parts.keys;
    this.infoOf = parts.infoOf;
    this.infos = parts.infos;
    this.patterns = parts.patterns;
    this.prefixes = parts.prefixes;
    const ranges = parts.ranges;
    this.rangeStart = Float64Array.from(ranges, (r) => r.s);
    this.rangeEnd = Float64Array.from(ranges, (r) => r.e);
    this.rangeMaxEnd = new Float64Array(ranges.length);
    let mx = Number.NEGATIVE_INFINITY;
    ranges.forEach((r, i) => {
      mx = Math.max(mx, r.e);
      this.rangeMaxEnd[i] = mx;
    });
    this.rangeInfo = ranges.map((r) => r.info);
  }

  /** Single numbers and ranges held (patterns not counted). */
  get size(): number {
    return this.keys.length + this.overlay.size;
  }

  /** How many numbers were added on top of the built arrays (0 right after a full build). */
  get added(): number {
    return this.overlay.size;
  }

  /**
   * A new index with extra single-number blocks, sharing this one's arrays: adding a called
   * party's block costs a map entry instead of rebuilding 500,000 numbers. Other kinds of row
   * need a full build and are refused here.
   */
  withNumbers(rows: readonly BlockRow[]): BlockIndex {
    const overlay = new Map(this.overlay);
    for (const r of rows) {
      if (r.kind !== "number" || !r.number) throw new Error("withNumbers takes single-number blocks only");
      const k = numberKey(r.number);
      const had = overlay.get(k);
      if (had?.byCalledParty) continue;
      overlay.set(k, {
        id: r.id,
        category: r.category,
        reason: r.reason,
        setBy: r.setBy,
        byCalledParty: r.byCalledParty,
        facilityId: r.facilityId,
      });
    }
    const next = Object.assign(Object.create(BlockIndex.prototype) as BlockIndex, this);
    next.overlay = overlay;
    return next;
  }

  /** The general pattern blocking a dialled string, if any. */
  general(d: Dialled): BlockInfo | undefined {
    switch (d.kind) {
      case "operator":
        return this.patterns.get("operator");
      case "carrier-access":
        return this.patterns.get("carrier-access");
      case "n11":
        return this.patterns.get(`n11:${d.code}`) ?? this.patterns.get("n11");
      case "nanp":
        return this.patterns.get(`npa:${d.npa}`) ?? this.patterns.get(`nxx:${d.nxx}`) ?? this.prefix(d.e164);
      case "international":
        return this.prefix(d.e164);
      default:
        return undefined;
    }
  }

  private prefix(e164: string): BlockInfo | undefined {
    for (const p of this.prefixes) if (e164.startsWith(p.prefix)) return p.info;
    return undefined;
  }

  /** A specific block (single number first, then ranges) on an E.164 number. */
  specific(e164: string): BlockInfo | undefined {
    const k = numberKey(e164);
    const extra = this.overlay.size ? this.overlay.get(k) : undefined;
    if (extra?.byCalledParty) return extra;
    return this.built(k) ?? extra;
  }

  private built(k: number): BlockInfo | undefined {
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.keys[mid] as number;
      if (v < k) lo = mid + 1;
      else if (v > k) hi = mid - 1;
      else {
        // Equal keys are adjacent: prefer a called party's own block so it is reported as such.
        let i = mid;
        while (i > 0 && this.keys[i - 1] === k) i--;
        let first: BlockInfo | undefined;
        for (; i < this.keys.length && this.keys[i] === k; i++) {
          const info = this.infos[this.infoOf[i] as number] as BlockInfo;
          if (info.byCalledParty) return info;
          first ??= info;
        }
        return first;
      }
    }
    return this.range(k);
  }

  private range(k: number): BlockInfo | undefined {
    // Last range starting at or before k; walk back only while an earlier range could reach k.
    let lo = 0;
    let hi = this.rangeStart.length - 1;
    let idx = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.rangeStart[mid] as number) <= k) {
        idx = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let i = idx; i >= 0 && (this.rangeMaxEnd[i] as number) >= k; i--) {
      if ((this.rangeEnd[i] as number) >= k) return this.rangeInfo[i];
    }
    return undefined;
  }
}

function isParts(x: Iterable<BlockRow> | BlockIndexParts): x is BlockIndexParts {
  return !(Symbol.iterator in x) && "keys" in x;
}
