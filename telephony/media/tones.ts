/**
 * Call-progress tones: the North American precise tone plan (ATIS-0300011 / Telcordia
 * GR-506), as listed in the reference, plus the recording warning beep.
 */
import type { NamedTone, ToneDescriptor } from "../api.ts";
import { dbm0ToAmplitude } from "./levels.ts";

export const SAMPLE_RATE = 8000;

/** A segment that never ends on its own (dial tone plays until stopped). */
const CONTINUOUS_MS = 60_000;

export interface ToneSpec {
  segments: ToneDescriptor[];
  /** Loops when `play()` is not told otherwise. */
  loop: boolean;
}

/**
 * dial 350+440 continuous −13 dBm0; ringback 440+480 2 s/4 s −19; busy 480+620 0.5/0.5 −24;
 * reorder 480+620 0.25/0.25 −24; SIT 913.8/1370.6/1776.7 Hz for 274/274/380 ms at −24 dBm0 (the
 * North American "vacant code" segment lengths). The beep is ours: 1400 Hz for 0.5 s at −13 dBm0,
 * the tone 47 CFR 64.501 history and most recorders use for "this call is being recorded"; the
 * caller decides how often to repeat it.
 */
export const NAMED_TONES: Record<NamedTone, ToneSpec> = {
  dial: { segments: [{ freq1: 350, freq2: 440, onMs: CONTINUOUS_MS, offMs: 0, levelDbm0: -13 }], loop: true },
  ringback: { segments: [{ freq1: 440, freq2: 480, onMs: 2000, offMs: 4000, levelDbm0: -19 }], loop: true },
  busy: { segments: [{ freq1: 480, freq2: 620, onMs: 500, offMs: 500, levelDbm0: -24 }], loop: true },
  reorder: { segments: [{ freq1: 480, freq2: 620, onMs: 250, offMs: 250, levelDbm0: -24 }], loop: true },
  sit: {
    segments: [
      { freq1: 913.8, onMs: 274, offMs: 0, levelDbm0: -24 },
      { freq1: 1370.6, onMs: 274, offMs: 0, levelDbm0: -24 },
      { freq1: 1776.7, onMs: 380, offMs: 0, levelDbm0: -24 },
    ],
    loop: false,
  },
  beep: { segments: [{ freq1: 1400, onMs: 500, offMs: 0, levelDbm0: -13 }], loop: false },
};

/** Level used when a descriptor gives none. */
export const DEFAULT_TONE_DBM0 = -13;

/**
 * Synthesizes a list of tone segments into 8 kHz frames. Phase runs on across frames and resets
 * at each segment start, so cadences are sample-exact and the output is the same every run.
 */
export class ToneSynth {
  private segments: ToneDescriptor[] = [];
  private loop = false;
  private index = 0;
  /** Samples already produced of the current segment. */
  private pos = 0;
  private amp = 0;
  private readonly w = new Float64Array(3);
  private nFreq = 0;
  private onSamples = 0;
  private totalSamples = 0;
  active = false;

  start(segments: ToneDescriptor[], loop: boolean): void {
    if (segments.length === 0) throw new RangeError("a tone needs at least one segment");
    for (const s of segments) {
      if (!(s.onMs >= 0 && s.offMs >= 0 && s.onMs + s.offMs > 0)) {
        throw new RangeError(`tone segment needs onMs + offMs > 0 (got ${s.onMs}/${s.offMs})`);
      }
    }
    this.segments = segments;
    this.loop = loop;
    this.enter(0);
    this.active = true;
  }

  stop(): void {
    this.active = false;
  }

  private enter(i: number): void {
    const s = this.segments[i]!;
    this.index = i;
    this.pos = 0;
    const freqs = [s.freq1, s.freq2, s.freq3].filter((f): f is number => f !== undefined && f > 0);
    this.nFreq = freqs.length;
    for (let k = 0; k < freqs.length; k++) this.w[k] = (2 * Math.PI * freqs[k]!) / SAMPLE_RATE;
    this.amp = dbm0ToAmplitude(s.levelDbm0 ?? DEFAULT_TONE_DBM0);
    this.onSamples = Math.round((s.onMs * SAMPLE_RATE) / 1000);
    this.totalSamples = this.onSamples + Math.round((s.offMs * SAMPLE_RATE) / 1000);
  }

  /** Fills `out`; returns false (and leaves `out` silent) once a non-looping tone has ended. */
  fill(out: Int16Array): boolean {
    if (!this.active) {
      out.fill(0);
      return false;
    }
    for (let i = 0; i < out.length; i++) {
      if (this.pos >= this.totalSamples) {
        const next = this.index + 1;
        if (next < this.segments.length) this.enter(next);
        else if (this.loop) this.enter(0);
        else {
          this.active = false;
          out.fill(0, i);
          return i > 0;
        }
      }
      let v = 0;
      if (this.pos < this.onSamples) {
        for (let k = 0; k < this.nFreq; k++) v += Math.sin(this.w[k]! * this.pos);
        v *= this.amp;
      }
      out[i] = Math.max(-32768, Math.min(32767, v));
      this.pos++;
    }
    return true;
  }
}
