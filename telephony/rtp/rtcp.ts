/**
 * RTCP (RFC 3550 §6): sender and receiver reports, SDES CNAME, BYE, and the report interval of
 * appendix A.7. Reports go out as compound packets (SR or RR first, then SDES: §6.1).
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

/** Seconds from 1900 (NTP era 0) to 1970. */
const NTP_UNIX_OFFSET = 2208988800;

export interface ReportBlock {
  ssrc: number;
  /** 8-bit fixed point (lost/expected × 256) since the last report. */
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** Timestamp units. */
  jitter: number;
  /** Middle 32 bits of the last SR's NTP timestamp, 0 if none. */
  lastSr: number;
  /** Delay since that SR, 1/65536 s. */
  delaySinceLastSr: number;
}

export interface SenderInfo {
  ntpSec: number;
  ntpFrac: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export type RtcpPacket =
  | { type: "sr"; ssrc: number; sender: SenderInfo; reports: ReportBlock[] }
  | { type: "rr"; ssrc: number; reports: ReportBlock[] }
  | { type: "sdes"; chunks: Array<{ ssrc: number; cname?: string }> }
  | { type: "bye"; ssrcs: number[]; reason?: string }
  | { type: "other"; packetType: number };

/** NTP timestamp (RFC 3550 §4) of a Unix time in ms. */
export function ntpTime(unixMs: number): { sec: number; frac: number } {
  const sec = Math.floor(unixMs / 1000);
  const frac = Math.floor(((unixMs - sec * 1000) / 1000) * 0x100000000);
  return { sec: (sec + NTP_UNIX_OFFSET) >>> 0, frac: frac >>> 0 };
}

/** The middle 32 bits of an NTP timestamp (LSR/DLSR arithmetic, §6.4.1). */
export function ntpMiddle(sec: number, frac: number): number {
  return (((sec & 0xffff) << 16) | (frac >>> 16)) >>> 0;
}

function header(view: DataView, off: number, count: number, pt: number, words: number): void {
  view.setUint8(off, 0x80 | (count & 0x1f));
  view.setUint8(off + 1, pt);
  view.setUint16(off + 2, words - 1); // length in 32-bit words minus one
}

function writeBlock(view: DataView, off: number, b: ReportBlock): void {
  view.setUint32(off, b.ssrc >>> 0);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, b.cumulativeLost)) & 0xffffff;
  view.setUint32(off + 4, (((b.fractionLost & 0xff) << 24) | lost) >>> 0);
  view.setUint32(off + 8, b.extendedHighestSeq >>> 0);
  view.setUint32(off + 12, Math.floor(b.jitter) >>> 0);
  view.setUint32(off + 16, b.lastSr >>> 0);
  view.setUint32(off + 20, b.delaySinceLastSr >>> 0);
}

function readBlock(view: DataView, off: number): ReportBlock {
  const w = view.getUint32(off + 4);
  let lost = w & 0xffffff;
  if (lost & 0x800000) lost -= 0x1000000;
  return {
    ssrc: view.getUint32(off),
    fractionLost: w >>> 24,
    cumulativeLost: lost,
    extendedHighestSeq: view.getUint32(off + 8),
    jitter: view.getUint32(off + 12),
    lastSr: view.getUint32(off + 16),
    delaySinceLastSr: view.getUint32(off + 20),
  };
}

/**
 * Writes a compound report into `buf`: an SR when `sender` is given (we sent RTP since the last
 * report, §6.4), otherwise an RR; then SDES with our CNAME; then BYE when `bye` is set.
 * Returns the bytes written.
 */
export function writeCompound(
  buf: Uint8Array,
  ssrc: number,
  cname: string,
  sender: SenderInfo | undefined,
  reports: ReportBlock[],
  bye?: { reason?: string },
): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  const blocks = reports.slice(0, 31);
  if (sender) {
    const words = 7 + 6 * blocks.length;
    header(view, off, blocks.length, RTCP_SR, words);
    view.setUint32(off + 4, ssrc >>> 0);
    view.setUint32(off + 8, sender.ntpSec >>> 0);
    view.setUint32(off + 12, sender.ntpFrac >>> 0);
    view.setUint32(off + 16, sender.rtpTimestamp >>> 0);
    view.setUint32(off + 20, sender.packetCount >>> 0);
    view.setUint32(off + 24, sender.octetCount >>> 0);
    off += 28;
  } else {
    const words = 2 + 6 * blocks.length;
    header(view, off, blocks.length, RTCP_RR, words);
    view.setUint32(off + 4, ssrc >>> 0);
    off += 8;
  }
  for (const b of blocks) {
    writeBlock(view, off, b);
    off += 24;
  }
  // SDES: one chunk, CNAME item (type 1), then a null item; chunk padded to 32 bits (§6.5)
  const name = new TextEncoder().encode(cname).subarray(0, 255);
  const chunkLen = 4 + 2 + name.length + 1;
  const padded = (chunkLen + 3) & ~3;
  header(view, off, 1, RTCP_SDES, 1 + padded / 4);
  view.setUint32(off + 4, ssrc >>> 0);
  buf[off + 8] = 1;
  buf[off + 9] = name.length;
  buf.set(name, off + 10);
  buf.fill(0, off + 10 + name.length, off + 4 + padded);
  off += 4 + padded;
  if (bye) {
    const reason = new TextEncoder().encode(bye.reason ?? "").subarray(0, 255);
    const body = 4 + (reason.length ? (1 + reason.length + 3) & ~3 : 0);
    header(view, off, 1, RTCP_BYE, 1 + body / 4);
    view.setUint32(off + 4, ssrc >>> 0);
    if (reason.length) {
      buf[off + 8] = reason.length;
      buf.set(reason, off + 9);
      buf.fill(0, off + 9 + reason.length, off + 4 + body);
    }
    off += 4 + body;
  }
  return off;
}

