/**
 * Starts Kamailio (5.6) as a proxy/registrar for interop tests: config written to a temp
 * directory, run in the foreground (`-DD -E`) so the PID we hold is the main process; stop it
 * with `stop()` (kills by PID) in the test's teardown.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface KamailioRun {
  pid: number;
  port: number;
  dir: string;
  /** Everything Kamailio logged (stderr), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

const MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/";

/**
 * The minimal registrar + record-routing proxy: REGISTER is saved in usrloc (memory only);
 * everything else is record-routed, in-dialog requests follow their Route (loose routing),
 * initial requests are looked up in the location table and relayed statefully.
 */
export function proxyConfig(host: string, port: number): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
listen=udp:${host}:${port}
listen=tcp:${host}:${port}
mpath="${MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "sanity.so"
modparam("usrloc", "db_mode", 0)
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (!sanity_check()) { exit; }
  if (has_totag()) {
    if (loose_route()) { t_relay(); exit; }
    if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
    sl_send_reply("404", "Not here"); exit;
  }
  if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
  if (is_method("REGISTER")) { save("location"); exit; }
  if (is_method("INVITE")) { record_route(); }
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }
  t_relay();
}
`;
}

export async function startKamailio(opts: { host?: string; port: number; config?: string }): Promise<KamailioRun> {
  const host = opts.host ?? "127.0.0.1";
  const dir = mkdtempSync(join(tmpdir(), "kamailio-"));
  const cfg = join(dir, "kamailio.cfg");
  writeFileSync(cfg, opts.config ?? proxyConfig(host, opts.port));
  const child: ChildProcess = spawn(
    "kamailio",
    ["-DD", "-E", "-f", cfg, "-m", "64", "-M", "8", "-P", join(dir, "kamailio.pid"), "-Y", dir],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const collect = (d: Buffer) => {
    log = (log + d.toString()).slice(-50000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const run: KamailioRun = {
    pid: child.pid ?? -1,
    port: opts.port,
    dir,
    log: () => log,
    stop: async () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, "SIGTERM");
        } catch {
          // already gone
        }
        const killer = setTimeout(() => {
          try {
            if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
          } catch {
            // already gone
          }
        }, 3000);
        await exited;
        clearTimeout(killer);
      }
      // Kamailio's forked workers inherit its stdout and stderr; one still exiting would keep
      // these pipes, and the test process, open.
      child.stdout?.destroy();
      child.stderr?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // Ready when it answers: any SIP response to an OPTIONS probe.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await probe(host, opts.port)) return run;
  }
  await run.stop();
  throw new Error(`kamailio did not start:\n${log}`);
}

function probe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 200);
    s.on("message", () => done(true));
    s.on("error", () => done(false));
    s.bind(0, host, () => {
      const p = s.address().port;
      const msg = [
        `OPTIONS sip:probe@${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${host}:${p};branch=z9hG4bKprobe${Date.now()}`,
        "Max-Forwards: 70",
        `To: <sip:probe@${host}>`,
        `From: <sip:probe@${host}>;tag=probe`,
        `Call-ID: probe-${Date.now()}@${host}`,
        "CSeq: 1 OPTIONS",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n");
      s.send(msg, port, host);
    });
  });
}
