/**
 * Media benchmarks.
 *
 * 1. RTP packets relayed per core: pairs of sessions bridged both ways (no recording); a load
 *    generator in a child process sends 50 packets/s on every leg. Figure: packets received and
 *    re-sent per second of this process's CPU time (not wall time).
 * 2. Concurrent bridged + recorded G.711 calls: each call is two sessions bridged both ways and
 *    recorded stereo to a temp dir; calls are added in steps until loss passes 0.1 % or the
 *    bridge tick falls behind. The generator is a separate Node process with its own core: its
 *    CPU is reported beside the controller's.
 *
 * Loss is counted by sequence numbers on both paths (generator → engine: RTP source loss and
 * late packets dropped by the jitter buffer; engine → generator: gaps seen by the generator),
 * so in-flight packets at a window's edge do not count.
 *
 * This file is also the load generator: with YARDLINE_MEDIA_LOADGEN=1 it runs as the child.
 */
import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SystemClock } from "../telephony/clock.ts";
import { createMediaEngine, type YardlineMediaEngine } from "../telephony/media/engine.ts";
import type { RtpMediaSession } from "../telephony/media/session.ts";
import type { WavRecorder } from "../telephony/media/recorder.ts";
import { type BenchResult, cpuMsOf } from "./harness.ts";

const HOST = "127.0.0.1";
const AREA = "media";

// ---- load generator (child process) ---------------------------------------------------------

type ToChild = { type: "add"; ports: number[] } | { type: "snapshot"; id: number } | { type: "stop" };
type FromChild =
  | { type: "added"; ports: number[] }
  | { type: "snapshot"; id: number; recv: number; lost: number; sent: number; cpuMs: number; wallMs: number };

interface Leg {
  sock: dgram.Socket;
  bufs: Buffer[];
  seq: number;
  ts: number;
  ssrc: number;
  lastSeq: number;
}

async function loadGenerator(): Promise<void> {
  const send = (m: FromChild) => process.send?.(m);
  // a bench that dies (killed, crashed) must not leave its generator sending
  process.on("disconnect", () => process.exit(0));
  // one second of a 1 kHz tone at −10 dBm0, µ-law (G.711 by formula; the child stays lean)
  const frames: Uint8Array[] = [];
  for (let f = 0; f < 50; f++) {
    const fr = new Uint8Array(160);
    for (let i = 0; i < 160; i++)
      fr[i] = ulaw(Math.round(7190 * Math.sin((2 * Math.PI * 1000 * (f * 160 + i)) / 8000)));
    frames.push(fr);
  }
  const legs: Leg[] = [];
  let recv = 0;
  let lost = 0;
  let sent = 0;
  let tick = 0;
  const onMessage = (leg: Leg) => (m: Buffer) => {
    if (m.length < 12) return;
    const seq = (m[2]! << 8) | m[3]!;
    recv++;
    if (leg.lastSeq >= 0) {
      const gap = (seq - leg.lastSeq - 1) & 0xffff;
      if (gap > 0 && gap < 3000) lost += gap;
    }
    leg.lastSeq = seq;
  };
  let next = performance.now() + 20;
  setInterval(() => {
    const now = performance.now();
    let n = 0;
    while (now >= next && n < 5) {
      const frame = frames[tick % 50]!;
      for (const leg of legs) {
        const b = leg.bufs[tick & 3]!;
        b[2] = (leg.seq >> 8) & 0xff;
        b[3] = leg.seq & 0xff;
        b.writeUInt32BE(leg.ts, 4);
        b.set(frame, 12);
        leg.sock.send(b);
        leg.seq = (leg.seq + 1) & 0xffff;
        leg.ts = (leg.ts + 160) >>> 0;
        sent++;
      }
      tick++;
      next += 20;
      n++;
    }
    if (now - next > 100) next = now + 20;
  }, 20);
  let cpu0 = process.cpuUsage();
  let wall0 = performance.now();
  process.on("message", async (msg: ToChild) => {
    if (msg.type === "add") {
      const ports: number[] = [];
      for (const target of msg.ports) {
        const sock = dgram.createSocket("udp4");
        await new Promise<void>((r) => sock.bind(0, HOST, () => r()));
        await new Promise<void>((r) => sock.connect(target, HOST, () => r()));
        sock.on("error", () => {});
        sock.setRecvBufferSize(1 << 20);
        const ssrc = (Math.random() * 0xffffffff) >>> 0;
        const bufs = [0, 1, 2, 3].map(() => {
          const b = Buffer.alloc(172);
          b[0] = 0x80;
          b[1] = 0; // PCMU
          b.writeUInt32BE(ssrc, 8);
          return b;
        });
        const leg: Leg = { sock, bufs, seq: (Math.random() * 65535) | 0, ts: 0, ssrc, lastSeq: -1 };
        sock.on("message", onMessage(leg));
        legs.push(leg);
        ports.push(sock.address().port);
      }
      send({ type: "added", ports });
    } else if (msg.type === "snapshot") {
      const c = process.cpuUsage(cpu0);
      const now = performance.now();
      send({
        type: "snapshot",
        id: msg.id,
        recv,
        lost,
        sent,
        cpuMs: (c.user + c.system) / 1000,
        wallMs: now - wall0,
      });
      cpu0 = process.cpuUsage();
      wall0 = now;
    } else if (msg.type === "stop") {
      process.exit(0);
    }
  });
}

