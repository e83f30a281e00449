/**
 * Runs the test suite with ava's normal output and ends with one plain line, "N passed,
 * N failed", that any CI can read; exits non-zero if any run failed.
 *
 * Without arguments it runs two groups one after the other: everything but the browser tests,
 * then the browser tests (test/web) on their own. The browser tests watch a page change (an
 * import's progress bar moving) and must not share the two cores with the real-time call tests.
 * With arguments, they are passed to a single ava run.
 */
import { spawn } from "node:child_process";

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  code: number;
}

function runAva(args: string[]): Promise<Tally> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["node_modules/ava/entrypoints/cli.mjs", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
    });
    // ava lists each test as "✔ title" or "✘ [fail]: title"; its own summary omits the passed
    // count when anything failed, so the lines are counted as they stream by.
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
      const exit = code ?? (signal ? 1 : 0);
      // A run that failed without naming a test (a crash, a timeout) still counts as a failure.
      resolve({
        passed,
        failed: failed + (exit !== 0 && failed === 0 ? 1 : 0),
        skipped: count(/(\d+) tests? skipped/),
        code: exit,
      });
    });
  });
}

const given = process.argv.slice(2);
const groups = given.length > 0 ? [given] : [["test/**/*.test.ts", "!test/web/**"], ["test/web/**/*.test.ts"]];
const total: Tally = { passed: 0, failed: 0, skipped: 0, code: 0 };
for (const g of groups) {
  const t = await runAva(g);
  total.passed += t.passed;
  total.failed += t.failed;
  total.skipped += t.skipped;
  if (t.code !== 0 && total.code === 0) total.code = t.code;
}
process.stdout.write(
  `\nava: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}\n`,
);
process.exit(total.code);
