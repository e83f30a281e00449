/**
 * Starts SIPp (package sip-tester) for interop tests: in its own temp directory (with the
 * `pcap -> /usr/share/sip-tester` link its scenarios expect), in the foreground, so the PID we
 * hold is SIPp's own. Stop it with `stop()` (kills by PID) in the test's teardown.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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

/**
 * Starts SIPp on ports `choose()` picks, and picks again when SIPp could not bind one of them.
 * A port found free can be taken before SIPp binds it by another test process (a baresip peer's
 * RTP range, another SIPp): SIPp then exits at once with "Address already in use", which is not
 * what the test is about. Resolves once SIPp holds its SIP port and media ports (or has already
 * exited for another reason, which the test then sees in `run.exited`).
 */
export async function startSippOnFreePorts<P extends { sip: number; media?: number }>(
  choose: () => Promise<P>,
  options: (ports: P) => SippOptions,
  attempts = 4,
): Promise<{ run: SippRun; ports: P }> {
  for (let attempt = 1; ; attempt++) {
    const ports = await choose();
    const run = startSipp(options(ports));
    // SIPp binds its media port and the one two above it (RTP/RTCP pairs) at start-up.
    const wanted = ports.media === undefined ? [ports.sip] : [ports.sip, ports.media, ports.media + 2];
    let exited: Awaited<SippRun["exited"]> | undefined;
    void run.exited.then((r) => {
      exited = r;
    });
    const deadline = Date.now() + 10_000;
    while (exited === undefined && Date.now() < deadline && !wanted.every((p) => ownsUdpSocket(run.pid, p))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (exited === undefined) return { run, ports };
    const out = `${exited.stdout}\n${exited.stderr}`;
    if (attempt < attempts && /Address already in use/.test(out)) continue;
    return { run, ports };
  }
}

/** SIPp's own addresses on 127.0.0.1: `-i` and `-p`, and `-mi` and `-mp` when it has a media port. */
export function loopbackArgs(ports: { sip: number; media?: number }): string[] {
  const sip = ["-i", "127.0.0.1", "-p", String(ports.sip)];
  return ports.media === undefined ? sip : [...sip, "-mi", "127.0.0.1", "-mp", String(ports.media)];
}

/** Whether process `pid` holds the UDP socket bound to 127.0.0.1:port. */
export function ownsUdpSocket(pid: number, port: number): boolean {
  // /proc/net/udp: "sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode",
  // addresses as host-order hex (127.0.0.1 is 0100007F on little-endian machines).
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inodes = readFileSync("/proc/net/udp", "latin1")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1] === local)
    .map((f) => f[9]);
  if (inodes.length === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      return inodes.some((inode) => target === `socket:[${inode}]`);
    } catch {
      return false;
    }
  });
}