/** G.711 µ-law encoder (ITU-T G.711), for the generator's payload. */
function ulaw(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > 32635) s = 32635;
  s += 0x84;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
  return ~(sign | (exp << 4) | ((s >> (exp + 3)) & 0x0f)) & 0xff;
}

if (process.env.YARDLINE_MEDIA_LOADGEN === "1") {
  await loadGenerator();
}

// ---- controller side ------------------------------------------------------------------------

class Generator {
  private readonly child: ChildProcess;
  private nextId = 1;
  constructor() {
    this.child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
      env: { ...process.env, YARDLINE_MEDIA_LOADGEN: "1" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
  }
  private request<T extends FromChild>(msg: ToChild, match: (m: FromChild) => m is T): Promise<T> {
    return new Promise((resolve) => {
      const on = (m: FromChild) => {
        if (match(m)) {
          this.child.off("message", on);
          resolve(m);
        }
      };
      this.child.on("message", on);
      this.child.send(msg);
    });
  }
  add(ports: number[]): Promise<number[]> {
    return this.request(
      { type: "add", ports },
      (m): m is Extract<FromChild, { type: "added" }> => m.type === "added",
    ).then((m) => m.ports);
  }
  snapshot() {
    const id = this.nextId++;
    return this.request(
      { type: "snapshot", id },
      (m): m is Extract<FromChild, { type: "snapshot" }> => m.type === "snapshot" && m.id === id,
    );
  }
  stop(): void {
    this.child.send({ type: "stop" } satisfies ToChild);
    setTimeout(() => {
      if (this.child.exitCode === null) this.child.kill("SIGKILL");
    }, 2000).unref();
  }
}

const SETUP_BATCH = 25;

interface Call {
  a: RtpMediaSession;
  b: RtpMediaSession;
  rec?: WavRecorder;
}

function answerSdp(port: number): string {
  return `v=0\r\no=- 1 1 IN IP4 ${HOST}\r\ns=-\r\nc=IN IP4 ${HOST}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=sendrecv\r\n`;
}

async function addCalls(
  engine: YardlineMediaEngine,
  gen: Generator,
  calls: Call[],
  n: number,
  recordDir: string | undefined,
): Promise<void> {
  const fresh: Call[] = [];
  // sessions are opened 25 calls at a time: one at a time, binding 200 calls' sockets took over a
  // minute on a busy machine and ate the ramp's time budget (setup is not what is measured)
  for (let i = 0; i < n; i += SETUP_BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(SETUP_BATCH, n - i) }, async () => {
        const [a, b] = await Promise.all([
          engine.createSession({ address: HOST }),
          engine.createSession({ address: HOST }),
        ]);
        return { a, b };
      }),
    );
    fresh.push(...batch);
  }
  const genPorts = await gen.add(fresh.flatMap((c) => [c.a.localPort, c.b.localPort]));
  for (let i = 0; i < fresh.length; i++) {
    const c = fresh[i]!;
    c.a.createOffer();
    c.a.setRemoteAnswer(answerSdp(genPorts[2 * i]!));
    c.b.createOffer();
    c.b.setRemoteAnswer(answerSdp(genPorts[2 * i + 1]!));
    c.a.audio.startTransmit(c.b.audio);
    c.b.audio.startTransmit(c.a.audio);
  }
  if (recordDir) {
    const first = calls.length;
    for (let i = 0; i < fresh.length; i += SETUP_BATCH) {
      await Promise.all(
        fresh.slice(i, i + SETUP_BATCH).map(async (c, k) => {
          c.rec = await engine.createRecorder(join(recordDir, `call-${first + i + k}.wav`));
          c.a.audio.startTransmit(c.rec.left);
          c.b.audio.startTransmit(c.rec.right);
        }),
      );
    }
  }
  calls.push(...fresh);
}

interface Counters {
  inLost: number;
  inLate: number;
  inRecv: number;
  outSent: number;
  skipped: number;
  late: number;
  maxTickMs: number;
}

