/**
 * Starts SIPp (package sip-tester) for interop tests: in its own temp directory (with the
 * `pcap -> /usr/share/sip-tester` link its scenarios expect), in the foreground, so the PID we
 * hold is SIPp's own. Stop it with `stop()` (kills by PID) in the test's teardown.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SippOptions {
  /** Arguments after `sipp` (scenario, addresses, -m, ...). `-nostdin` is added. */
  args: string[];
  /** A scenario file written into the run directory; pass `-sf scenario.xml` in args to use it. */
  scenario?: { name: string; xml: string };
  /** Kill SIPp if it has not exited after this long. Default 30 s. */
  timeoutMs?: number;
}

export interface SippRun {
  pid: number;
  dir: string;
  /** Resolves when SIPp exits: its exit code (0 = every call succeeded) and output. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  stop(): void;
}

export function startSipp(opts: SippOptions): SippRun {
  const dir = mkdtempSync(join(tmpdir(), "sipp-"));
  try {
    symlinkSync("/usr/share/sip-tester", join(dir, "pcap"));
  } catch {
    // The link is only needed by scenarios that play pcap files.
  }
  if (opts.scenario) writeFileSync(join(dir, opts.scenario.name), opts.scenario.xml);
  const child: ChildProcess = spawn("sipp", [...opts.args, "-nostdin"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout = (stdout + d.toString()).slice(-20000);
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20000);
  });
  const timer = setTimeout(() => stop(), opts.timeoutMs ?? 30_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => {
      child.on("error", (e) => {
        clearTimeout(timer);
        resolve({ code: -1, signal: null, stdout, stderr: `${stderr}\n${e.message}` });
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    },
  );
  function stop(): void {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  void exited.then(() => rmSync(dir, { recursive: true, force: true }));
  return { pid: child.pid ?? -1, dir, exited, stop };
}

/** A port free for both UDP and TCP on `host` right now (bind port 0, read it, release it). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, host, () => {
        const a = s.address();
        const p = a && typeof a === "object" ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = createSocket("udp4");
      u.once("error", () => resolve(false));
      u.bind(port, host, () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error("no free port found");
}
