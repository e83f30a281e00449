/**
 * Starts baresip (1.0) headless for interop tests: no sound card (audio from a WAV file, played
 * to nowhere), `sndfile` dumping what it sent and heard as WAV files, and `ctrl_tcp` to dial,
 * accept and hang up. Run in the foreground so the PID we hold is baresip's own; `stop()`
 * kills it by PID in the test's teardown.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BaresipEvent {
  type: string;
  class?: string;
  peeruri?: string;
  param?: string;
  [key: string]: unknown;
}

export interface BaresipResponse {
  response: true;
  ok: boolean;
  data: string;
  token?: string;
}

export interface BaresipRun {
  pid: number;
  sipPort: number;
  dir: string;
  /** Where sndfile writes dump-*-enc.wav (sent) and dump-*-dec.wav (heard). */
  dumpDir: string;
  events: BaresipEvent[];
  command(command: string, params?: string): Promise<BaresipResponse>;
  waitEvent(type: string, timeoutMs?: number): Promise<BaresipEvent>;
  /** The dump files written so far. */
  dumps(): { enc: string[]; dec: string[] };
  log(): string;
  /** Kills baresip (SIGKILL by PID) and waits for it to exit. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface BaresipOptions {
  /** Port for SIP (UDP and TCP) on 127.0.0.1. */
  sipPort: number;
  ctrlPort: number;
  /** WAV baresip sends as its microphone (use a long one: the call ends when it ends). */
  audioFile: string;
  /** User part of its account. Default "baresip". */
  user?: string;
  /** Answer incoming calls by itself. Default true. */
  autoAnswer?: boolean;
  /** First RTP port of a small range baresip may use. */
  rtpPort: number;
}

export async function startBaresip(opts: BaresipOptions): Promise<BaresipRun> {
  const dir = mkdtempSync(join(tmpdir(), "baresip-"));
  const dumpDir = join(dir, "dump");
  mkdirSync(dumpDir);
  const user = opts.user ?? "baresip";
  writeFileSync(
    join(dir, "config"),
    [
      "poll_method epoll",
      `sip_listen 127.0.0.1:${opts.sipPort}`,
      "net_interface 127.0.0.1",
      `rtp_ports ${opts.rtpPort}-${opts.rtpPort + 9}`,
      `audio_source aufile,${opts.audioFile}`,
      "audio_player aubridge,nul",
      "audio_alert aubridge,nul",
      "audio_srate 8000",
      "audio_channels 1",
      "module_path /usr/lib/baresip/modules",
      "module g711.so",
      "module aufile.so",
      "module aubridge.so",
      "module sndfile.so",
      `snd_path ${dumpDir}`,
      "module_app account.so",
      "module_app menu.so",
      "module_app ctrl_tcp.so",
      `ctrl_tcp_listen 127.0.0.1:${opts.ctrlPort}`,
      "",
    ].join("\n"),
  );
  const answer = opts.autoAnswer === false ? "manual" : "auto";
  writeFileSync(
    join(dir, "accounts"),
    `<sip:${user}@127.0.0.1>;regint=0;answermode=${answer};audio_codecs=PCMU/8000/1\n`,
  );
  writeFileSync(join(dir, "contacts"), "");
  const child: ChildProcess = spawn("baresip", ["-f", dir, "-v"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-50_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => {
    child.on("exit", () => resolve());
    child.on("error", () => resolve());
  });

  const events: BaresipEvent[] = [];
  const waiters: { type: string; resolve: (e: BaresipEvent) => void }[] = [];
  const pending = new Map<string, (r: BaresipResponse) => void>();
  let token = 0;
  let buffer = "";

  const socket = await connectWithRetry(opts.ctrlPort, 10_000, () => child.exitCode !== null);
  if (!socket) {
    killChild(child);
    await exited;
    throw new Error(`baresip did not start:\n${output}`);
  }
  socket.on("error", () => undefined);
  socket.on("data", (d: Buffer) => {
    buffer += d.toString("utf8");
    // netstring framing: "<len>:<json>,"
    for (;;) {
      const colon = buffer.indexOf(":");
      if (colon < 0) break;
      const len = Number(buffer.slice(0, colon));
      if (!Number.isFinite(len) || buffer.length < colon + 1 + len + 1) break;
      const body = buffer.slice(colon + 1, colon + 1 + len);
      buffer = buffer.slice(colon + 1 + len + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(body) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.response) {
        const t = String(msg.token ?? "");
        pending.get(t)?.(msg as unknown as BaresipResponse);
        pending.delete(t);
      } else if (msg.event) {
        const ev = msg as unknown as BaresipEvent;
        events.push(ev);
        for (const w of [...waiters]) {
          if (w.type === ev.type) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(ev);
          }
        }
      }
    }
  });

  const run: BaresipRun = {
    pid: child.pid ?? -1,
    sipPort: opts.sipPort,
    dir,
    dumpDir,
    events,
    command(command, params) {
      const t = String(++token);
      const json = JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token: t });
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(t);
          reject(new Error(`baresip: no answer to ${command}`));
        }, 10_000);
        pending.set(t, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
        socket.write(`${Buffer.byteLength(json)}:${json},`);
      });
    },
    waitEvent(type, timeoutMs = 10_000) {
      const seen = events.find((e) => e.type === type);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = {
          type,
          resolve: (e: BaresipEvent) => {
            clearTimeout(timer);
            resolve(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`baresip: no ${type} event; saw ${events.map((e) => e.type).join(", ")}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    dumps() {
      const files = readdirSync(dumpDir);
      return {
        enc: files.filter((f) => f.endsWith("-enc.wav")).map((f) => join(dumpDir, f)),
        dec: files.filter((f) => f.endsWith("-dec.wav")).map((f) => join(dumpDir, f)),
      };
    },
    log: () => output,
    async kill() {
      socket.destroy();
      killChild(child);
      await exited;
    },
    async stop() {
      await run.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return run;
}

function killChild(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

async function connectWithRetry(port: number, timeoutMs: number, dead: () => boolean): Promise<Socket | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !dead()) {
    const s = await new Promise<Socket | undefined>((resolve) => {
      const sock = connect(port, "127.0.0.1");
      sock.once("connect", () => resolve(sock));
      sock.once("error", () => {
        sock.destroy();
        resolve(undefined);
      });
    });
    if (s) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
