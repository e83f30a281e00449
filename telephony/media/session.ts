/**
 * One call's media: an RTP socket and its RTCP companion, SDP offer/answer, the jitter buffer,
 * G.711 coding, RFC 4733 events, and the call's port on the bridge.
 *
 * Receive: UDP → RTP header → RFC 3550 sequence validation → telephone-event receiver or
 * jitter buffer; the bridge tick pulls a frame, decodes it (and feeds the in-band DTMF
 * detector). Send: the bridge tick hands the call's mix, which is encoded and sent — or a
 * telephone-event packet instead while a digit is being sent.
 *
 * Where to send (symmetric RTP, RFC 4961): the socket is connected to the address in the
 * remote SDP, which also makes the kernel report ICMP port-unreachable as ECONNREFUSED. If
 * nothing arrives from there within `latchGraceMs` (a peer behind NAT sends from another
 * address), the socket is disconnected, and the first source that sends is latched: we connect
 * to it and send there from then on.
 */
import type dgram from "node:dgram";
import type { DtmfEvent, RtpStats } from "../api.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import { JitterBuffer, type JitterBufferOptions } from "../rtp/jitter-buffer.ts";
import { emptyHeader, parseRtpHeader, RTP_HEADER_SIZE, random32, writeRtpHeader } from "../rtp/packet.ts";
import { ntpMiddle, ntpTime, parseRtcp, rtcpIntervalMs, writeCompound } from "../rtp/rtcp.ts";
import { RtpSource } from "../rtp/source.ts";
import {
  parseTelephoneEvent,
  splitDigits,
  TelephoneEventReceiver,
  TelephoneEventSender,
  writeTelephoneEvent,
} from "../rtp/telephone-event.ts";
import {
  answerOffer,
  applyAnswer,
  buildOffer,
  type G711Codec,
  type LocalMedia,
  type NegotiatedMedia,
  SdpNegotiationError,
} from "../sdp/offer-answer.ts";
import { parseSdp, type SessionDescription, serializeSdp } from "../sdp/sdp.ts";
import { type BridgePort, type ConferenceBridge, FRAME_SAMPLES } from "./bridge.ts";
import { DtmfDetector } from "./dtmf-detector.ts";
import { Emitter } from "./emitter.ts";
import type { MediaSession, MediaSessionOptions } from "./engine-types.ts";
import { decodeTable, encodeG711, encodeTable, silenceCode } from "./g711.ts";

export type Logger = (level: "debug" | "info" | "warn" | "error", msg: string, data?: unknown) => void;

export interface SessionContext {
  clock: Clock;
  bridge: ConferenceBridge;
  codecs: readonly G711Codec[];
  telephoneEventPt: number;
  jitterBuffer: JitterBufferOptions;
  random: () => number;
  cname: string;
  log: Logger;
  latchGraceMs: number;
  onClosed(session: RtpMediaSession): void;
}

export type SessionState = "idle" | "active" | "failed" | "closed";

const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  idle: ["active", "closed"],
  active: ["active", "failed", "closed"],
  failed: ["closed"],
  closed: [],
};

/** We always packetise 20 ms (one bridge tick). */
const PTIME = 20;
/** Consecutive ICMP errors (with nothing received between) that end the call: one is not proof. */
const UNREACHABLE_LIMIT = 3;
/** 5 % of a G.711 call's ~80 kbit/s (RFC 3550 §6.2), octets/s. */
const RTCP_BW = 500;
/** Ring of send buffers: libuv sends at once or queues briefly; 16 packets = 320 ms of slack. */
const SEND_RING = 16;
const MAX_PACKET = RTP_HEADER_SIZE + FRAME_SAMPLES;
/** Payload type kinds, looked up per packet (ptKind). */
const PT_UNKNOWN = 0;
const PT_EVENT = 1;
const PT_PCMU = 2;
const PT_PCMA = 3;
/** Ticks between checks for a telephone-event whose end never came. */
const EVENT_EXPIRE_TICKS = 25;

