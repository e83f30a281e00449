/**
 * Blocked numbers from CSV (500,000 rows per facility is the spec's floor: "The blocked number
 * database shall retain a minimum of five hundred-thousand (500,000) telephone numbers per
 * institution/camp"). Columns: number, reason, and optionally range_end, category
 * (general|specific, default specific), set_by. The facility (or null: agency-wide) and the
 * default set_by come from the caller.
 *
 * Two ways to run it: importBlockedNumbers in the caller's thread and one transaction (seeding,
 * tests, small lists), and importBlockedNumbersInBatches, which the API runs in a worker thread
 * for uploaded files (docs/controller-domain.md "Imports").
 */
import { type BlockInput, blockRowOf } from "../domain/numbers.ts";
import { DomainError } from "../domain/errors.ts";
import { assertInScope, type FacilityScope, newId } from "../domain/scope.ts";
import { bulkInsert } from "../store/bulk.ts";
import type { DomainStore } from "../store/domain-store.ts";
import { beginImportRun, type ImportStore, removeImportRun } from "../store/import-store.ts";
import { parseCsv } from "./csv.ts";
import {
  type CheckedRows,
  type ImportOptions,
  type ImportPhase,
  type ImportReport,
  type RejectedRow,
  reportOrRefuse,
  runChecked,
} from "./report.ts";

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

/** The facility must be in scope; an agency-wide list needs every facility. */
export async function assertBlockedImportTarget(
  ds: Pick<DomainStore, "db">,
  scope: FacilityScope,
  facilityId: string | null,
): Promise<void> {
  if (facilityId !== null) {
    assertInScope(scope, facilityId, "facility");
    return;
  }
  const all = await ds.db.selectFrom("facilities").select("id").execute();
  if (all.some((f) => !scope.has(f.id)))
    throw new DomainError("not-found", "agency-wide lists need access to every facility");
}

/**
 * One id prefix per import: plain hex, so it also names the import's rows in the import journal
 * (controller/store/import-store.ts).
 */
function newImportRunId(): string {
  return newId().replaceAll("-", "").slice(0, 12);
}

/** Rows checked between two progress reports (a message to the main thread is cheap). */
const checkProgressEvery = 1000;

/**
 * Checks every row. Good rows come back as arrays in BLOCK_COLUMNS order (at 500,000 rows every
 * intermediate object shows up as garbage-collection time), with ids `${runId}-<counter>`: unique,
 * far cheaper than a UUID per row, and in sorted order so the primary-key index is appended to
 * rather than split.
 */
