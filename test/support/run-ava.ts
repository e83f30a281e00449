/**
 * Runs ava with its normal output and ends with one plain line, "N passed, N failed", that
 * any CI can read; exits with ava's own exit code.
 */
import { spawn } from "node:child_process";

const child = spawn(process.execPath, ["node_modules/ava/entrypoints/cli.mjs", ...process.argv.slice(2)], {
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
});

// ava lists each test as "✔ title" or "✘ [fail]: title"; its own summary omits the passed count
// when anything failed, so the lines are counted as they stream by.
let passedLines = 0;
let failedLines = 0;
let tail = "";
let partial = "";
const scan = (chunk: Buffer, out: NodeJS.WriteStream) => {
  out.write(chunk);
  const text = partial + chunk.toString("utf8");
  const lines = text.split("\n");
  partial = lines.pop() ?? "";
  for (const line of lines) {
    if (/^\s*✔ (?!\d+ tests? passed)/.test(line)) passedLines++;
    else if (/^\s*✘ \[fail\]:/.test(line)) failedLines++;
  }
  tail = (tail + chunk.toString("utf8")).slice(-20000);
};
child.stdout.on("data", (c: Buffer) => scan(c, process.stdout));
child.stderr.on("data", (c: Buffer) => scan(c, process.stderr));

child.on("close", (code, signal) => {
  const count = (re: RegExp) => {
    const m = tail.match(re);
    return m ? Number(m[1]) : 0;
  };
  const passed = Math.max(passedLines, count(/(\d+) tests? passed/));
  const failed = Math.max(
    failedLines,
    count(/(\d+) tests? failed/) + count(/(\d+) uncaught exceptions?/) + count(/(\d+) unhandled rejections?/),
  );
  const skipped = count(/(\d+) tests? skipped/);
  const fatal = code !== 0 && failed === 0 ? 1 : 0;
  process.stdout.write(`\nava: ${passed} passed, ${failed + fatal} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
  process.exit(code ?? (signal ? 1 : 0));
});
