import test from "ava";
import { parseDialled } from "../../../controller/domain/dialled.ts";
import { BlockIndex, BlockIndexBuilder, type BlockRow } from "../../../controller/domain/number-lists.ts";
import { block } from "./snapshot-fixture.ts";

test("dialled digits are read the one statewide way", (t) => {
  t.like(parseDialled("2001234", "213"), { kind: "nanp", e164: "+12132001234" });
  t.like(parseDialled("(213) 200-1234", "415"), { kind: "nanp", e164: "+12132001234" });
  t.like(parseDialled("12132001234", "415"), { kind: "nanp", e164: "+12132001234" });
  t.like(parseDialled("011442071234567", "213"), { kind: "international", e164: "+442071234567" });
  t.like(parseDialled("0", "213"), { kind: "operator" });
  t.like(parseDialled("411", "213"), { kind: "n11", code: "411" });
  t.like(parseDialled("1010288", "213"), { kind: "carrier-access" });
  t.like(parseDialled("1132001234", "213"), { kind: "invalid" });
  t.like(parseDialled("21320012345", "213"), { kind: "invalid" });
  t.like(parseDialled("12*4", "213"), { kind: "invalid" });
});

test("500,000 specific blocks answer exactly like a Set, in logarithmic time", (t) => {
  let x = 12345;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x;
  };
  const rows: BlockRow[] = [];
  const set = new Set<string>();
  for (let i = 0; i < 500_000; i++) {
    const n = `+1${2000000000 + (rand() % 7999999999)}`;
    if (!/^\+1[2-9]\d\d[2-9]/.test(n)) continue;
    set.add(n);
    rows.push({
      id: `b${i}`,
      facilityId: "f",
      kind: "number",
      number: n,
      rangeEnd: null,
      pattern: null,
      category: "specific",
      reason: i % 2 ? "victim" : "officer",
      setBy: "t",
      byCalledParty: false,
    });
  }
  const idx = new BlockIndex(rows);
  t.is(idx.size, rows.length);
  let mismatches = 0;
  for (let i = 0; i < 20_000; i++) {
    const probe = i % 2 ? (rows[rand() % rows.length]?.number as string) : `+1${2000000000 + (rand() % 7999999999)}`;
    if ((idx.specific(probe) !== undefined) !== set.has(probe)) mismatches++;
  }
  t.is(mismatches, 0);
});

test("overlapping ranges are all found, including one hidden behind a shorter later range", (t) => {
  const idx = new BlockIndex([
    block("range", "2132000000..2132009999", { reason: "wide" }),
    block("range", "2132000100..2132000199", { reason: "narrow" }),
    block("range", "3102000000..3102000000", { reason: "single" }),
  ]);
  t.truthy(idx.specific("+12132000150"));
  t.is(idx.specific("+12132005000")?.reason, "wide");
  t.is(idx.specific("+13102000000")?.reason, "single");
  t.is(idx.specific("+13102000001"), undefined);
  t.is(idx.specific("+12131999999"), undefined);
});

test("numbers added on top of a built index are found, a called party's own block first, without changing the original", (t) => {
  const base = new BlockIndex([block("number", "2132001111", { reason: "victim" })]);
  const next = base.withNumbers([
    block("number", "2132002222", { reason: "officer" }),
    block("number", "2132001111", { reason: "called party", byCalledParty: true }),
  ]);
  t.is(next.specific("+12132002222")?.reason, "officer");
  t.true(next.specific("+12132001111")?.byCalledParty);
  t.is(base.specific("+12132002222"), undefined);
  t.is(next.size, 3);
  t.throws(() => base.withNumbers([block("range", "2132000000..2132000099")]));
});

test("the sliced build sorts every number with its own row, and equal numbers keep the order they were added in", (t) => {
  // 60,000 rows over 20,000 numbers, in a scrambled order, each row with its own reason: a merge
  // that moved a number without its row, or took the later of two equal numbers, shows here.
  const rows: BlockRow[] = [];
  const first = new Map<string, string>();
  for (let i = 0; i < 60_000; i++) {
    const number = `21330${String((i * 7919) % 20_000).padStart(5, "0")}`;
    const reason = `row ${i}`;
    if (!first.has(number)) first.set(number, reason);
    rows.push(block("number", number, { reason }));
  }
  const b = new BlockIndexBuilder();
  for (const r of rows) b.add(r);
  const steps = b.finish();
  let yields = 0;
  let step = steps.next();
  for (; !step.done; step = steps.next()) yields++;
  const idx = step.value;
  t.true(yields > 10, `the build handed the loop back ${yields} times`);
  t.is(idx.size, rows.length);
  let wrong = 0;
  for (const [number, reason] of first) if (idx.specific(`+1${number}`)?.reason !== reason) wrong++;
  t.is(wrong, 0);
  t.is(idx.specific("+12133120000"), undefined);
  // The one-go constructor builds the same index.
  const once = new BlockIndex(rows);
  for (const number of ["2133000000", "2133007919", "2133019999"])
    t.is(once.specific(`+1${number}`)?.reason, idx.specific(`+1${number}`)?.reason);
});