function counters(engine: YardlineMediaEngine, calls: Call[]): Counters {
  let inLost = 0;
  let inLate = 0;
  let inRecv = 0;
  let outSent = 0;
  for (const c of calls) {
    for (const s of [c.a, c.b]) {
      const st = s.stats();
      inLost += st.packetsLost;
      inRecv += st.packetsReceived;
      outSent += st.packetsSent;
      inLate += s.jitterStats().late;
    }
  }
  const t = engine.tickStats();
  return { inLost, inLate, inRecv, outSent, skipped: t.skippedTicks, late: t.lateTicks, maxTickMs: t.maxTickMs };
}

interface Window {
  calls: number;
  lossPct: number;
  relayed: number;
  ctrlCpuPct: number;
  /** The engine's main thread alone, when /proc tells. */
  mainCpuPct: number | undefined;
  /** Share of the window the main thread was runnable but not running (another process had the CPU). */
  waitPct: number | undefined;
  genCpuPct: number;
  skipped: number;
  wallS: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * CPU time of this process's main thread (the event loop), ms, from /proc (Linux; 10 ms
 * resolution): the rest of the engine's CPU is the recording writer thread and V8's GC threads.
 */
function mainThreadCpuMs(): number | undefined {
  return cpuMsOf(`/proc/self/task/${process.pid}/stat`);
}

async function measure(engine: YardlineMediaEngine, gen: Generator, calls: Call[], ms: number): Promise<Window> {
  const c0 = counters(engine, calls);
  await gen.snapshot();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuMs();
  const wait0 = mainThreadWaitMs();
  const w0 = performance.now();
  await sleep(ms);
  const c1 = counters(engine, calls);
  const cpu = process.cpuUsage(cpu0);
  const main1 = mainThreadCpuMs();
  const wait1 = mainThreadWaitMs();
  const wall = performance.now() - w0;
  const g = await gen.snapshot();
  const inLost = c1.inLost - c0.inLost + (c1.inLate - c0.inLate);
  const inRecv = c1.inRecv - c0.inRecv;
  const outLost = g.lost;
  const total = inRecv + inLost + g.recv + outLost;
  return {
    calls: calls.length,
    lossPct: total > 0 ? ((inLost + outLost) / total) * 100 : 100,
    // one in and one out: a tick given up sends nothing, so it relays nothing either
    relayed: (Math.min(inRecv, c1.outSent - c0.outSent) / ((cpu.user + cpu.system) / 1e6)) | 0,
    ctrlCpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100,
    mainCpuPct: main0 !== undefined && main1 !== undefined ? ((main1 - main0) / wall) * 100 : undefined,
    waitPct: wait0 !== undefined && wait1 !== undefined ? ((wait1 - wait0) / wall) * 100 : undefined,
    genCpuPct: (g.cpuMs / g.wallMs) * 100,
    skipped: c1.skipped - c0.skipped,
    wallS: wall / 1000,
  };
}

/**
 * Time the main thread spent runnable but waiting for a CPU, ms (/proc schedstat, Linux): on a
 * shared machine this, not the engine's own cost, is what makes ticks late or given up.
 */
function mainThreadWaitMs(): number | undefined {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").trim().split(" ");
    return Number(f[1]) / 1e6;
  } catch {
    return undefined;
  }
}

