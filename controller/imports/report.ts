/**
 * Every import reports what it did: rows read, rows written, every rejected row with its line
 * number and reason. By default an import is all or nothing: one rejected row and nothing is
 * written (DomainError "import-rejected" carrying the report). A caller that accepts a partial
 * import says so (acceptPartial) and gets the same report of what was left out.
 */
import type { Kysely, Transaction } from "kysely";
import { DomainError } from "../domain/errors.ts";
import type { DomainDb } from "../store/schema.ts";

export interface RejectedRow {
  line: number;
  reason: string;
}

export interface ImportReport {
  kind: string;
  total: number;
  written: number;
  rejected: RejectedRow[];
  committed: boolean;
  ms: number;
}

export interface ImportOptions {
  /** Called as rows are checked and written: (rows done, total rows). */
  onProgress?: (done: number, total: number) => void;
  acceptPartial?: boolean;
  batchSize?: number;
}

/** What an import is at, for its progress: checking every row, then writing the good ones. */
export type ImportPhase = "checking" | "writing";

/** Validated rows ready to write, or a row's rejection. */
export type Checked<T> = { ok: true; line: number; value: T } | { ok: false; line: number; reason: string };

/** Rows checked and ready: the good ones to write, the rejected ones to report. */
export interface CheckedRows<T> {
  good: T[];
  rejected: RejectedRow[];
  total: number;
}

function splitChecked<T>(checked: Checked<T>[]): CheckedRows<T> {
  const rejected: RejectedRow[] = [];
  const good: T[] = [];
  for (const c of checked) {
    if (c.ok) good.push(c.value);
    else rejected.push({ line: c.line, reason: c.reason });
  }
  return { good, rejected, total: checked.length };
}

/**
 * Refuses the import (DomainError "import-rejected" carrying the report) when a row was
 * rejected and the caller did not accept a partial import; otherwise returns the report to fill.
 */
export function reportOrRefuse(
  kind: string,
  rows: CheckedRows<unknown>,
  opts: { acceptPartial?: boolean },
  started: number,
): ImportReport {
  const { total, rejected } = rows;
  const report: ImportReport = { kind, total, written: 0, rejected, committed: false, ms: 0 };
  if (rejected.length > 0 && !opts.acceptPartial) {
    report.ms = performance.now() - started;
    const first = rejected.slice(0, 3).map((r) => `line ${r.line}: ${r.reason}`);
    throw new DomainError(
      "import-rejected",
      `${kind} import refused: ${rejected.length} of ${total} rows rejected, nothing written (${first.join("; ")}${rejected.length > 3 ? "; …" : ""})`,
      report,
    );
  }
  return report;
}

/**
 * The shared tail of the imports that run in the caller's thread: refuse or proceed, then
 * write in batches inside one transaction, reporting progress. `write` gets each batch.
 */
export async function runImport<T>(
  db: Kysely<DomainDb>,
  kind: string,
  checked: Checked<T>[],
  opts: ImportOptions,
  write: (tx: Transaction<DomainDb>, batch: T[]) => Promise<void>,
  started = performance.now(),
): Promise<ImportReport> {
  return runChecked(db, kind, splitChecked(checked), opts, write, started);
}

export async function runChecked<T>(
  db: Kysely<DomainDb>,
  kind: string,
  rows: CheckedRows<T>,
  opts: ImportOptions,
  write: (tx: Transaction<DomainDb>, batch: T[]) => Promise<void>,
  started = performance.now(),
): Promise<ImportReport> {
  const report = reportOrRefuse(kind, rows, opts, started);
  const { good, total } = rows;
  const batch = opts.batchSize ?? 1000;
  const skipped = total - good.length;
  opts.onProgress?.(skipped, total);
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < good.length; i += batch) {
      const part = good.slice(i, i + batch);
      await write(tx, part);
      report.written += part.length;
      opts.onProgress?.(skipped + report.written, total);
    }
  });
  report.committed = true;
  report.ms = performance.now() - started;
  return report;
}
