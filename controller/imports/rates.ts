/**
 * Rate tables from CSV: call_type, effective_from (YYYY-MM-DD), per_minute (dollars, e.g.
 * 0.105), and optionally billing_increment_sec (default 60) and termination (dollars, for
 * international). Every row passes the FCC cap check; a row above the cap is rejected with the
 * cap's own explanation.
 */
import { isCallType } from "../domain/call-types.ts";
import { DomainError } from "../domain/errors.ts";
import { assertInScope, type FacilityScope } from "../domain/scope.ts";
import { rateRowOf } from "../rating/rates.ts";
import type { DomainStore } from "../store/domain-store.ts";
import { parseCsvObjects } from "./csv.ts";
import { type Checked, type ImportOptions, type ImportReport, runImport } from "./report.ts";

/** "0.105" dollars → 105 mills; more than three decimals is refused rather than rounded. */
export function dollarsToMills(s: string): number {
  const m = /^\$?(\d+)(?:\.(\d{1,3}))?$/.exec(s.trim());
  if (!m) throw new Error(`"${s}" is not a dollar amount with at most 3 decimals`);
  return Number(m[1]) * 1000 + Number((m[2] ?? "").padEnd(3, "0"));
}

export async function importRates(
  ds: DomainStore,
  scope: FacilityScope,
  facilityId: string,
  csv: string,
  who: { createdBy: string; now: number },
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  assertInScope(scope, facilityId, "facility");
  type Row = Awaited<ReturnType<typeof rateRowOf>>;
  const checked: Checked<Row>[] = [];
  const existing = new Set(
    (
      await ds.db
        .selectFrom("rates")
        .select(["callType", "effectiveFrom"])
        .where("facilityId", "=", facilityId)
        .execute()
    ).map((r) => `${r.callType}@${r.effectiveFrom}`),
  );
  for (const { line, row } of parseCsvObjects(csv)) {
    try {
      const callType = row.call_type ?? "";
      if (!isCallType(callType)) throw new Error(`call_type "${callType}" is not one of the call types`);
      const key = `${callType}@${row.effective_from}`;
      if (existing.has(key)) throw new Error(`a ${callType} rate effective ${row.effective_from} already exists`);
      existing.add(key);
      const value = await rateRowOf(
        ds,
        {
          facilityId,
          callType,
          effectiveFrom: row.effective_from ?? "",
          perMinuteMills: dollarsToMills(row.per_minute ?? ""),
          billingIncrementSec: row.billing_increment_sec ? Number(row.billing_increment_sec) : 60,
          terminationMills: row.termination ? dollarsToMills(row.termination) : 0,
          createdBy: who.createdBy,
        },
        who.now,
      );
      checked.push({ ok: true, line, value });
    } catch (err) {
      checked.push({
        ok: false,
        line,
        reason: err instanceof DomainError || err instanceof Error ? err.message : String(err),
      });
    }
  }
  const report = await runImport(
    ds.db,
    "rates",
    checked,
    opts,
    async (tx, batch) => {
      await tx.insertInto("rates").values(batch).execute();
    },
    started,
  );
  ds.changed(facilityId);
  return report;
}