export interface RtcpStats {
  /** Round-trip time from the remote's last report about us, ms. */
  rttMs?: number;
  /** The remote's view of our stream, from its last report. */
  remoteFractionLost?: number;
  remoteCumulativeLost?: number;
  remoteJitterMs?: number;
  reportsSent: number;
  reportsReceived: number;
  byeReceived: boolean;
}

export class RtpMediaSession extends Emitter implements MediaSession {
  state: SessionState = "idle";
  readonly audio: BridgePort;
  readonly localAddress: string;
  /** The address our SDP gives (the bound one unless `publicAddress` was set). */
  readonly sdpAddress: string;
  readonly localPort: number;
  private readonly ctx: SessionContext;
  private readonly rtp: dgram.Socket;
  private readonly rtcp: dgram.Socket;
  private readonly rtpTimeoutMs: number;

  private media: NegotiatedMedia | undefined;
  private ourOffer: SessionDescription | undefined;
  private hold = false;
  private readonly sessionId: string;
  private sessionVersion = 0;

  // receive side
  private readonly hdr = emptyHeader();
  private readonly source = new RtpSource();
  private readonly jb: JitterBuffer;
  /** What each payload type carries (PT_PCMU, PT_PCMA, PT_EVENT or PT_UNKNOWN), from the negotiation. */
  private ptKind = new Uint8Array(128);
  private decode: Int16Array = decodeTable("PCMU");
  private decodeLaw: G711Codec = "PCMU";
  private silence = silenceCode("PCMU");
  private readonly events: TelephoneEventReceiver;
  private readonly detector: DtmfDetector | undefined;
  private lastRecv = 0;
  private activatedAt = 0;
  private unreachable = 0;
  private haveSource = false;
  badPackets = 0;
  strayPackets = 0;
  unknownPayload = 0;

  // send side
  private readonly ssrc: number;
  private seq: number;
  private ts: number;
  private firstSent = true;
  private encode: Uint8Array = encodeTable("PCMU");
  private readonly ring: Buffer[] = [];
  private ringIdx = 0;
  private readonly sender = new TelephoneEventSender(FRAME_SAMPLES);
  packetsSent = 0;
  private octetsSent = 0;
  private sentSinceReport = false;

  // where the remote is
  private peerAddress: string | undefined;
  private peerPort = 0;
  private connected = false;
  private connecting = false;
  private latched = false;
  private rtcpPeer: { address: string; port: number } | undefined;

  // RTCP
  private rtcpTimer: TimerHandle | undefined;
  private readonly rtcpBuf = new Uint8Array(1500);
  private avgRtcpSize = 100;
  private lastSr = 0;
  private lastSrArrival = 0;
  private remoteSent = false;
  private readonly rtcpInfo: RtcpStats = { reportsSent: 0, reportsReceived: 0, byeReceived: false };
  private ticks = 0;

  constructor(
    ctx: SessionContext,
    opts: MediaSessionOptions,
    sockets: { rtp: dgram.Socket; rtcp: dgram.Socket; port: number },
  ) {
    super();
    this.ctx = ctx;
    this.localAddress = opts.address;
    this.sdpAddress = opts.publicAddress ?? opts.address;
    this.localPort = sockets.port;
    this.rtp = sockets.rtp;
    this.rtcp = sockets.rtcp;
    this.rtpTimeoutMs = opts.rtpTimeoutMs ?? 30_000;
    this.jb = new JitterBuffer(ctx.jitterBuffer);
    this.ssrc = random32(ctx.random);
    this.seq = random32(ctx.random) & 0xffff;
    this.ts = random32(ctx.random);
    this.sessionId = String(random32(ctx.random));
    const slab = Buffer.allocUnsafeSlow(SEND_RING * MAX_PACKET);
    for (let i = 0; i < SEND_RING; i++) this.ring.push(slab.subarray(i * MAX_PACKET, (i + 1) * MAX_PACKET));
    this.events = new TelephoneEventReceiver((ev) => this.emitLater("dtmf", ev));
    if (opts.inbandDtmf) {
      this.detector = new DtmfDetector((d) =>
        this.emitLater("dtmf", { digit: d.digit, method: "inband", durationMs: d.durationMs } satisfies DtmfEvent),
      );
    }
    this.audio = ctx.bridge.addPort({ read: (f) => this.read(f), write: (f) => this.write(f) }, "rtp");
    this.rtp.on("message", (msg, rinfo) => this.onRtp(msg, rinfo));
    this.rtp.on("error", (err) => this.onSocketError(err as NodeJS.ErrnoException, "RTP"));
    this.rtcp.on("message", (msg, rinfo) => this.onRtcp(msg, rinfo));
    this.rtcp.on("error", (err) => this.onSocketError(err as NodeJS.ErrnoException, "RTCP"));
  }

