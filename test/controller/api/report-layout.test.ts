/**
 * A saved layout applied to a run: the chosen columns in order, the sort sequence (stable,
 * empty cells last whichever the direction), subtotal lines dropped once the rows are sorted,
 * and the totals counted again over the columns kept.
 */
import test from "ava";
import { applyLayout } from "../../../controller/api/reports/layout.ts";
import { col } from "../../../controller/api/reports/report.ts";
import type { ReportResult } from "../../../controller/api/schemas/reports.ts";

const run = (rows: ReportResult["rows"], subtotalRows: number[] = []): ReportResult => ({
  report: "test",
  title: "Test",
  generatedAt: "2026-03-04T18:00:00.000Z",
  generatedBy: "central",
  terminal: "127.0.0.1",
  criteria: {},
  facilities: [],
  columns: [col("name", "Name"), col("calls", "Calls", "count"), col("charge", "Charge", "money")],
  rows,
  subtotalRows,
  totals: {},
  inmateCount: null,
  truncated: false,
});

test("columns are picked in the layout's order and the totals follow them", (t) => {
  const out = applyLayout(
    run([
      ["b", 2, 100],
      ["a", 1, 50],
    ]),
    ["charge", "name"],
    [],
  );
  t.deepEqual(
    out.columns.map((c) => c.key),
    ["charge", "name"],
  );
  t.deepEqual(out.rows, [
    [100, "b"],
    [50, "a"],
  ]);
  t.deepEqual(out.totals, { charge: 150 });
});

test("a descending sort leads with values and keeps empty cells last; equal rows keep their order", (t) => {
  const out = applyLayout(
    run([
      ["x", null, 1],
      ["y", 3, 2],
      ["z", 10, 3],
      ["w", 3, 4],
    ]),
    ["name", "calls"],
    [{ key: "calls", dir: "desc" }],
  );
  t.deepEqual(
    out.rows.map((r) => r[0]),
    ["z", "y", "w", "x"],
  );
  const asc = applyLayout(
    run([
      ["x", null, 1],
      ["y", 10, 2],
      ["z", 9, 3],
    ]),
    ["name"],
    [{ key: "calls", dir: "asc" }],
  );
  t.deepEqual(
    asc.rows.map((r) => r[0]),
    ["z", "y", "x"],
  );
});

test("a second sort level orders rows equal on the first; text sorts numerically", (t) => {
  const out = applyLayout(
    run([
      ["set 10", 1, 0],
      ["set 9", 1, 0],
      ["set 2", 2, 0],
    ]),
    ["name"],
    [
      { key: "calls", dir: "desc" },
      { key: "name", dir: "asc" },
    ],
  );
  t.deepEqual(
    out.rows.map((r) => r[0]),
    ["set 2", "set 9", "set 10"],
  );
});

test("unsorted, subtotal lines stay where they were; sorted, they are left out", (t) => {
  const base = run(
    [
      ["a", 1, 10],
      ["b", 2, 20],
      ["Subtotal", 3, 30],
    ],
    [2],
  );
  const kept = applyLayout(base, ["name", "calls"], []);
  t.deepEqual(kept.subtotalRows, [2]);
  t.deepEqual(kept.totals, { calls: 3 });
  const sorted = applyLayout(base, ["name", "calls"], [{ key: "calls", dir: "desc" }]);
  t.deepEqual(
    sorted.rows.map((r) => r[0]),
    ["b", "a"],
  );
  t.deepEqual(sorted.subtotalRows, []);
  t.deepEqual(sorted.totals, { calls: 3 });
});
