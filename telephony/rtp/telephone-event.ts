/**
 * RFC 4733 telephone-events: the payload format, a receiver that turns packets into one
 * DtmfEvent per key press, and a sender that turns digits into packets.
 *
 *  0                   1                   2                   3
 * |     event     |E|R| volume    |          duration             |
 */
import type { DtmfEvent } from "../api.ts";

/** RFC 4733 §3.2 event codes: 0-9, * = 10, # = 11, A-D = 12-15, flash = 16. */
export const FLASH_EVENT = 16;
const DIGITS = "0123456789*#ABCD";

export function digitToEvent(digit: string): number | undefined {
  if (digit === "flash" || digit === "!") return FLASH_EVENT;
  const i = DIGITS.indexOf(digit.toUpperCase());
  return digit.length === 1 && i >= 0 ? i : undefined;
}

export function eventToDigit(event: number): string | undefined {
  if (event === FLASH_EVENT) return "flash";
  return event >= 0 && event < 16 ? DIGITS[event] : undefined;
}

/** Splits "12#" or "1flash2" into digits; throws on anything else. */
export function splitDigits(digits: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < digits.length; ) {
    if (digits.startsWith("flash", i)) {
      out.push("flash");
      i += 5;
      continue;
    }
    const d = digits[i]!;
    if (digitToEvent(d) === undefined) throw new RangeError(`not a DTMF digit: ${JSON.stringify(d)}`);
    out.push(d === "!" ? "flash" : d.toUpperCase());
    i++;
  }
  return out;
}

export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

export function parseTelephoneEvent(
  payload: Uint8Array,
  offset = 0,
  length = payload.length - offset,
): TelephoneEvent | undefined {
  if (length < 4) return undefined;
  const b1 = payload[offset + 1]!;
  return {
    event: payload[offset]!,
    end: (b1 & 0x80) !== 0,
    volume: b1 & 0x3f,
    duration: (payload[offset + 2]! << 8) | payload[offset + 3]!,
  };
}

export function writeTelephoneEvent(buf: Uint8Array, offset: number, ev: TelephoneEvent): void {
  buf[offset] = ev.event;
  buf[offset + 1] = (ev.end ? 0x80 : 0) | (ev.volume & 0x3f);
  buf[offset + 2] = (ev.duration >> 8) & 0xff;
  buf[offset + 3] = ev.duration & 0xff;
}

/**
 * Receives telephone-event packets and reports each key press once, when it ends.
 * - The timestamp identifies an event (RFC 4733 §2.5.2.1): packets of an event already reported
 *   (retransmitted end packets) are ignored.
 * - A long event comes in segments with new timestamps and no marker (§2.5.1.3); they add up.
 * - If the end packets are all lost, the event is reported when the next event starts, or by
 *   `expire()` when nothing has come for a while.
 */
export class TelephoneEventReceiver {
  private currentTs = -1;
  private currentEvent = -1;
  /** Samples in earlier segments of the current event. */
  private carried = 0;
  private lastDuration = 0;
  private lastArrival = 0;
  private reportedTs = -1;
  private readonly emit: (ev: DtmfEvent) => void;
  private readonly rate: number;

  constructor(emit: (ev: DtmfEvent) => void, rate = 8000) {
    this.emit = emit;
    this.rate = rate;
  }

  receive(timestamp: number, marker: boolean, ev: TelephoneEvent, arrivalMs: number): void {
    if (timestamp === this.reportedTs) return; // retransmitted end packet
    if (timestamp !== this.currentTs) {
      const continuation =
        !marker &&
        this.currentTs >= 0 &&
        ev.event === this.currentEvent &&
        (timestamp - this.currentTs) >>> 0 <= 0xffff + this.rate; // next segment of a long event
      if (continuation) {
        this.carried += (timestamp - this.currentTs) >>> 0;
      } else {
        if (this.currentTs >= 0) this.finish();
        this.carried = 0;
        this.currentEvent = ev.event;
      }
      this.currentTs = timestamp;
    }
    this.lastDuration = ev.duration;
    this.lastArrival = arrivalMs;
    if (ev.end) this.finish();
  }

  /** Reports an event whose end never arrived, once `idleMs` passed without packets. */
  expire(nowMs: number, idleMs = 500): void {
    if (this.currentTs >= 0 && nowMs - this.lastArrival >= idleMs) this.finish();
  }

