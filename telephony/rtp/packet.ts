/**
 * RTP fixed header (RFC 3550 §5.1). Parsing fills a caller-owned object so the receive path
 * allocates nothing per packet; writing fills the first 12 bytes of a caller-owned buffer.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 */

export const RTP_VERSION = 2;
export const RTP_HEADER_SIZE = 12;

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Where the payload starts (after CSRCs and any header extension). */
  payloadOffset: number;
  /** Payload bytes, padding removed. */
  payloadLength: number;
}

export function emptyHeader(): RtpHeader {
  return {
    marker: false,
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    payloadOffset: 0,
    payloadLength: 0,
  };
}

/**
 * Fills `out` from `buf`; returns false for anything that is not a valid RTP packet (wrong
 * version, lengths that do not add up). RFC 3550 §5.1 (CC, X, P) and §5.3.1 (extension).
 */
export function parseRtpHeader(buf: Uint8Array, out: RtpHeader): boolean {
  const len = buf.length;
  if (len < RTP_HEADER_SIZE) return false;
  const b0 = buf[0]!;
  if (b0 >> 6 !== RTP_VERSION) return false;
  const b1 = buf[1]!;
  let offset = RTP_HEADER_SIZE + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    // header extension: 16-bit profile, 16-bit length in 32-bit words
    if (offset + 4 > len) return false;
    offset += 4 + ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 4;
  }
  let end = len;
  if (b0 & 0x20) {
    const pad = buf[len - 1]!;
    if (pad === 0) return false;
    end -= pad;
  }
  if (offset > end) return false;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  out.timestamp = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  out.ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  out.payloadOffset = offset;
  out.payloadLength = end - offset;
  return true;
}

/** Writes a 12-byte header (no CSRC, no extension, no padding). */
export function writeRtpHeader(
  buf: Uint8Array,
  marker: boolean,
  payloadType: number,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
): void {
  buf[0] = RTP_VERSION << 6;
  buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf[2] = (sequenceNumber >> 8) & 0xff;
  buf[3] = sequenceNumber & 0xff;
  buf[4] = (timestamp >>> 24) & 0xff;
  buf[5] = (timestamp >>> 16) & 0xff;
  buf[6] = (timestamp >>> 8) & 0xff;
  buf[7] = timestamp & 0xff;
  buf[8] = (ssrc >>> 24) & 0xff;
  buf[9] = (ssrc >>> 16) & 0xff;
  buf[10] = (ssrc >>> 8) & 0xff;
  buf[11] = ssrc & 0xff;
}

/** A random 32-bit value (SSRC, initial sequence number and timestamp: RFC 3550 §5.1, §8). */
export function random32(random: () => number = Math.random): number {
  return Math.floor(random() * 0x100000000) >>> 0;
}
