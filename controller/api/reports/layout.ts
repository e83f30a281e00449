/**
 * A saved layout applied to a report's run: the chosen columns in the chosen order, the rows in
 * the chosen sort sequence (up to five levels). General Report Capabilities: "Customization
 * includes report information (content) and the information sorting sequence and presentation."
 */
import { DateTime } from "luxon";
import type { SortKey } from "../../store/saved-report-store.ts";
import { badRequest } from "../errors.ts";
import type { ReportResult } from "../schemas/reports.ts";
import { type Cell, type ReportDefinition, totalsOf } from "./report.ts";

/** The spec asks for a sorting sequence; five levels is what staff asked of the old system's report writer. */
export const MAX_SORT_KEYS = 5;

/** Refuses columns or sort keys the base report does not answer, naming them. */
export function checkLayout(def: ReportDefinition, columns: readonly string[], sort: readonly SortKey[]): void {
  const known = new Set(def.columnKeys);
  const unknownColumns = columns.filter((c) => !known.has(c));
  if (unknownColumns.length) {
    throw badRequest(
      `Report ${def.id} has no column ${unknownColumns.join(", ")}; its columns are ${def.columnKeys.join(", ")}.`,
      unknownColumns.map((c) => ({ path: "/columns", message: `unknown column ${c}` })),
    );
  }
  if (new Set(columns).size !== columns.length) throw badRequest("A column is chosen twice.");
  if (columns.length === 0) throw badRequest("Choose at least one column.");
  const unknownSort = sort.map((s) => s.key).filter((k) => !known.has(k));
  if (unknownSort.length) {
    throw badRequest(
      `Report ${def.id} cannot be sorted by ${unknownSort.join(", ")}; its columns are ${def.columnKeys.join(", ")}.`,
      unknownSort.map((c) => ({ path: "/sort", message: `unknown sort key ${c}` })),
    );
  }
  if (sort.length > MAX_SORT_KEYS) throw badRequest(`At most ${MAX_SORT_KEYS} sort levels.`);
  if (new Set(sort.map((s) => s.key)).size !== sort.length) throw badRequest("A column is sorted on twice.");
}

/** `sign` -1 sorts descending; empty cells sort last whichever the direction, so a descending sort still leads with values. */
function compareCells(a: Cell | undefined, b: Cell | undefined, sign: number): number {
  const ea = a === null || a === undefined || a === "";
  const eb = b === null || b === undefined || b === "";
  if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return sign * (a - b);
  return sign * String(a).localeCompare(String(b), "en", { numeric: true });
}

/**
 * The run with only the chosen columns, in their order, sorted by the sort keys (stable: rows
 * equal on every key keep the base report's order). Sorting moves rows away from the subtotal
 * lines that summed them, so a sorted layout leaves the subtotal lines out; totals are counted
 * again over the columns kept.
 */
export function applyLayout(run: ReportResult, columns: readonly string[], sort: readonly SortKey[]): ReportResult {
  const index = new Map(run.columns.map((c, i) => [c.key, i]));
  const picked = columns.filter((k) => index.has(k)).map((k) => index.get(k)!);
  let rows = run.rows.map((r, i) => ({ r, i }));
  const subtotals = new Set(run.subtotalRows);
  if (sort.length) {
    rows = rows.filter((x) => !subtotals.has(x.i));
    const keys = sort
      .filter((s) => index.has(s.key))
      .map((s) => ({ at: index.get(s.key)!, sign: s.dir === "desc" ? -1 : 1 }));
    rows.sort((x, y) => {
      for (const k of keys) {
        const c = compareCells(x.r[k.at], y.r[k.at], k.sign);
        if (c !== 0) return c;
      }
      return x.i - y.i;
    });
  }
  const outColumns = picked.map((i) => run.columns[i]!);
  const outRows = rows.map((x) => picked.map((i) => x.r[i] ?? null));
  const subtotalRows = sort.length ? [] : rows.flatMap((x, j) => (subtotals.has(x.i) ? [j] : []));
  const totals = totalsOf({ columns: outColumns, rows: outRows, subtotalRows: new Set(subtotalRows) });
  return { ...run, columns: outColumns, rows: outRows, subtotalRows, totals };
}

/**
 * The period of a saved report that runs over "the last N days": the N whole days before today
 * in the given time zone, midnight to midnight (so a daily run at 06:00 covers yesterday,
 * 23 or 25 hours long on the days the clocks change).
 */
export function lastDays(days: number, timeZone: string, now: number): { from: string; to: string } {
  const today = DateTime.fromMillis(now, { zone: timeZone }).startOf("day");
  return { from: today.minus({ days }).toUTC().toISO()!, to: today.toUTC().toISO()! };
}