function checkBlockedCsv(
  csv: string,
  target: BlockedImportTarget,
  runId: string,
  onProgress?: (done: number, total: number) => void,
): CheckedRows<unknown[]> {
  const good: unknown[][] = [];
  const rejected: RejectedRow[] = [];
  // Lines, not records (a quoted field may hold a line break): close enough for a progress bar.
  let lines = 0;
  for (let i = csv.indexOf("\n"); i !== -1; i = csv.indexOf("\n", i + 1)) lines++;
  if (csv.length > 0 && !csv.endsWith("\n")) lines++;
  const estimate = Math.max(0, lines - 1);
  let n = 0;
  let total = 0;
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
  onProgress?.(0, estimate);
  for (const { line, fields } of records) {
    total++;
    if (onProgress && total % checkProgressEvery === 0) onProgress(total, Math.max(total, estimate));
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
      const b = blockRowOf(input, target.now, false, `${runId}-${(n++).toString(36).padStart(6, "0")}`);
      good.push([
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
      ]);
    } catch (err) {
      rejected.push({ line, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  onProgress?.(total, total);
  return { good, rejected, total };
}

/** In the caller's thread, in one transaction: for seeding, tests and small lists. */
export async function importBlockedNumbers(
  ds: DomainStore,
  scope: FacilityScope,
  csv: string,
  target: BlockedImportTarget,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  await assertBlockedImportTarget(ds, scope, target.facilityId);
  const rows = checkBlockedCsv(csv, target, newImportRunId());
  const report = await runChecked(
    ds.db,
    "blocked numbers",
    rows,
    { batchSize: 2000, ...opts },
    (tx, batch) => bulkInsert(ds, tx, "blocked_numbers", BLOCK_COLUMNS, batch, batch.length),
    started,
  );
  ds.changed(target.facilityId, "blocks");
  return report;
}

export interface BatchedImportOptions {
  acceptPartial?: boolean;
  /**
   * Rows per transaction, fixed. By default: on PostgreSQL a fiftieth of the file within 500 to
   * 5,000; on SQLite as many as fit in lockHoldMs, measured batch by batch.
   */
  batchSize?: number;
  onProgress?: (phase: ImportPhase, done: number, total: number) => void;
}

/**
 * SQLite has one writer at a time, and a writer on the controller's main thread waits for the
 * lock synchronously, on its event loop: each batch holds the lock about this long (the batch
 * size follows the last batch's time)...
 */
const lockHoldMs = 10;
/**
 * ...then lets it go for at least this long, and no shorter than the batch held it. A waiting
 * writer does not queue: its busy handler sleeps and retries (1, 2, 5, 10, 15, 20, 25, 25, 25 ms,
 * then 50 and 100: SQLite's sqliteDefaultBusyCallback), so a pause no shorter than its 25 ms steps
 * is one it wakes in. On a busy machine the worker can be descheduled while it holds the lock,
 * which is why the hold is kept short. Slowest main-thread write during a 200,000-row import at
 * a load average of 8 to 15 on 2 cores (test/controller/imports/off-thread.test.ts, runs of each):
 * 5,000-row batches, no pause: 233 ms; a 20 ms hold: 36 to 331 ms; 10 ms: 52 to 223 ms; 5 ms: 24
 * to 230 ms, with the import taking about half again as long as at 10 ms. The worst cases are
 * the scheduler's; 10 ms keeps the throughput.
 */
const lockPauseMs = 25;
const firstSqliteBatch = 1000;
const maxBatch = 5000;

/**
 * Checks every row first (a rejected row refuses the whole file before anything is written,
 * unless a partial import is accepted), then writes in batches, each its own short transaction,
 * under an entry in the import journal. If a write fails part-way, the rows already written are
 * taken out again and the error is thrown; if the process dies part-way, the journal lets the
 * next start take them out (recoverInterruptedImports). The caller checks the target's scope
 * (assertBlockedImportTarget) and reports the change to the domain's caches.
 */
export async function importBlockedNumbersInBatches(
  store: ImportStore,
  csv: string,
  target: BlockedImportTarget,
  opts: BatchedImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const runId = newImportRunId();
  const rows = checkBlockedCsv(csv, target, runId, (done, total) => opts.onProgress?.("checking", done, total));
  const report = reportOrRefuse("blocked numbers", rows, opts, started);
  const { good, total } = rows;
  const skipped = total - good.length;
  const sqlite = store.dialect === "sqlite";
  let batch =
    opts.batchSize ?? (sqlite ? firstSqliteBatch : Math.min(maxBatch, Math.max(500, Math.ceil(good.length / 50))));
  opts.onProgress?.("writing", skipped, total);
  if (good.length > 0) {
    await beginImportRun(store.db, {
      id: runId,
      kind: "blocked numbers",
      facilityId: target.facilityId,
      startedAt: target.now,
    });
    try {
      for (let i = 0; i < good.length; ) {
        const part = good.slice(i, i + batch);
        i += part.length;
        const last = i >= good.length;
        const began = performance.now();
        await store.db.transaction().execute(async (tx) => {
          await bulkInsert(store, tx, "blocked_numbers", BLOCK_COLUMNS, part, part.length);
          // The journal entry goes with the last rows: committed together, the import is complete.
          if (last) await tx.deleteFrom("importRuns").where("id", "=", runId).execute();
        });
        const held = performance.now() - began;
        report.written += part.length;
        opts.onProgress?.("writing", skipped + report.written, total);
        if (sqlite && !last) {
          if (opts.batchSize === undefined)
            batch = Math.min(maxBatch, Math.max(100, Math.round((part.length * lockHoldMs) / Math.max(held, 1))));
          // A batch slowed by a busy machine held the lock longer: the pause grows with it.
          await new Promise((r) => setTimeout(r, Math.max(lockPauseMs, held)));
        }
      }
    } catch (err) {
      const written = report.written;
      report.written = 0;
      const why = err instanceof Error ? err.message : String(err);
      let undone: string;
      try {
        await removeImportRun(store.db, runId, "blocked numbers");
        undone = `the ${written} rows written were taken out again`;
      } catch (undoErr) {
        undone = `taking the ${written} rows written out again failed (${undoErr instanceof Error ? undoErr.message : String(undoErr)}); the next start of the controller takes them out`;
      }
      throw new Error(`blocked numbers import failed after ${written} of ${good.length} rows: ${why}; ${undone}`, {
        cause: err,
      });
    }
  }
  report.committed = true;
  report.ms = performance.now() - started;
  return report;
}
