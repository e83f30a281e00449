/**
 * The media engine: one conference bridge driven by a 20 ms tick on the injected clock, and the
 * factories for sessions, players, recorders and tone generators on it.
 */
import dgram from "node:dgram";
import type { Clock, TimerHandle } from "../clock.ts";
import type { JitterBufferOptions } from "../rtp/jitter-buffer.ts";
import type { G711Codec } from "../sdp/offer-answer.ts";
import { ConferenceBridge, TICK_MS } from "./bridge.ts";
import type { MediaEngine, MediaSessionOptions } from "./engine-types.ts";
import { WavPlayer } from "./player.ts";
import { WavRecorder } from "./recorder.ts";
import { RecordingWriter } from "./recording-writer.ts";
import { type Logger, RtpMediaSession } from "./session.ts";
import { BridgeToneGenerator } from "./tone-generator.ts";

export interface MediaEngineOptions {
  clock: Clock;
  /** Codecs we offer and accept, in preference order. Default PCMU, PCMA. */
  codecs?: readonly G711Codec[];
  /** Dynamic payload type for telephone-event in our offers. Default 101. */
  telephoneEventPt?: number;
  /** RTP port range (even ports; RTCP on port + 1). Default: ports the OS picks. */
  rtpPortStart?: number;
  rtpPortEnd?: number;
  jitterBuffer?: JitterBufferOptions;
  /** How long to wait for RTP from the SDP address before accepting another source. Default 2000 ms. */
  latchGraceMs?: number;
  /** RTCP CNAME (RFC 3550 §6.5.1). Default "yardline@<pid>". */
  cname?: string;
  random?: () => number;
  log?: Logger;
}

export interface TickStats {
  ticks: number;
  /** Intervals that had to run more than one tick to catch up (the timer came late). */
  lateTicks: number;
  /** Ticks dropped because the engine fell more than 500 ms behind. */
  skippedTicks: number;
  /** Longest single tick, ms of wall time. */
  maxTickMs: number;
  /** Sum of tick durations, ms of wall time. */
  busyMs: number;
  /** Most the timer callback came after a tick was due, ms (event-loop stalls show here). */
  maxLateMs: number;
}

export interface YardlineMediaEngine extends MediaEngine {
  readonly bridge: ConferenceBridge;
  createSession(opts: MediaSessionOptions): Promise<RtpMediaSession>;
  createPlayer(): WavPlayer;
  createRecorder(file: string): Promise<WavRecorder>;
  createToneGenerator(): BridgeToneGenerator;
  tickStats(): TickStats;
  /** Sessions open now. */
  sessions(): RtpMediaSession[];
}

/**
 * Catching up after the timer came late (GC, a busy machine): up to 10 ticks per callback, so a
 * stall is followed by a short burst and the far end's jitter buffer absorbs it. Only beyond
 * 500 ms behind do we give the time up (skip ticks) rather than send a long burst.
 */
const MAX_CATCH_UP = 10;
const MAX_BEHIND_MS = 500;
/**
 * Receive buffer per socket. On loopback each small datagram costs ~2 KB of buffer (skb
 * truesize), so the 208 KB default holds under 2 s of one stream; a stalled event loop (GC, a
 * busy machine) should not turn into kernel drops.
 */
const RECV_BUFFER = 1 << 20;