function mainNote(w: Window): string {
  if (w.mainCpuPct === undefined) return "";
  const wait = w.waitPct === undefined ? "" : `, waited for a CPU ${w.waitPct.toFixed(0)} % of the time`;
  return `(main thread ${w.mainCpuPct.toFixed(0)} %${wait})`;
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];

  // 1. relay throughput per core
  {
    const engine = createMediaEngine({ clock: new SystemClock() });
    const gen = new Generator();
    const calls: Call[] = [];
    try {
      await addCalls(engine, gen, calls, 400, undefined);
      await sleep(1000);
      const w = await measure(engine, gen, calls, 4000);
      results.push({
        area: AREA,
        name: "RTP packets relayed per core (sessions bridged in pairs)",
        value: w.relayed,
        unit: "packets/CPU-s",
        anchor: { label: "Node 20 dgram relay (reference)", value: 120_000, higherIsBetter: true },
        notes:
          `${calls.length} bridged pairs (${calls.length * 2} legs × 50 pps in and out), each packet received is ` +
          `decoded, bridged, encoded and sent again (a relayed packet = one in + one out); on loopback the ` +
          `sender also pays the receiving side's kernel work; engine CPU ${w.ctrlCpuPct.toFixed(0)} % of a core ${mainNote(w)}, ` +
          `generator (separate process) ${w.genCpuPct.toFixed(0)} %; loss ${w.lossPct.toFixed(3)} %; ticks given up ${w.skipped}`,
      });
    } finally {
      gen.stop();
      await engine.close();
    }
  }

  // 2. bridged + recorded calls until loss passes 0.1 % or the tick falls behind
  {
    const dir = mkdtempSync(join(tmpdir(), "yardline-media-bench-"));
    const engine = createMediaEngine({ clock: new SystemClock() });
    const gen = new Generator();
    const calls: Call[] = [];
    const steps = process.env.MEDIA_BENCH_STEPS
      ? process.env.MEDIA_BENCH_STEPS.split(",").map(Number)
      : [100, 200, 300, 400, 500, 600, 700, 800, 1000, 1200];
    const windows: Window[] = [];
    let best: Window | undefined;
    let last: Window | undefined;
    let stopReason = `reached ${steps.at(-1)} calls`;
    const started = performance.now();
    const loadBefore = loadavg()[0]!;
    try {
      for (const target of steps) {
        await addCalls(engine, gen, calls, target - calls.length, dir);
        await sleep(1000);
        const w = await measure(engine, gen, calls, 4000);
        windows.push(w);
        process.stdout.write(
          `  ${w.calls} calls: loss ${w.lossPct.toFixed(3)} %, engine CPU ${w.ctrlCpuPct.toFixed(0)} % ${mainNote(w)}, ` +
            `generator CPU ${w.genCpuPct.toFixed(0)} %, skipped ticks ${w.skipped}, max late ${engine.tickStats().maxLateMs.toFixed(0)} ms, max tick ${engine.tickStats().maxTickMs.toFixed(1)} ms\n`,
        );
        // ticks given up send nothing: count them as lost packets on every leg
        const effective = w.lossPct + (w.skipped / (w.wallS * 50)) * 100;
        if (effective <= 0.1 && (!best || w.calls > best.calls)) best = w;
        last = w;
        if (effective > 0.1 || w.ctrlCpuPct > 95) {
          stopReason =
            w.lossPct > 0.1
              ? `loss ${w.lossPct.toFixed(2)} % at ${w.calls}`
              : effective > 0.1
                ? `tick fell behind at ${w.calls} (${w.skipped} ticks given up)`
                : `engine at ${w.ctrlCpuPct.toFixed(0)} % of a core at ${w.calls}`;
          break;
        }
        if (performance.now() - started > 90_000) {
          stopReason = `time budget reached at ${w.calls}`;
          break;
        }
      }
    } finally {
      gen.stop();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
    results.push({
      area: AREA,
      name: "concurrent bridged + recorded G.711 calls on one core (loss ≤ 0.1 %)",
      value: best?.calls ?? 0,
      unit: "calls",
      anchor: { label: "rtpengine recorded calls/core", value: 620, higherIsBetter: true },
      notes:
        `Asterisk publishes 150-400 calls/core. Stopped: ${stopReason}. ` +
        `Machine load average during the run ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} (2 cores, shared). ` +
        (best
          ? `At ${best.calls}: engine CPU ${best.ctrlCpuPct.toFixed(0)} % of a core ${mainNote(best)}, load generator (own process, ` +
            `50 pps per leg, counts returns) ${best.genCpuPct.toFixed(0)} %, loss ${best.lossPct.toFixed(3)} %. `
          : "") +
        `Steps (calls: loss / engine CPU / ticks given up / time the engine waited for a CPU): ${windows
          .map(
            (w) =>
              `${w.calls}: ${w.lossPct.toFixed(2)} % / ${w.ctrlCpuPct.toFixed(0)} % / ${w.skipped}` +
              (w.waitPct === undefined ? "" : ` / ${w.waitPct.toFixed(0)} %`),
          )
          .join("; ")}`,
    });
    // extrapolate from the largest window in which no tick was given up (all the work was done)
    const basis = [...windows].reverse().find((w) => w.skipped === 0) ?? last;
    if (basis) {
      results.push({
        area: AREA,
        name: "bridged + recorded calls per core, from measured CPU cost (extrapolated)",
        value: Math.round((basis.calls * 100) / basis.ctrlCpuPct),
        unit: "calls",
        anchor: { label: "rtpengine recorded calls/core", value: 620, higherIsBetter: true },
        notes:
          `${basis.calls} calls cost the engine ${basis.ctrlCpuPct.toFixed(0)} % of a core ` +
          `(${((basis.ctrlCpuPct * 10) / basis.calls).toFixed(2)} ms CPU per call-second); a straight-line ` +
          "extrapolation to 100 %, not a measurement: the tick's own latency and GC near saturation are not in it.",
      });
    }
  }
  return results;
}
