/**
 * Runs ava with its normal output and ends with one plain line, "N passed, N failed", that
 * any CI can read; exits with ava's own exit code.
 */
import { spawn } from "node:child_process";

const child = spawn(process.execPath, ["node_modules/ava/entrypoints/cli.mjs", ...process.argv.slice(2)], {
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
});

let tail = "";
const scan = (chunk: Buffer, out: NodeJS.WriteStream) => {
  out.write(chunk);
  tail = (tail + chunk.toString("utf8")).slice(-20000);
};
child.stdout.on("data", (c: Buffer) => scan(c, process.stdout));
child.stderr.on("data", (c: Buffer) => scan(c, process.stderr));

child.on("close", (code, signal) => {
  const count = (re: RegExp) => {
    const m = tail.match(re);
    return m ? Number(m[1]) : 0;
  };
  let passed = count(/(\d+) tests? passed/);
  const failed =
    count(/(\d+) tests? failed/) + count(/(\d+) uncaught exceptions?/) + count(/(\d+) unhandled rejections?/);
  const skipped = count(/(\d+) tests? skipped/);
  // ava prints only "N passed" lines in verbose mode; a lone success line reads "✔ N tests passed".
  if (passed === 0 && failed === 0 && code === 0) passed = count(/(\d+) passed/);
  process.stdout.write(`\nava: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
  process.exit(code ?? (signal ? 1 : 0));
});
