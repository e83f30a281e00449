/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and writes
 * docs/benchmarks.md with the machine and the date.
 */
import { readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchModule, BenchResult } from "./harness.ts";

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results: BenchResult[] = [];
for (const f of files) {
  process.stdout.write(`bench ${f} ...\n`);
  const mod = (await import(path.join(dir, f))) as BenchModule;
  const rs = await mod.run();
  for (const r of rs) process.stdout.write(`  ${r.name}: ${fmt(r.value)} ${r.unit}\n`);
  results.push(...rs);
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v.toPrecision(3);
}

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const lines = [
  "# Benchmarks",
  "",
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, ${os.cpus().length} cores, ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
  "Written by `npm run bench`; every figure below comes from that one run.",
  "",
];
for (const area of [...new Set(results.map((r) => r.area))]) {
  lines.push(`## ${area}`, "", "| measure | value | anchor | ratio | notes |", "|---|---|---|---|---|");
  for (const r of results.filter((x) => x.area === area)) {
    const ratio = r.anchor
      ? `${(r.anchor.higherIsBetter ? r.value / r.anchor.value : r.anchor.value / r.value).toFixed(2)}× ${
          (r.anchor.higherIsBetter ? r.value >= r.anchor.value : r.value <= r.anchor.value) ? "(meets)" : "(short)"
        }`
      : "";
    const anchor = r.anchor ? `${r.anchor.label}: ${fmt(r.anchor.value)} ${r.unit}` : "";
    lines.push(`| ${r.name} | ${fmt(r.value)} ${r.unit} | ${anchor} | ${ratio} | ${r.notes ?? ""} |`);
  }
  lines.push("");
}
if (only.length === 0) writeFileSync(path.join(dir, "..", "docs", "benchmarks.md"), lines.join("\n"));
else process.stdout.write(`${lines.join("\n")}\n(partial run: docs/benchmarks.md not written)\n`);