  private transition(to: SessionState): void {
    if (!TRANSITIONS[this.state].includes(to)) {
      throw new Error(`media session: illegal transition ${this.state} -> ${to}`);
    }
    this.state = to;
  }

  get codec(): G711Codec | undefined {
    return this.media?.codec;
  }

  /** The negotiated parameters (for diagnostics and the facade). */
  get negotiated(): Readonly<NegotiatedMedia> | undefined {
    return this.media;
  }

  private local(): LocalMedia {
    return {
      address: this.sdpAddress,
      port: this.localPort,
      codecs: this.ctx.codecs,
      telephoneEventPt: this.ctx.telephoneEventPt,
      ptime: PTIME,
      sessionId: this.sessionId,
      sessionVersion: ++this.sessionVersion,
    };
  }

  private usable(): void {
    if (this.state === "closed" || this.state === "failed") {
      throw new Error(`media session is ${this.state}`);
    }
  }

  createOffer(opts: { hold?: boolean } = {}): string {
    this.usable();
    this.hold = opts.hold === true;
    this.ourOffer = buildOffer(this.local(), { hold: this.hold });
    return serializeSdp(this.ourOffer);
  }

  createAnswer(remoteOffer: string): string {
    this.usable();
    const offer = parse(remoteOffer);
    const { answer, media } = answerOffer(offer, this.local(), { hold: this.hold });
    this.apply(media);
    return serializeSdp(answer);
  }

  setRemoteAnswer(remoteAnswer: string): void {
    this.usable();
    if (!this.ourOffer) throw new SdpNegotiationError("no offer of ours is waiting for an answer");
    const media = applyAnswer(this.ourOffer, parse(remoteAnswer), { hold: this.hold });
    this.ourOffer = undefined;
    this.apply(media);
  }

  private apply(media: NegotiatedMedia): void {
    const prev = this.media;
    this.media = media;
    const kinds = new Uint8Array(128);
    for (const [pt, law] of Object.entries(media.recvCodecs))
      kinds[Number(pt) & 0x7f] = law === "PCMU" ? PT_PCMU : PT_PCMA;
    for (const pt of media.recvEventPts) kinds[pt & 0x7f] = PT_EVENT;
    this.ptKind = kinds;
    this.encode = encodeTable(media.codec);
    this.decodeLaw = media.codec;
    this.decode = decodeTable(media.codec);
    this.silence = silenceCode(media.codec);
    const now = this.ctx.clock.monotonic();
    if (!prev || prev.remoteAddress !== media.remoteAddress || prev.remotePort !== media.remotePort) {
      this.setPeer(media.remoteAddress, media.remotePort);
      this.rtcpPeer = media.remoteAddress ? { address: media.remoteAddress, port: media.remoteRtcpPort } : undefined;
      this.jb.reset();
      this.activatedAt = now;
    }
    this.lastRecv = now;
    this.unreachable = 0;
    const first = this.state === "idle";
    this.transition("active");
    if (first) this.scheduleRtcp(true);
  }

  /** Points the socket at the remote: connected, so ICMP errors come back to us. */
  private setPeer(address: string | undefined, port: number): void {
    this.latched = false;
    this.peerAddress = address;
    this.peerPort = port;
    // a connect in flight follows the new peer when it completes (see connectTo)
    if (this.connecting) return;
    if (this.connected) {
      this.rtp.disconnect();
      this.connected = false;
    }
    if (address) this.connectTo(address, port);
  }

  private connectTo(address: string, port: number): void {
    this.connecting = true;
    this.rtp.connect(port, address, () => {
      this.connecting = false;
      if (this.state === "closed") return;
      this.connected = true;
      if (address !== this.peerAddress || port !== this.peerPort) {
        // the peer changed (latched, or re-negotiated) while we were connecting: follow it
        this.rtp.disconnect();
        this.connected = false;
        if (this.peerAddress) this.connectTo(this.peerAddress, this.peerPort);
      }
    });
  }

