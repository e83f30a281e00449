/**
 * The worker thread of an uploaded import (started by import-thread.ts): opens its own
 * connection to the agency's database, checks and writes the file, reports progress, and
 * exits once its connection is closed.
 */
import { parentPort, workerData } from "node:worker_threads";
import { DomainError } from "../domain/errors.ts";
import { openImportStore } from "../store/import-store.ts";
import { importBlockedNumbersInBatches } from "./blocked-numbers.ts";
import type { BlockedImportWork, FromImportWorker } from "./import-thread.ts";

const port = parentPort;
if (!port) throw new Error("import-worker.ts runs as a worker thread (import-thread.ts starts it)");
const work = workerData as BlockedImportWork;
const post = (m: FromImportWorker) => port.postMessage(m);

let outcome: FromImportWorker;
const store = openImportStore(work.config);
try {
  const report = await importBlockedNumbersInBatches(store, work.csv, work.target, {
    ...(work.acceptPartial ? { acceptPartial: true } : {}),
    ...(work.batchSize ? { batchSize: work.batchSize } : {}),
    onProgress: (phase, done, total) => post({ type: "progress", phase, done, total }),
  });
  outcome = { type: "done", report };
} catch (err) {
  outcome =
    err instanceof DomainError
      ? { type: "failed", code: err.code, message: err.message, details: err.details }
      : { type: "failed", code: null, message: err instanceof Error ? err.message : String(err) };
} finally {
  await store.close();
}
post(outcome);
