/**
 * What every benchmark module returns. `bench/run.ts` runs each `bench/*.bench.ts`, and writes
 * the figures with the machine and date to docs/benchmarks.md.
 */
import { readFileSync } from "node:fs";

export interface BenchResult {
  /** Which issue area: "telephony", "controller", "firmware", "calls", ... */
  area: string;
  name: string;
  value: number;
  unit: string;
  /** The anchor the issue names, if any, with its value in the same unit. */
  anchor?: { label: string; value: number; higherIsBetter: boolean };
  /** How it was measured (load generator's own CPU, sample size, ...). */
  notes?: string;
}

/**
 * utime + stime of a process or thread, in ms, from a /proc stat file (`/proc/<pid>/stat` for a
 * whole process, `/proc/<pid>/task/<tid>/stat` for one thread); undefined when it is gone or on a
 * system without /proc. Linux counts in USER_HZ (100 per second): 10 ms resolution.
 */
export function cpuMsOf(statFile: string): number | undefined {
  try {
    const stat = readFileSync(statFile, "latin1");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

export type BenchModule = { run(): Promise<BenchResult[]> };

/** Times `fn` `n` times and returns per-call latencies in ms, sorted. */
export async function latencies(n: number, fn: (i: number) => unknown | Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] as number;
}
