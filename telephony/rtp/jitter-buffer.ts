/**
 * Adaptive playout buffer for one RTP stream of G.711 (one byte per sample).
 *
 * Packets are kept by extended sequence number; the bridge pulls one 20 ms frame per tick.
 * Packets may carry any number of samples (ptime 10/20/30): playout consumes bytes across them.
 *
 * Adaptation (RFC 3550 leaves playout to the receiver; this follows the usual scheme):
 * - it waits until `targetMs` of audio is buffered before it starts playing;
 * - it grows: a packet that arrives after its turn ("late") is dropped and the target rises one
 *   frame, and playout stalls one frame to make the room; running dry (underrun) also raises
 *   the target and re-buffers to it;
 * - it shrinks: after `stableMs` with no late packet and no underrun the target falls one frame,
 *   and after a calm second, while more than target + 2 frames are buffered, one frame in ten
 *   is dropped, so the delay comes back down.
 * A packet missing while later ones are buffered is counted lost and played as silence.
 */

export interface JitterBufferOptions {
  /** Starting target depth, ms. Default 40. */
  initialMs?: number;
  /** Lowest target, ms. Default 20. */
  minMs?: number;
  /** Highest target, ms. Default 200. */
  maxMs?: number;
  /** Time without late packets or underruns before the target shrinks a step, ms. Default 5000. */
  stableMs?: number;
  /** Samples per pull (one bridge tick). Default 160. */
  frameSamples?: number;
}

/** Packets kept at most (ring size, a power of two): 2.5 s of 20 ms packets. */
const SLOTS = 128;
const MASK = SLOTS - 1;
/** Calm ticks (1 s) before the buffer starts dropping frames to shed excess delay. */
const CALM_TICKS = 50;
const DROP_EVERY = 10;

export interface JitterBufferStats {
  late: number;
  lost: number;
  underruns: number;
  dropped: number;
  duplicates: number;
  targetMs: number;
  bufferedMs: number;
}

export class JitterBuffer {
  private readonly slots: Array<Uint8Array | undefined> = new Array(SLOTS).fill(undefined);
  private readonly slotSeq = new Float64Array(SLOTS).fill(-1);
  /** Where each slot's payload starts in its buffer, and its length (no subarray per packet). */
  private readonly slotOff = new Int32Array(SLOTS);
  private readonly slotLen = new Int32Array(SLOTS);
  /** Next extended sequence number to play; -1 before the first packet. */
  private playSeq = -1;
  /** Bytes of the packet at playSeq already played (or of a lost packet's silence). */
  private offset = 0;
  private highest = -1;
  private buffered = 0;
  private started = false;
  private hold = 0;
  private stableTicks = 0;
  /** Ticks since the last late packet or underrun (drives the catch-up drops). */
  private calmTicks = 0;
  /** Length of the last packet seen, used as a lost packet's length. */
  private lastLen = 160;

  targetMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  private readonly stableTicksNeeded: number;
  private readonly frameMs: number;

  late = 0;
  lost = 0;
  underruns = 0;
  dropped = 0;
  duplicates = 0;

  constructor(opts: JitterBufferOptions = {}) {
    this.minMs = opts.minMs ?? 20;
    this.maxMs = opts.maxMs ?? 200;
    this.targetMs = Math.min(this.maxMs, Math.max(this.minMs, opts.initialMs ?? 40));
    const frameSamples = opts.frameSamples ?? 160;
    this.frameMs = frameSamples / 8;
    this.stableTicksNeeded = Math.round((opts.stableMs ?? 5000) / this.frameMs);
  }

  get bufferedMs(): number {
    return this.buffered / 8;
  }

  stats(): JitterBufferStats {
    return {
      late: this.late,
      lost: this.lost,
      underruns: this.underruns,
      dropped: this.dropped,
      duplicates: this.duplicates,
      targetMs: this.targetMs,
      bufferedMs: this.bufferedMs,
    };
  }

  /** Forgets every packet (a new source, or a jump too large to bridge). */
  reset(): void {
    this.slots.fill(undefined);
    this.slotSeq.fill(-1);
    this.playSeq = -1;
    this.offset = 0;
    this.highest = -1;
    this.buffered = 0;
    this.started = false;
    this.hold = 0;
  }

  private grow(): void {
    this.stableTicks = 0;
    this.calmTicks = 0;
    if (this.targetMs + this.frameMs <= this.maxMs) this.targetMs += this.frameMs;
  }

