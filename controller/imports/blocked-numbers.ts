/**
 * Blocked numbers from CSV (500,000 rows per facility is the spec's floor: "The blocked number
 * database shall retain a minimum of five hundred-thousand (500,000) telephone numbers per
 * institution/camp"). Columns: number, reason, and optionally range_end, category
 * (general|specific, default specific), set_by. The facility (or null: agency-wide) and the
 * default set_by come from the caller.
 */
import { type BlockInput, blockRowOf } from "../domain/numbers.ts";
import { DomainError } from "../domain/errors.ts";
import { assertInScope, type FacilityScope, newId } from "../domain/scope.ts";
import { bulkInsert } from "../store/bulk.ts";
import type { DomainStore } from "../store/domain-store.ts";
import { parseCsv } from "./csv.ts";
import { type Checked, type ImportOptions, type ImportReport, runImport } from "./report.ts";

export interface BlockedImportTarget {
  facilityId: string | null;
  setBy: string;
  now: number;
}

const BLOCK_COLUMNS = [
  "id",
  "facility_id",
  "kind",
  "number",
  "range_end",
  "pattern",
  "category",
  "reason",
  "set_by",
  "by_called_party",
  "created_at",
] as const;

export async function importBlockedNumbers(
  ds: DomainStore,
  scope: FacilityScope,
  csv: string,
  target: BlockedImportTarget,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  if (target.facilityId !== null) assertInScope(scope, target.facilityId, "facility");
  else {
    const all = await ds.db.selectFrom("facilities").select("id").execute();
    if (all.some((f) => !scope.has(f.id)))
      throw new DomainError("not-found", "agency-wide lists need access to every facility");
  }
  // Rows go straight to arrays in BLOCK_COLUMNS order: at 500,000 rows every intermediate
  // object shows up as garbage-collection time.
  const checked: Checked<unknown[]>[] = [];
  // One id prefix per import plus a fixed-width counter: unique, far cheaper than a UUID per row,
  // and in sorted order so the primary-key index is appended to rather than split.
  const prefix = newId().replaceAll("-", "").slice(0, 12);
  let n = 0;
  const records = parseCsv(csv);
  const header = records.next();
  const cols = header.done ? [] : header.value.fields.map((h) => h.trim().toLowerCase());
  const at = (name: string) => cols.indexOf(name);
  const iNumber = at("number");
  const iReason = at("reason");
  const iCategory = at("category");
  const iRangeEnd = at("range_end");
  const iSetBy = at("set_by");
  const field = (f: string[], i: number) => (i < 0 ? "" : (f[i] ?? "").trim());
  for (const { line, fields } of records) {
    try {
      if (iNumber < 0 || iReason < 0) throw new Error("the header needs number and reason columns");
      const category = field(fields, iCategory) || "specific";
      if (category !== "general" && category !== "specific")
        throw new Error(`category "${category}" is not general or specific`);
      const reason = field(fields, iReason);
      if (!reason) throw new Error("reason is empty");
      const rangeEnd = field(fields, iRangeEnd);
      const input: BlockInput = {
        facilityId: target.facilityId,
        kind: rangeEnd ? "range" : "number",
        number: field(fields, iNumber),
        category,
        reason,
        setBy: field(fields, iSetBy) || target.setBy,
        ...(rangeEnd ? { rangeEnd } : {}),
      };
      const b = blockRowOf(input, target.now, false, `${prefix}-${(n++).toString(36).padStart(6, "0")}`);
      checked.push({
        ok: true,
        line,
        value: [
          b.id,
          b.facilityId,
          b.kind,
          b.number,
          b.rangeEnd,
          b.pattern,
          b.category,
          b.reason,
          b.setBy,
          b.byCalledParty,
          b.createdAt,
        ],
      });
    } catch (err) {
      checked.push({ ok: false, line, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const report = await runImport(
    ds.db,
    "blocked numbers",
    checked,
    { batchSize: 2000, ...opts },
    (tx, batch) => bulkInsert(ds, tx, "blocked_numbers", BLOCK_COLUMNS, batch, batch.length),
    started,
  );
  ds.changed(target.facilityId, "blocks");
  return report;
}