/** Parses a compound RTCP packet; returns undefined if its framing is invalid (§A.2). */
export function parseRtcp(buf: Uint8Array): RtcpPacket[] | undefined {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: RtcpPacket[] = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const b0 = buf[off]!;
    if (b0 >> 6 !== 2) return undefined;
    const count = b0 & 0x1f;
    const pt = buf[off + 1]!;
    const len = (view.getUint16(off + 2) + 1) * 4;
    if (off + len > buf.length) return undefined;
    if (pt === RTCP_SR && len >= 28 + count * 24) {
      const reports: ReportBlock[] = [];
      for (let i = 0; i < count; i++) reports.push(readBlock(view, off + 28 + i * 24));
      out.push({
        type: "sr",
        ssrc: view.getUint32(off + 4),
        sender: {
          ntpSec: view.getUint32(off + 8),
          ntpFrac: view.getUint32(off + 12),
          rtpTimestamp: view.getUint32(off + 16),
          packetCount: view.getUint32(off + 20),
          octetCount: view.getUint32(off + 24),
        },
        reports,
      });
    } else if (pt === RTCP_RR && len >= 8 + count * 24) {
      const reports: ReportBlock[] = [];
      for (let i = 0; i < count; i++) reports.push(readBlock(view, off + 8 + i * 24));
      out.push({ type: "rr", ssrc: view.getUint32(off + 4), reports });
    } else if (pt === RTCP_SDES) {
      const chunks: Array<{ ssrc: number; cname?: string }> = [];
      let p = off + 4;
      for (let i = 0; i < count && p + 4 <= off + len; i++) {
        const chunk: { ssrc: number; cname?: string } = { ssrc: view.getUint32(p) };
        p += 4;
        while (p < off + len && buf[p] !== 0) {
          const type = buf[p]!;
          const l = buf[p + 1] ?? 0;
          if (type === 1) chunk.cname = new TextDecoder().decode(buf.subarray(p + 2, p + 2 + l));
          p += 2 + l;
        }
        p = (p + 4) & ~3; // skip the null item and padding
        chunks.push(chunk);
      }
      out.push({ type: "sdes", chunks });
    } else if (pt === RTCP_BYE) {
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(view.getUint32(off + 4 + i * 4));
      const r = off + 4 + count * 4;
      const bye: { type: "bye"; ssrcs: number[]; reason?: string } = { type: "bye", ssrcs };
      if (r < off + len) bye.reason = new TextDecoder().decode(buf.subarray(r + 1, r + 1 + buf[r]!));
      out.push(bye);
    } else {
      out.push({ type: "other", packetType: pt });
    }
    off += len;
  }
  return off === buf.length ? out : undefined;
}

export interface IntervalParams {
  members: number;
  senders: number;
  /** RTCP bandwidth, octets per second (5 % of the session bandwidth, §6.2). */
  rtcpBw: number;
  weSent: boolean;
  /** Average compound RTCP packet size, octets (with UDP and IP headers). */
  avgRtcpSize: number;
  initial: boolean;
  random?: () => number;
}

/** RFC 3550 §6.2: the minimum report interval. */
export const RTCP_MIN_TIME_S = 5;

/**
 * RFC 3550 §A.7 rtcp_interval(), in ms: the deterministic interval (at least 5 s, half that
 * before the first report), randomised over [0.5, 1.5] and divided by e − 3/2 to compensate for
 * the timer reconsideration algorithm converging below the average.
 */
export function rtcpIntervalMs(p: IntervalParams): number {
  const SENDER_FRACTION = 0.25;
  const COMPENSATION = Math.E - 1.5;
  let minTime = RTCP_MIN_TIME_S;
  if (p.initial) minTime /= 2;
  let bw = p.rtcpBw;
  let n = p.members;
  if (p.senders <= p.members * SENDER_FRACTION) {
    if (p.weSent) {
      bw *= SENDER_FRACTION;
      n = p.senders;
    } else {
      bw *= 1 - SENDER_FRACTION;
      n -= p.senders;
    }
  }
  let t = (p.avgRtcpSize * n) / bw;
  if (t < minTime) t = minTime;
  t *= (p.random ?? Math.random)() + 0.5;
  t /= COMPENSATION;
  return t * 1000;
}
