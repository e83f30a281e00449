/**
 * In-band DTMF detection for trunks that send digits in the audio.
 *
 * Limits (ITU-T Q.24, North American column, as in the reference): accept a frequency within
 * ±1.5 % of nominal and reject one beyond ±3.5 %; accept tones of 40 ms or more and reject those
 * under 23 ms; bridge drop-outs of up to 10 ms; accept twist up to 8 dB normal (low group louder)
 * and 4 dB reverse (high group louder) — the convention spandsp uses.
 *
 * How: a 205-sample window (25.6 ms, the classic block) slides in 40-sample hops (5 ms).
 * For each hop, Goertzel powers at the eight frequencies pick the strongest row and column.
 * Each picked tone's frequency is then *measured* from the phase advance of its DFT between two
 * sub-windows 40 samples apart (Δφ = 2π f · 40 / 8000, unambiguous within ±100 Hz), which is
 * what makes the ±1.5 % / ±3.5 % edges sharp; a block-energy test alone cannot separate them at
 * this block length. The tone's power is corrected for the window's response at the measured
 * offset, and the two tones together must hold most of the window's energy ("purity"), which
 * also means the window must be mostly covered by the tone. A digit is reported when it ends,
 * if its run of good hops is long enough (see MIN_HOPS).
 */

import { dft1, energy, goertzelPower, rectResponse } from "./goertzel.ts";
import { dbm0ToAmplitude } from "./levels.ts";

const FS = 8000;
const N = 205;
const HOP = 40;
/** Sub-window shift for the phase measurement. */
const SHIFT = 40;
const SUB = N - SHIFT;
/** Hann window for the phase sub-windows: keeps the other group's tone out of the measurement. */
const HANN = Float64Array.from({ length: SUB }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (SUB - 1)));

export const DTMF_ROWS = [697, 770, 852, 941] as const;
export const DTMF_COLS = [1209, 1336, 1477, 1633] as const;
const KEYS = ["123A", "456B", "789C", "*0#D"];

/** Frequency tolerance: halfway between must-accept 1.5 % and must-reject 3.5 %. */
const MAX_FREQ_DEV = 0.025;
/** Accept limits with 1 dB of measurement margin above the 8 dB / 4 dB that must pass. */
const NORMAL_TWIST_DB = 9;
const REVERSE_TWIST_DB = 5;
/**
 * The two tones must hold this share of the window's energy. A fully covered window holds ~1.0;
 * the share falls with the part of the window the tone does not cover, so this also sets how
 * much of the window a tone must fill (~80 %).
 */
const MIN_PURITY = 0.8;
/** Quietest tone accepted, per frequency (Q.24 NA sensitivity is −25 dBm0; margin below). */
const MIN_LEVEL_DBM0 = -30;
/**
 * Good hops needed. A window passes while the tone covers ≳80 % of it, so a tone of D ms yields
 * about (D − 15.4) / 5 + 1 good hops: a 40 ms tone gives at least 4, a 23 ms tone at most 2.
 */
const MIN_HOPS = 4;
/**
 * A 10 ms drop-out spoils the windows that overlap it by more than ~20 %: about 5 hops. Seven
 * bad hops in a row end the digit, so a 10 ms drop-out is bridged while a 40 ms pause (≈11 bad
 * hops) separates two digits.
 */
const MAX_GAP_HOPS = 7;

export interface DetectedDigit {
  digit: string;
  durationMs: number;
}

export class DtmfDetector {
  /** Ring of the last N samples, and the window in order at each hop. */
  private readonly ring = new Float64Array(N);
  private readonly buf = new Float64Array(N);
  private head = 0;
  private filled = 0;
  private sinceHop = 0;
  private readonly tmpA = new Float64Array(2);
  private readonly tmpB = new Float64Array(2);
  private readonly minPower: number;

  private current: string | undefined;
  private goodHops = 0;
  private gapHops = 0;
  private readonly onDigit: (d: DetectedDigit) => void;

  constructor(onDigit: (d: DetectedDigit) => void) {
    this.onDigit = onDigit;
    // |X|² of a sine of amplitude A over N samples is (A·N/2)²
    const a = dbm0ToAmplitude(MIN_LEVEL_DBM0);
    this.minPower = ((a * N) / 2) ** 2;
  }