export function createMediaEngine(opts: MediaEngineOptions): YardlineMediaEngine {
  const clock = opts.clock;
  const bridge = new ConferenceBridge();
  const sessions = new Set<RtpMediaSession>();
  const players = new Set<WavPlayer>();
  const tones = new Set<BridgeToneGenerator>();
  const recorders = new Set<WavRecorder>();
  // one writer thread for every recording, started with the first
  let writer: RecordingWriter | undefined;
  const log: Logger = opts.log ?? (() => {});
  const random = opts.random ?? Math.random;
  const stats: TickStats = { ticks: 0, lateTicks: 0, skippedTicks: 0, maxTickMs: 0, busyMs: 0, maxLateMs: 0 };
  let closed = false;
  let nextPort = opts.rtpPortStart ?? 0;

  let nextAt = clock.monotonic() + TICK_MS;
  const runTick = () => {
    const t0 = performance.now();
    try {
      bridge.tick();
    } catch (err) {
      // one port's fault must not stop every call's audio
      log("error", "bridge tick failed", err);
    }
    const dt = performance.now() - t0;
    stats.ticks++;
    stats.busyMs += dt;
    if (dt > stats.maxTickMs) stats.maxTickMs = dt;
  };
  const timer: TimerHandle = clock.setInterval(() => {
    const now = clock.monotonic();
    if (now - nextAt > stats.maxLateMs) stats.maxLateMs = now - nextAt;
    let n = 0;
    while (now >= nextAt && n < MAX_CATCH_UP) {
      runTick();
      nextAt += TICK_MS;
      n++;
    }
    if (n > 1) stats.lateTicks++;
    if (now - nextAt > MAX_BEHIND_MS) {
      const skip = Math.floor((now - nextAt) / TICK_MS);
      stats.skippedTicks += skip;
      nextAt += skip * TICK_MS;
    }
  }, TICK_MS);

  const ctx = {
    clock,
    bridge,
    codecs: opts.codecs ?? (["PCMU", "PCMA"] as const),
    telephoneEventPt: opts.telephoneEventPt ?? 101,
    jitterBuffer: opts.jitterBuffer ?? {},
    random,
    cname: opts.cname ?? `yardline@${process.pid}`,
    log,
    latchGraceMs: opts.latchGraceMs ?? 2000,
    onClosed: (s: RtpMediaSession) => sessions.delete(s),
  };

  async function bindPair(address: string): Promise<{ rtp: dgram.Socket; rtcp: dgram.Socket; port: number }> {
    const type = address.includes(":") ? "udp6" : "udp4";
    const start = opts.rtpPortStart;
    const end = opts.rtpPortEnd ?? (start ? start + 10_000 : 0);
    const attempts = start ? Math.max(1, Math.floor((end - start) / 2)) : 100;
    for (let i = 0; i < attempts; i++) {
      let want = 0;
      if (start) {
        if (nextPort < start || nextPort + 1 > end) nextPort = start;
        want = nextPort + (nextPort & 1); // RTP on an even port (RFC 3550 §11)
        nextPort = want + 2;
      }
      if (want === 0) {
        // Ask the OS for a free port, then bind it by number: Linux forgets an OS-chosen port
        // when a connected UDP socket disconnects (udp_disconnect without SOCK_BINDPORT_LOCK),
        // and the session disconnects to re-latch (see session.ts).
        const probe = await bind(type, address, 0).catch(() => undefined);
        if (!probe) continue;
        want = probe.address().port;
        await close(probe);
        if (want & 1) continue; // RTP on an even port (RFC 3550 §11)
      }
      const rtp = await bind(type, address, want).catch(() => undefined);
      if (!rtp) continue;
      const port = rtp.address().port;
      const rtcp = await bind(type, address, port + 1).catch(() => undefined);
      if (!rtcp) {
        await close(rtp);
        continue;
      }
      return { rtp, rtcp, port };
    }
    throw new Error(`no free RTP/RTCP port pair on ${address}`);
  }

  return {
    bridge,
    async createSession(o: MediaSessionOptions) {
      if (closed) throw new Error("media engine closed");
      const sockets = await bindPair(o.address);
      const s = new RtpMediaSession(ctx, o, sockets);
      sessions.add(s);
      return s;
    },
    createPlayer() {
      const p: WavPlayer = new WavPlayer(bridge, () => players.delete(p));
      players.add(p);
      return p;
    },
    async createRecorder(file: string) {
      if (closed) throw new Error("media engine closed");
      writer ??= new RecordingWriter();
      const r = await WavRecorder.open(bridge, file, writer);
      recorders.add(r);
      r.once("closed", () => recorders.delete(r));
      return r;
    },
    createToneGenerator() {
      const t: BridgeToneGenerator = new BridgeToneGenerator(bridge, () => tones.delete(t));
      tones.add(t);
      return t;
    },
    tickStats: () => ({ ...stats }),
    sessions: () => [...sessions],
    async close() {
      if (closed) return;
      closed = true;
      clock.clearInterval(timer);
      await Promise.all([...sessions].map((s) => s.close()));
      await Promise.all([...recorders].map((r) => r.close().catch(() => 0)));
      await writer?.stop();
      for (const p of [...players]) p.destroy();
      for (const t of [...tones]) t.destroy();
    },
  };
}

function bind(type: "udp4" | "udp6", address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type });
    const onError = (err: Error) => {
      s.close();
      reject(err);
    };
    s.once("error", onError);
    s.bind(port, address, () => {
      s.off("error", onError);
      try {
        s.setRecvBufferSize(RECV_BUFFER);
      } catch {
        // capped by net.core.rmem_max; the default still works, it only absorbs shorter stalls
      }
      resolve(s);
    });
  });
}

function close(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}
