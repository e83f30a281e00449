/**
 * Long operations (imports) run as jobs the UI polls for progress. A job belongs to the user
 * who started it; finished jobs are kept for an hour so the result can be read back.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../telephony/clock.ts";
import type { DomainError } from "../domain/errors.ts";
import type { ImportReport, RejectedRow } from "../imports/report.ts";

export interface ImportJob {
  id: string;
  ownerId: string;
  kind: string;
  state: "running" | "done" | "failed";
  /** What the running job is doing: checking every row, then writing them. */
  phase: "checking" | "writing";
  done: number;
  total: number;
  written: number;
  rejected: RejectedRow[];
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const keepMs = 3_600_000;
/** Rejected rows kept per job: enough to fix a file, bounded so a bad 500,000-row file stays small. */
const maxRejected = 200;

export class ImportJobs {
  private readonly jobs = new Map<string, { job: ImportJob; finishedMs: number | null }>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Starts `run` in the background and returns the job at once. */
  start(
    ownerId: string,
    kind: string,
    run: (onProgress: (phase: ImportJob["phase"], done: number, total: number) => void) => Promise<ImportReport>,
    onFinish: (job: ImportJob) => Promise<void> = async () => {},
  ): ImportJob {
    this.prune();
    const job: ImportJob = {
      id: randomUUID(),
      ownerId,
      kind,
      state: "running",
      phase: "checking",
      done: 0,
      total: 0,
      written: 0,
      rejected: [],
      error: null,
      startedAt: new Date(this.clock.now()).toISOString(),
      finishedAt: null,
    };
    const entry = { job, finishedMs: null as number | null };
    this.jobs.set(job.id, entry);
    const finish = () => {
      entry.finishedMs = this.clock.now();
      job.finishedAt = new Date(entry.finishedMs).toISOString();
      return onFinish(job).catch(() => undefined);
    };
    // Let the caller answer before the import starts working.
    setImmediate(() => {
      run((phase, done, total) => {
        job.phase = phase;
        job.done = done;
        job.total = total;
      }).then(
        (report) => {
          job.state = "done";
          job.total = report.total;
          job.done = report.total;
          job.written = report.written;
          job.rejected = report.rejected.slice(0, maxRejected);
          return finish();
        },
        (err: unknown) => {
          job.state = "failed";
          const report = (err as DomainError | undefined)?.details as ImportReport | undefined;
          if (report && Array.isArray(report.rejected)) {
            job.total = report.total;
            job.rejected = report.rejected.slice(0, maxRejected);
          }
          job.error = err instanceof Error ? err.message : String(err);
          return finish();
        },
      );
    });
    return job;
  }

  get(id: string): ImportJob | undefined {
    return this.jobs.get(id)?.job;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [id, e] of this.jobs) if (e.finishedMs !== null && now - e.finishedMs > keepMs) this.jobs.delete(id);
  }
}