  /** Feeds samples (any length). */
  process(samples: ArrayLike<number>): void {
    const ring = this.ring;
    for (let i = 0; i < samples.length; i++) {
      ring[this.head] = samples[i]!;
      this.head = this.head + 1 === N ? 0 : this.head + 1;
      if (this.filled < N) this.filled++;
      if (this.filled === N && ++this.sinceHop >= HOP) {
        this.sinceHop = 0;
        // oldest sample is at head
        this.buf.set(ring.subarray(this.head), 0);
        this.buf.set(ring.subarray(0, this.head), N - this.head);
        this.hop(this.classify());
      }
    }
  }

  /** Reports a digit still sounding (end of stream). */
  flush(): void {
    this.hop(undefined, true);
  }

  private hop(digit: string | undefined, final = false): void {
    if (digit !== undefined && digit === this.current) {
      this.goodHops++;
      this.gapHops = 0;
      return;
    }
    if (digit === undefined && this.current !== undefined && !final) {
      if (++this.gapHops <= MAX_GAP_HOPS) return;
    }
    if (this.current !== undefined && this.goodHops >= MIN_HOPS) {
      // good hops span (D − 0.6·N/fs); turn back into the tone's duration
      const durationMs = Math.round(((this.goodHops - 1) * HOP * 1000) / FS + (0.6 * N * 1000) / FS);
      this.onDigit({ digit: this.current, durationMs });
    }
    this.current = digit;
    this.goodHops = digit === undefined ? 0 : 1;
    this.gapHops = 0;
  }

  /** The digit this window holds, if any. */
  private classify(): string | undefined {
    const buf = this.buf;
    let bestRow = 0;
    let rowP = -1;
    for (let r = 0; r < 4; r++) {
      const p = goertzelPower(buf, 0, N, DTMF_ROWS[r]!, FS);
      if (p > rowP) {
        rowP = p;
        bestRow = r;
      }
    }
    let bestCol = 0;
    let colP = -1;
    for (let c = 0; c < 4; c++) {
      const p = goertzelPower(buf, 0, N, DTMF_COLS[c]!, FS);
      if (p > colP) {
        colP = p;
        bestCol = c;
      }
    }
    if (rowP < this.minPower * 0.25 || colP < this.minPower * 0.25) return undefined;
    const rowF = DTMF_ROWS[bestRow]!;
    const colF = DTMF_COLS[bestCol]!;
    const rowDev = this.offset(rowF);
    const colDev = this.offset(colF);
    if (Math.abs(rowDev) > rowF * MAX_FREQ_DEV || Math.abs(colDev) > colF * MAX_FREQ_DEV) return undefined;
    const rowPower = rowP / rectResponse(rowDev, N, FS);
    const colPower = colP / rectResponse(colDev, N, FS);
    if (rowPower < this.minPower || colPower < this.minPower) return undefined;
    // twist: normal = row (low group) louder, reverse = column (high group) louder
    const twistDb = 10 * Math.log10(rowPower / colPower);
    if (twistDb > NORMAL_TWIST_DB || -twistDb > REVERSE_TWIST_DB) return undefined;
    // a pure sine fills (A·N/2)² of a bin and A²·N/2 of the energy: share = |X|² / (E·N/2)
    const e = energy(buf, 0, N);
    if (e <= 0 || (rowPower + colPower) / ((e * N) / 2) < MIN_PURITY) return undefined;
    return KEYS[bestRow]![bestCol]!;
  }

  /** Measured frequency offset (Hz) of the tone near `freq`, from the phase advance over SHIFT samples. */
  private offset(freq: number): number {
    dft1(this.buf, 0, SUB, freq, this.tmpA, FS, HANN);
    dft1(this.buf, SHIFT, SUB, freq, this.tmpB, FS, HANN);
    const [ar, ai] = this.tmpA as unknown as [number, number];
    const [br, bi] = this.tmpB as unknown as [number, number];
    // arg(B · conj(A)) = 2π f_true SHIFT / fs (mod 2π)
    const re = br * ar + bi * ai;
    const im = bi * ar - br * ai;
    const expected = (2 * Math.PI * freq * SHIFT) / FS;
    let d = Math.atan2(im, re) - expected;
    d -= 2 * Math.PI * Math.round(d / (2 * Math.PI));
    return (d * FS) / (2 * Math.PI * SHIFT);
  }
}