  private finish(): void {
    const digit = eventToDigit(this.currentEvent);
    const samples = this.carried + this.lastDuration;
    this.reportedTs = this.currentTs;
    this.currentTs = -1;
    this.currentEvent = -1;
    this.carried = 0;
    if (digit !== undefined) {
      this.emit({ digit, method: "rfc4733", durationMs: Math.round((samples * 1000) / this.rate) });
    }
  }
}

export interface EventPacket {
  marker: boolean;
  /** RTP timestamp of the event (segment) start. */
  timestamp: number;
  event: TelephoneEvent;
}

/** Default lengths: 100 ms per digit with a 50 ms gap; a flash lasts 300 ms (the reference's usual). */
export const DIGIT_MS = 100;
export const GAP_MS = 50;
export const FLASH_MS = 300;
/** Volume field: 10 (−10 dBm0), the usual sender value. */
const VOLUME = 10;
/** Final packet sent three times (RFC 4733 §2.5.1.4). */
const END_REPEATS = 3;
const MAX_DURATION = 0xffff;

/**
 * Produces telephone-event packets, one per call of `next()` (one per packetisation interval).
 * Each packet gets its own sequence number from the caller, the end packet's two retransmissions
 * included (what pjsip and Asterisk send).
 */
export class TelephoneEventSender {
  private readonly queue: Array<{ event: number; samples: number; resolve: () => void }> = [];
  private active: { event: number; samples: number; resolve: () => void } | undefined;
  private segmentTs = 0;
  private sent = 0;
  private segmentBase = 0;
  private endsLeft = 0;
  private first = false;
  private gapLeft = 0;
  private readonly step: number;
  private readonly rate: number;
  private readonly gapSamples: number;

  constructor(step = 160, rate = 8000) {
    this.step = step;
    this.rate = rate;
    this.gapSamples = (GAP_MS * rate) / 1000;
  }

  /** Queues a key press; resolves when its last packet has gone. */
  enqueue(digit: string, durationMs?: number): Promise<void> {
    const event = digitToEvent(digit);
    if (event === undefined) return Promise.reject(new RangeError(`not a DTMF digit: ${digit}`));
    const ms = durationMs ?? (event === FLASH_EVENT ? FLASH_MS : DIGIT_MS);
    return new Promise((resolve) => {
      this.queue.push({ event, samples: Math.max(this.step, Math.round((ms * this.rate) / 1000)), resolve });
    });
  }

  /** True while an event (or the gap after one) is being sent: audio should pause. */
  get busy(): boolean {
    return this.active !== undefined || this.queue.length > 0;
  }

  /** Drops everything queued (the session is closing); pending promises resolve. */
  clear(): void {
    this.active?.resolve();
    for (const q of this.queue) q.resolve();
    this.queue.length = 0;
    this.active = undefined;
  }

  /**
   * The packet to send for this interval, given the audio timestamp now; undefined when there
   * is none (audio goes instead).
   */
  next(audioTs: number): EventPacket | undefined {
    if (!this.active) {
      if (this.gapLeft > 0) {
        this.gapLeft -= this.step;
        return undefined;
      }
      const q = this.queue.shift();
      if (!q) return undefined;
      this.active = q;
      this.segmentTs = audioTs >>> 0;
      this.segmentBase = 0;
      this.sent = 0;
      this.endsLeft = 0;
      this.first = true;
    }
    const a = this.active;
    if (this.endsLeft > 0) {
      this.endsLeft--;
      const pkt = this.packet(a.event, true, this.sent - this.segmentBase);
      if (this.endsLeft === 0) this.done();
      return pkt;
    }
    this.sent = Math.min(a.samples, this.sent + this.step);
    if (this.sent - this.segmentBase > MAX_DURATION) {
      // §2.5.1.3: a segment ends at the largest duration the field holds; the next segment
      // starts with the timestamp moved on by that much (and no marker)
      const pkt = this.packet(a.event, false, MAX_DURATION);
      this.segmentBase += MAX_DURATION;
      this.segmentTs = (this.segmentTs + MAX_DURATION) >>> 0;
      return pkt;
    }
    const duration = this.sent - this.segmentBase;
    const end = this.sent >= a.samples;
    const pkt = this.packet(a.event, end, duration);
    if (end) {
      this.endsLeft = END_REPEATS - 1;
    }
    return pkt;
  }

  private packet(event: number, end: boolean, duration: number): EventPacket {
    const marker = this.first;
    this.first = false;
    return { marker, timestamp: this.segmentTs, event: { event, end, volume: VOLUME, duration } };
  }

  private done(): void {
    this.active?.resolve();
    this.active = undefined;
    this.gapLeft = this.gapSamples;
  }
}