  // ---- receive -----------------------------------------------------------------------------

  private onRtp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.state !== "active") return;
    const h = this.hdr;
    if (!parseRtpHeader(msg, h)) {
      this.badPackets++;
      return;
    }
    if (!this.latched) {
      // first packet: this is where the remote sends from; send there from now on
      this.latched = true;
      if (rinfo.address !== this.peerAddress || rinfo.port !== this.peerPort || !this.connected) {
        if (this.connected) this.rtp.disconnect();
        this.connected = false;
        this.peerAddress = rinfo.address;
        this.peerPort = rinfo.port;
        if (!this.connecting) this.connectTo(rinfo.address, rinfo.port);
      }
    } else if (rinfo.port !== this.peerPort || rinfo.address !== this.peerAddress) {
      this.strayPackets++;
      return;
    }
    const now = this.ctx.clock.monotonic();
    this.lastRecv = now;
    this.unreachable = 0;
    this.remoteSent = true;
    const src = this.source;
    if (!this.haveSource || h.ssrc !== src.ssrc) {
      // a new source (or the remote restarted its stream): validate it afresh (RFC 3550 §6.2.1)
      this.haveSource = true;
      src.start(h.ssrc, h.sequenceNumber);
      this.jb.reset();
    }
    if (!src.update(h.sequenceNumber)) return;
    const kind = this.ptKind[h.payloadType]!;
    if (kind === PT_EVENT) {
      const ev = parseTelephoneEvent(msg, h.payloadOffset, h.payloadLength);
      if (ev) this.events.receive(h.timestamp, h.marker, ev, now);
      return;
    }
    if (kind === PT_UNKNOWN) {
      this.unknownPayload++;
      return;
    }
    const law: G711Codec = kind === PT_PCMU ? "PCMU" : "PCMA";
    src.updateJitter(Math.round(now * 8), h.timestamp);
    const off = h.payloadOffset;
    const len = h.payloadLength;
    if (law !== this.decodeLaw) {
      // the sender switched law (RFC 3264 allows it): recode into the one we decode
      const from = decodeTable(law);
      const to = encodeTable(this.decodeLaw);
      for (let i = off; i < off + len; i++) msg[i] = to[from[msg[i]!]! & 0xffff]!;
    }
    this.jb.push(src.extend(h.sequenceNumber), msg, off, len);
  }

  /** Bridge: the remote's audio, one frame per tick. */
  private read(frame: Int16Array): boolean {
    if (this.state !== "active") return false;
    // decoded straight from the packets into the bridge's frame
    const real = this.jb.pull(frame, this.silence, this.decode);
    this.detector?.process(frame);
    return real;
  }

  // ---- send --------------------------------------------------------------------------------

  /** Bridge: what the remote should hear, one frame per tick. */
  private write(frame: Int16Array): void {
    if (this.state !== "active") return;
    const media = this.media!;
    const now = this.ctx.clock.monotonic();
    this.ticks++;
    // a remote held with c=0.0.0.0 (no address) is not timed out: it may well send nothing
    const expectRtp = media.recv && media.remoteAddress !== undefined;
    if (expectRtp && this.rtpTimeoutMs > 0 && now - this.lastRecv >= this.rtpTimeoutMs) {
      this.fail("RTP timeout");
      return;
    }
    if (this.ticks % EVENT_EXPIRE_TICKS === 0) this.events.expire(now);
    if (!this.latched && this.connected && now - this.activatedAt >= this.ctx.latchGraceMs) {
      // nothing from the SDP address: accept the first source that sends (NAT), then latch
      this.rtp.disconnect();
      this.connected = false;
      this.latched = false;
      this.activatedAt = Number.POSITIVE_INFINITY;
    }
    const ts = this.ts;
    this.ts = (this.ts + FRAME_SAMPLES) >>> 0;
    if (!media.send || !this.peerAddress) return;
    const buf = this.ring[this.ringIdx]!;
    this.ringIdx = (this.ringIdx + 1) % SEND_RING;
    const ev = media.sendEventPt !== undefined ? this.sender.next(ts) : undefined;
    let len: number;
    if (ev) {
      writeRtpHeader(buf, ev.marker, media.sendEventPt!, this.seq, ev.timestamp, this.ssrc);
      writeTelephoneEvent(buf, RTP_HEADER_SIZE, ev.event);
      len = RTP_HEADER_SIZE + 4;
    } else {
      // RFC 3551 §4.1: the marker bit starts a talkspurt; we never suppress silence, so only the first
      writeRtpHeader(buf, this.firstSent, media.sendPt, this.seq, ts, this.ssrc);
      encodeG711(this.encode, frame, buf, RTP_HEADER_SIZE, FRAME_SAMPLES);
      len = MAX_PACKET;
      this.firstSent = false;
    }
    this.seq = (this.seq + 1) & 0xffff;
    this.packetsSent++;
    this.octetsSent += len - RTP_HEADER_SIZE;
    this.sentSinceReport = true;
    // a whole buffer goes without the (offset, length) form, which makes Node slice a new view
    const out = len === MAX_PACKET ? buf : buf.subarray(0, len);
    if (this.connected) this.rtp.send(out);
    else this.rtp.send(out, this.peerPort, this.peerAddress);
  }

  sendDtmf(digits: string): Promise<void> {
    if (this.state !== "active") return Promise.reject(new Error(`media session is ${this.state}`));
    if (this.media?.sendEventPt === undefined) {
      return Promise.reject(new Error("the remote did not accept telephone-event (RFC 4733)"));
    }
    let list: string[];
    try {
      list = splitDigits(digits);
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.all(list.map((d) => this.sender.enqueue(d))).then(() => undefined);
  }

  // ---- RTCP --------------------------------------------------------------------------------

  private scheduleRtcp(initial: boolean): void {
    const ms = rtcpIntervalMs({
      members: 2,
      senders: (this.sentSinceReport ? 1 : 0) + (this.remoteSent ? 1 : 0),
      rtcpBw: RTCP_BW,
      weSent: this.sentSinceReport,
      avgRtcpSize: this.avgRtcpSize,
      initial,
      random: this.ctx.random,
    });
    this.rtcpTimer = this.ctx.clock.setTimeout(() => {
      if (this.state !== "active") return;
      void this.sendRtcp();
      this.scheduleRtcp(false);
    }, ms);
  }

  private buildReport(bye?: { reason?: string }): number {
    const now = this.ctx.clock.now();
    const ntp = ntpTime(now);
    const src = this.source;
    const blocks = src.valid
      ? [
          {
            ssrc: src.ssrc,
            fractionLost: src.takeFractionLost(),
            cumulativeLost: src.lost,
            extendedHighestSeq: src.extendedMax,
            jitter: src.jitter,
            lastSr: this.lastSr,
            delaySinceLastSr: this.lastSr
              ? Math.floor(((this.ctx.clock.monotonic() - this.lastSrArrival) * 65536) / 1000)
              : 0,
          },
        ]
      : [];
    const sender = this.sentSinceReport
      ? {
          ntpSec: ntp.sec,
          ntpFrac: ntp.frac,
          rtpTimestamp: this.ts,
          packetCount: this.packetsSent,
          octetCount: this.octetsSent,
        }
      : undefined;
    this.sentSinceReport = false;
    return writeCompound(this.rtcpBuf, this.ssrc, this.ctx.cname, sender, blocks, bye);
  }

  /** Sends a compound report; resolves once the datagram has left (so close() can follow). */
  private sendRtcp(bye?: { reason?: string }): Promise<void> {
    const peer = this.rtcpPeer;
    if (!peer) return Promise.resolve();
    const len = this.buildReport(bye);
    // RFC 3550 §6.3.3: avg_rtcp_size = 1/16 * packet_size + 15/16 * avg_rtcp_size (with UDP/IP)
    this.avgRtcpSize += (len + 28 - this.avgRtcpSize) / 16;
    this.rtcpInfo.reportsSent++;
    const pkt = Buffer.from(this.rtcpBuf.subarray(0, len));
    return new Promise((resolve) => this.rtcp.send(pkt, peer.port, peer.address, () => resolve()));
  }

  private onRtcp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.state !== "active") return;
    const pkts = parseRtcp(msg);
    if (!pkts) {
      this.badPackets++;
      return;
    }
    this.rtcpPeer = { address: rinfo.address, port: rinfo.port }; // symmetric RTCP
    this.rtcpInfo.reportsReceived++;
    const nowMs = this.ctx.clock.now();
    for (const p of pkts) {
      if (p.type === "sr") {
        this.lastSr = ntpMiddle(p.sender.ntpSec, p.sender.ntpFrac);
        this.lastSrArrival = this.ctx.clock.monotonic();
      }
      if (p.type === "sr" || p.type === "rr") {
        const mine = p.reports.find((r) => r.ssrc === this.ssrc);
        if (mine) {
          this.rtcpInfo.remoteFractionLost = mine.fractionLost / 256;
          this.rtcpInfo.remoteCumulativeLost = mine.cumulativeLost;
          this.rtcpInfo.remoteJitterMs = mine.jitter / 8;
          if (mine.lastSr) {
            // RFC 3550 §6.4.1: RTT = A − LSR − DLSR, in 1/65536 s
            const ntp = ntpTime(nowMs);
            const a = ntpMiddle(ntp.sec, ntp.frac);
            const rtt = (a - mine.lastSr - mine.delaySinceLastSr) >>> 0;
            if (rtt < 0x80000000) this.rtcpInfo.rttMs = (rtt * 1000) / 65536;
          }
        }
      }
      if (p.type === "bye") this.rtcpInfo.byeReceived = true;
    }
  }

  rtcpStats(): RtcpStats {
    return { ...this.rtcpInfo };
  }

  // ---- errors, stats, lifecycle -------------------------------------------------------------

  private onSocketError(err: NodeJS.ErrnoException, which: "RTP" | "RTCP"): void {
    const code = err.code ?? err.message;
    if (this.state !== "active") return;
    if (which === "RTP" && (code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENETUNREACH")) {
      // ICMP unreachable for what we sent: the remote's port or host is gone
      if (++this.unreachable >= UNREACHABLE_LIMIT) this.fail(`RTP peer unreachable (${code})`);
      return;
    }
    this.ctx.log("warn", `${which} socket error`, { code, port: this.localPort });
    if (which === "RTP") this.fail(`RTP socket error (${code})`);
  }

  private fail(reason: string): void {
    if (this.state !== "active") return;
    this.transition("failed");
    this.ctx.clock.clearTimeout(this.rtcpTimer);
    this.sender.clear();
    this.ctx.log("info", "media failed", { reason, port: this.localPort });
    this.emitLater("failed", reason);
  }

  /** Events leave after the current tick or packet, so a listener may rewire or close safely. */
  private emitLater(event: string, ...args: unknown[]): void {
    queueMicrotask(() => {
      if (this.state !== "closed" || event === "failed") this.emit(event, ...args);
    });
  }

  stats(): RtpStats {
    return {
      packetsReceived: this.source.received,
      packetsLost: Math.max(0, this.source.lost),
      packetsSent: this.packetsSent,
      jitterMs: this.source.jitter / 8,
    };
  }

  /** Jitter buffer counters (late, lost, underruns, target and current depth). */
  jitterStats() {
    return this.jb.stats();
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    const wasActive = this.state === "active";
    if (wasActive) {
      try {
        await this.sendRtcp({ reason: "call ended" });
      } catch {
        // the socket may already be unusable; the BYE is a courtesy
      }
    }
    this.transition("closed");
    this.ctx.clock.clearTimeout(this.rtcpTimer);
    this.sender.clear();
    this.ctx.bridge.removePort(this.audio);
    await Promise.all([closeSocket(this.rtp), closeSocket(this.rtcp)]);
    this.ctx.onClosed(this);
  }
}

function parse(text: string): SessionDescription {
  try {
    return parseSdp(text);
  } catch (err) {
    throw new SdpNegotiationError(`unreadable SDP: ${(err as Error).message}`);
  }
}

function closeSocket(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
