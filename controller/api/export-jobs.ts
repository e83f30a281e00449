/**
 * Exports run as jobs like imports: the UI polls progress, then downloads the file. Reporting
 * Tools: "All reported data shall be capable of being stored in an ASCII file format". The
 * file is kept in memory for an hour, for the user who asked for it only.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../telephony/clock.ts";

export interface ExportJob {
  id: string;
  ownerId: string;
  kind: string;
  state: "running" | "done" | "failed";
  done: number;
  total: number;
  error: string | null;
  fileName: string;
  startedAt: string;
  finishedAt: string | null;
}

const keepMs = 3_600_000;

export class ExportJobs {
  private readonly jobs = new Map<string, { job: ExportJob; chunks: string[]; finishedMs: number | null }>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** `run` writes the file with `write` and reports (done, total) as it goes. */
  start(
    ownerId: string,
    kind: string,
    fileName: string,
    run: (write: (text: string) => void, progress: (done: number, total: number) => void) => Promise<void>,
  ): ExportJob {
    const now = this.clock.now();
    for (const [id, e] of this.jobs) if (e.finishedMs !== null && now - e.finishedMs > keepMs) this.jobs.delete(id);
    const job: ExportJob = {
      id: randomUUID(),
      ownerId,
      kind,
      state: "running",
      done: 0,
      total: 0,
      error: null,
      fileName,
      startedAt: new Date(now).toISOString(),
      finishedAt: null,
    };
    const entry = { job, chunks: [] as string[], finishedMs: null as number | null };
    this.jobs.set(job.id, entry);
    const finish = (state: ExportJob["state"], error: string | null) => {
      job.state = state;
      job.error = error;
      entry.finishedMs = this.clock.now();
      job.finishedAt = new Date(entry.finishedMs).toISOString();
    };
    setImmediate(() => {
      run(
        (text) => entry.chunks.push(text),
        (done, total) => {
          job.done = done;
          job.total = total;
        },
      ).then(
        () => finish("done", null),
        (err: unknown) => finish("failed", err instanceof Error ? err.message : String(err)),
      );
    });
    return job;
  }

  get(id: string): ExportJob | undefined {
    return this.jobs.get(id)?.job;
  }

  file(id: string): string | undefined {
    const e = this.jobs.get(id);
    return e && e.job.state === "done" ? e.chunks.join("") : undefined;
  }
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
