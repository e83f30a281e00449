/**
 * Runs an uploaded import in a worker thread (import-worker.ts) with its own database
 * connection, so parsing, checking and writing a 500,000-row file never hold the controller's
 * event loop (the media bridge, the call flow and the API's progress polls run there). The
 * worker reports progress as messages; the promise settles once the worker has exited.
 */
import { Worker } from "node:worker_threads";
import { DomainError, type DomainErrorCode } from "../domain/errors.ts";
import type { StoreConfig } from "../store/database.ts";
import type { BlockedImportTarget } from "./blocked-numbers.ts";
import type { ImportPhase, ImportReport } from "./report.ts";

/** What the worker is given (structured-cloned into it). */
export interface BlockedImportWork {
  config: StoreConfig;
  csv: string;
  target: BlockedImportTarget;
  acceptPartial?: boolean;
  batchSize?: number;
}

/** What the worker says. */
export type FromImportWorker =
  | { type: "progress"; phase: ImportPhase; done: number; total: number }
  | { type: "done"; report: ImportReport }
  | { type: "failed"; code: DomainErrorCode | null; message: string; details?: unknown };

/**
 * Under tsx (how the controller runs) a worker does not inherit the TypeScript loader: the
 * worker registers it before loading its entry. Built to JavaScript, the entry loads directly.
 */
function startWorker(work: BlockedImportWork): Worker {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const entry = new URL("./import-worker.ts", here).href;
    const tsx = import.meta.resolve("tsx/esm/api");
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true, workerData: work });
  }
  return new Worker(new URL("./import-worker.js", here), { workerData: work });
}

/**
 * Imports blocked numbers in a worker thread. Rejects with the worker's DomainError (a refused
 * file: "import-rejected" with the report of rejected rows) or with an Error for anything else.
 */
export function importBlockedNumbersInWorker(
  work: BlockedImportWork,
  onProgress: (phase: ImportPhase, done: number, total: number) => void,
): Promise<ImportReport> {
  return new Promise((resolve, reject) => {
    let outcome: Extract<FromImportWorker, { type: "done" | "failed" }> | undefined;
    let crashed: Error | undefined;
    const worker = startWorker(work);
    worker.on("message", (m: FromImportWorker) => {
      if (m.type === "progress") onProgress(m.phase, m.done, m.total);
      else outcome = m;
    });
    worker.on("error", (err) => {
      crashed = err;
    });
    worker.on("exit", (code) => {
      if (outcome?.type === "done") resolve(outcome.report);
      else if (outcome?.type === "failed")
        reject(
          outcome.code ? new DomainError(outcome.code, outcome.message, outcome.details) : new Error(outcome.message),
        );
      else reject(crashed ?? new Error(`the import worker stopped (exit code ${code}) before it reported`));
    });
  });
}
