/**
 * Receiver-side state of one RTP source: sequence validation, loss and interarrival jitter,
 * written after RFC 3550 appendix A.1, A.3 and A.8.
 */

/** RFC 3550 §A.1 constants. */
export const MIN_SEQUENTIAL = 2;
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
const RTP_SEQ_MOD = 1 << 16;

export class RtpSource {
  ssrc = 0;
  private maxSeq = 0;
  /** Shifted count of sequence-number cycles. */
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = 0;
  received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  /** Relative transit time of the previous packet, in timestamp units. */
  private transit = 0;
  private haveTransit = false;
  /** Interarrival jitter, timestamp units (RFC 3550 §6.4.1). */
  jitter = 0;
  private started = false;

  /** True once the source passed probation (MIN_SEQUENTIAL packets in sequence). */
  get valid(): boolean {
    return this.started && this.probation === 0;
  }

  /** RFC 3550 §A.1 init_seq */
  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /** Starts tracking a new source: "the source is not valid until MIN_SEQUENTIAL packets with sequential sequence numbers have been received" (RFC 3550 §A.1). */
  start(ssrc: number, seq: number): void {
    this.ssrc = ssrc;
    this.initSeq(seq);
    this.maxSeq = (seq - 1) & 0xffff;
    this.probation = MIN_SEQUENTIAL;
    this.haveTransit = false;
    this.jitter = 0;
    this.started = true;
  }

  /**
   * RFC 3550 §A.1 update_seq: returns false for a packet to discard (probation, or a large jump
   * not yet confirmed by a second packet).
   */
  update(seq: number): boolean {
    if (!this.started) {
      this.start(this.ssrc, seq);
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation) {
      // packet is in sequence
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      // in order, with permissible gap
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // the sequence number made a very large jump
      if (seq === this.badSeq) {
        // two sequential packets: assume the other side restarted without telling us
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
        return false;
      }
    }
    // else: duplicate or reordered packet
    this.received++;
    return true;
  }

  /** The extended (32+ bit) sequence number of `seq`, just after `update(seq)` accepted it. */
  extend(seq: number): number {
    let ext = this.cycles + seq;
    // a reordered packet from before the last wrap
    if (seq > this.maxSeq && seq - this.maxSeq > RTP_SEQ_MOD / 2) ext -= RTP_SEQ_MOD;
    return ext;
  }

  /**
   * RFC 3550 §A.8: `arrival` and `timestamp` in the same units (samples).
   * "J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16"
   */
  updateJitter(arrival: number, timestamp: number): void {
    const transit = arrival - timestamp;
    if (this.haveTransit) {
      // 32-bit difference, so a timestamp wrap is not a 2^32 jump
      let d = (transit - this.transit) | 0;
      if (d < 0) d = -d;
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
    this.haveTransit = true;
  }

  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  /** RFC 3550 §A.3 */
  get expected(): number {
    return this.started ? this.extendedMax - this.baseSeq + 1 : 0;
  }

  /** Cumulative packets lost (expected − received), clamped to the 24-bit signed field. */
  get lost(): number {
    if (!this.valid) return 0;
    return Math.max(-0x800000, Math.min(0x7fffff, this.expected - this.received));
  }

  /** RFC 3550 §A.3 fraction lost since the previous call, as the 8-bit fixed-point field. */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.floor((lostInterval * 256) / expectedInterval) & 0xff;
  }
}
