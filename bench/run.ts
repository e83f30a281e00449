/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and writes
 * docs/benchmarks.md with the machine and the date.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
const failures: string[] = [];
for (const f of files) {
  process.stdout.write(`bench ${f} ...\n`);
  try {
    const mod = (await import(path.join(dir, f))) as BenchModule;
    const rs = await mod.run();
    for (const r of rs) process.stdout.write(`  ${r.name}: ${fmt(r.value)} ${r.unit}\n`);
    results.push(...rs);
  } catch (err) {
    // One benchmark that fails is written down as failed; the others still run.
    const why = err instanceof Error ? err.message : String(err);
    process.stdout.write(`  FAILED: ${why}\n`);
    failures.push(`${f}: ${why}`);
  }
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
if (failures.length > 0) {
  lines.push("Benchmarks that failed in this run (no figures):", "", ...failures.map((f) => `- ${f}`), "");
}
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
const docFile = path.join(dir, "..", "docs", "benchmarks.md");
if (only.length === 0 || !existsSync(docFile)) {
  writeFileSync(docFile, lines.join("\n"));
} else {
  // A partial run replaces only the sections of the areas it measured, and says so.
  const old = readFileSync(docFile, "utf8");
  const measured = new Set(results.map((r) => r.area));
  const sections = old.split(/^(?=## )/m);
  const kept = sections.filter((sec) => !measured.has(sec.match(/^## (.+)$/m)?.[1] ?? ""));
  const fresh = lines
    .join("\n")
    .split(/^(?=## )/m)
    .slice(1);
  const stamp = `(re-measured ${new Date().toISOString().slice(0, 10)} on the same machine kind in a partial run)\n\n`;
  writeFileSync(docFile, [...kept, ...fresh.map((f) => f.replace(/\n\n/, `\n\n${stamp}`))].join(""));
}