  /**
   * Adds a packet's payload: `length` bytes of `buf` from `offset` (kept by reference, not
   * copied; the receive path hands over the datagram it was given).
   */
  push(extSeq: number, buf: Uint8Array, offset = 0, length = buf.length - offset): void {
    if (length <= 0) return;
    if (this.playSeq < 0) this.playSeq = extSeq;
    if (extSeq < this.playSeq || (extSeq === this.playSeq && this.offset > 0)) {
      this.late++;
      const before = this.targetMs;
      this.grow();
      if (this.targetMs > before) this.hold++;
      return;
    }
    if (extSeq >= this.playSeq + SLOTS) {
      // far ahead of playout: the stream jumped; start over from this packet
      this.reset();
      this.playSeq = extSeq;
    }
    const slot = extSeq & MASK;
    if (this.slotSeq[slot] === extSeq) {
      this.duplicates++;
      return;
    }
    this.slots[slot] = buf;
    this.slotSeq[slot] = extSeq;
    this.slotOff[slot] = offset;
    this.slotLen[slot] = length;
    this.buffered += length;
    this.lastLen = length;
    if (extSeq > this.highest) this.highest = extSeq;
  }

  /**
   * Fills `out` with the next frame, using the code `silence` where there is no audio. With a
   * `decode` table (G.711 code → 16-bit sample) `out` gets samples straight from the packets;
   * without one it gets the codes. Returns false when nothing was played (all silence).
   */
  pull(out: Uint8Array | Int16Array, silence: number, decode?: Int16Array): boolean {
    const need = out.length;
    const quiet = decode ? decode[silence]! : silence;
    if (!this.started) {
      if (this.playSeq >= 0 && this.buffered >= this.targetMs * 8) {
        this.started = true;
      } else {
        out.fill(quiet);
        return false;
      }
    }
    if (this.hold > 0) {
      this.hold--;
      out.fill(quiet);
      return false;
    }
    if (++this.stableTicks >= this.stableTicksNeeded) {
      this.stableTicks = 0;
      if (this.targetMs - this.frameMs >= this.minMs) this.targetMs -= this.frameMs;
    }
    // beyond the ceiling (a stall upstream delivered a burst): cut straight back to the target
    if (this.buffered > (this.maxMs + this.frameMs) * 8) {
      this.skip(this.buffered - this.targetMs * 8);
      this.dropped++;
    }
    // too much buffered for the target: after a calm second, drop one frame in ten (10 %
    // faster playout) until the delay is back within two frames of the target
    this.calmTicks++;
    if (
      this.calmTicks >= CALM_TICKS &&
      this.calmTicks % DROP_EVERY === 0 &&
      this.buffered > (this.targetMs + 2 * this.frameMs) * 8
    ) {
      this.skip(need);
      this.dropped++;
    }
    let written = 0;
    let real = false;
    while (written < need) {
      const slot = this.playSeq & MASK;
      const pkt = this.slotSeq[slot] === this.playSeq ? this.slots[slot] : undefined;
      if (pkt) {
        const len = this.slotLen[slot]!;
        const n = Math.min(len - this.offset, need - written);
        const from = this.slotOff[slot]! + this.offset;
        if (decode) for (let i = 0; i < n; i++) out[written + i] = decode[pkt[from + i]!]!;
        else for (let i = 0; i < n; i++) out[written + i] = pkt[from + i]!;
        written += n;
        this.offset += n;
        this.buffered -= n;
        real = true;
        if (this.offset >= len) this.advance(slot);
      } else if (this.highest > this.playSeq) {
        // missing while later packets are here: lost (or too late to wait for)
        const n = Math.min(this.lastLen - this.offset, need - written);
        out.fill(quiet, written, written + n);
        written += n;
        this.offset += n;
        if (this.offset >= this.lastLen) {
          this.lost++;
          this.playSeq++;
          this.offset = 0;
        }
      } else {
        // ran dry: play silence, re-buffer to a deeper target
        out.fill(quiet, written);
        this.underruns++;
        this.started = false;
        this.grow();
        break;
      }
    }
    return real;
  }

  private advance(slot: number): void {
    this.slots[slot] = undefined;
    this.slotSeq[slot] = -1;
    this.playSeq++;
    this.offset = 0;
  }

  /** Discards `n` bytes from the head. */
  private skip(n: number): void {
    let left = n;
    while (left > 0) {
      const slot = this.playSeq & MASK;
      const pkt = this.slotSeq[slot] === this.playSeq ? this.slots[slot] : undefined;
      if (!pkt) return;
      const len = this.slotLen[slot]!;
      const k = Math.min(len - this.offset, left);
      this.offset += k;
      this.buffered -= k;
      left -= k;
      if (this.offset >= len) this.advance(slot);
    }
  }
}
