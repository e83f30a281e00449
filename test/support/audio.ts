/**
 * Audio helpers for tests: synthesize tones and noise, read and write WAV files, and ask
 * "is frequency X present in this audio/file" with a Goertzel filter. Anyone who needs to check
 * what a handset or a recording heard can use these.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dft1, energy, goertzelPower } from "../../telephony/media/goertzel.ts";
import { amplitudeToDbm0, dbm0ToAmplitude } from "../../telephony/media/levels.ts";
import { decodeWavMono8k, decodeWavPcm16, encodeWavPcm16, parseWavHeader } from "../../telephony/media/wav.ts";

export const RATE = 8000;

export function msToSamples(ms: number, rate = RATE): number {
  return Math.round((ms * rate) / 1000);
}

/** Deterministic PRNG (mulberry32) so noisy tests are the same every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ToneOpts {
  /** Level of each frequency in dBm0 (default −10). */
  levelDbm0?: number;
  /** Per-frequency levels, overriding levelDbm0. */
  levelsDbm0?: number[];
  rate?: number;
}

/** A sum of sines, `ms` long. */
export function sine(freqs: number[], ms: number, opts: ToneOpts = {}): Int16Array {
  const rate = opts.rate ?? RATE;
  const n = msToSamples(ms, rate);
  const out = new Int16Array(n);
  const amps = freqs.map((_, k) => dbm0ToAmplitude(opts.levelsDbm0?.[k] ?? opts.levelDbm0 ?? -10));
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let k = 0; k < freqs.length; k++) v += amps[k]! * Math.sin((2 * Math.PI * freqs[k]! * i) / rate);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}

export function silence(ms: number, rate = RATE): Int16Array {
  return new Int16Array(msToSamples(ms, rate));
}

export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Adds white Gaussian noise at `dbm0` (RMS level), in place; returns the same array. */
export function addNoise(samples: Int16Array, dbm0: number, seed = 1): Int16Array {
  const rnd = seededRandom(seed);
  const rms = dbm0ToAmplitude(dbm0) / Math.SQRT2;
  for (let i = 0; i < samples.length; i++) {
    // Box-Muller
    const g = Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
    samples[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! + g * rms)));
  }
  return samples;
}

export const DTMF_FREQS: Record<string, [number, number]> = {};
{
  const rows = [697, 770, 852, 941];
  const cols = [1209, 1336, 1477, 1633];
  const keys = ["123A", "456B", "789C", "*0#D"];
  keys.forEach((r, ri) => {
    [...r].forEach((k, ci) => {
      DTMF_FREQS[k] = [rows[ri]!, cols[ci]!];
    });
  });
}

export interface DtmfOpts {
  /** Row (low group) level, dBm0; default −10. */
  rowDbm0?: number;
  /** Column (high group) level, dBm0; default −10. */
  colDbm0?: number;
  /** Multiplies both frequencies (1.015 = +1.5 %). */
  freqScale?: number;
}

export function dtmf(digit: string, ms: number, opts: DtmfOpts = {}): Int16Array {
  const f = DTMF_FREQS[digit];
  if (!f) throw new Error(`no DTMF digit ${digit}`);
  const s = opts.freqScale ?? 1;
  return sine([f[0] * s, f[1] * s], ms, { levelsDbm0: [opts.rowDbm0 ?? -10, opts.colDbm0 ?? -10] });
}

/** Splits `samples` into 160-sample (20 ms) frames, zero-padding the last. */
export function frames(samples: Int16Array, size = 160): Int16Array[] {
  const out: Int16Array[] = [];
  for (let o = 0; o < samples.length; o += size) {
    const f = new Int16Array(size);
    f.set(samples.subarray(o, Math.min(samples.length, o + size)));
    out.push(f);
  }
  return out;
}

export function writeWav(path: string, samples: Int16Array, channels = 1, rate = RATE): void {
  writeFileSync(path, encodeWavPcm16(samples, channels, rate));
}

export interface WavData {
  rate: number;
  channels: number;
  /** Interleaved samples. */
  samples: Int16Array;
  /** One channel's samples. */
  channel(i: number): Int16Array;
}

/** Reads a PCM16 WAV (any channel count), or an 8 kHz mono G.711 WAV decoded to PCM. */
export function readWav(path: string): WavData {
  const buf = readFileSync(path);
  const info = parseWavHeader(buf, path);
  const samples = info.formatTag === 1 ? decodeWavPcm16(buf, path).samples : decodeWavMono8k(buf, path);
  const channels = info.channels;
  return {
    rate: info.sampleRate,
    channels,
    samples,
    channel(i: number) {
      const n = Math.floor(samples.length / channels);
      const out = new Int16Array(n);
      for (let k = 0; k < n; k++) out[k] = samples[k * channels + i]!;
      return out;
    },
  };
}

/** Level in dBm0 of the component at `freq` over `samples[from, from+n)`. */
export function toneLevelDbm0(samples: ArrayLike<number>, freq: number, from = 0, n = samples.length - from): number {
  const p = goertzelPower(samples, from, n, freq, RATE);
  const amplitude = (2 * Math.sqrt(p)) / n;
  return amplitude > 0 ? amplitudeToDbm0(amplitude) : Number.NEGATIVE_INFINITY;
}

export interface PresenceOpts {
  /** Analysis window, ms (default 50). */
  windowMs?: number;
  /** Quietest level that counts, dBm0 (default −40). */
  minDbm0?: number;
  /** Share of the window's energy the frequency must hold (default 0.15). */
  minShare?: number;
}

/** For each window: does `freq` stand out in it? */
export function frequencyPresence(samples: Int16Array, freq: number, opts: PresenceOpts = {}): boolean[] {
  const n = msToSamples(opts.windowMs ?? 50);
  const minDbm0 = opts.minDbm0 ?? -40;
  const minShare = opts.minShare ?? 0.15;
  const out: boolean[] = [];
  for (let o = 0; o + n <= samples.length; o += n) {
    const level = toneLevelDbm0(samples, freq, o, n);
    const e = energy(samples, o, n);
    const p = goertzelPower(samples, o, n, freq, RATE);
    out.push(level >= minDbm0 && e > 0 && p / ((e * n) / 2) >= minShare);
  }
  return out;
}

/** Share (0–1) of the windows in which `freq` is present. */
export function presenceRatio(samples: Int16Array, freq: number, opts: PresenceOpts = {}): number {
  const p = frequencyPresence(samples, freq, opts);
  return p.length === 0 ? 0 : p.filter(Boolean).length / p.length;
}

/** Is `freq` present in at least `minRatio` of the windows of a file's channel? */
export function fileHasFrequency(
  path: string,
  freq: number,
  opts: PresenceOpts & { channel?: number; minRatio?: number } = {},
): boolean {
  const wav = readWav(path);
  const ch = wav.channels === 1 ? wav.samples : wav.channel(opts.channel ?? 0);
  return presenceRatio(ch, freq, opts) >= (opts.minRatio ?? 0.5);
}

/** Measured frequency of the strongest component near `freq` (±100 Hz), from the DFT phase. */
export function measureFrequency(samples: Int16Array, freq: number, from = 0, n = 400): number {
  const shift = 40;
  const a = new Float64Array(2);
  const b = new Float64Array(2);
  dft1(samples, from, n, freq, a, RATE);
  dft1(samples, from + shift, n, freq, b, RATE);
  const re = b[0]! * a[0]! + b[1]! * a[1]!;
  const im = b[1]! * a[0]! - b[0]! * a[1]!;
  let d = Math.atan2(im, re) - (2 * Math.PI * freq * shift) / RATE;
  d -= 2 * Math.PI * Math.round(d / (2 * Math.PI));
  return freq + (d * RATE) / (2 * Math.PI * shift);
}

/** RMS level of the samples in dBm0 (a sine's level, so −10 dBm0 tone reads −10). */
export function rmsDbm0(samples: Int16Array): number {
  if (samples.length === 0) return Number.NEGATIVE_INFINITY;
  const rms = Math.sqrt(energy(samples, 0, samples.length) / samples.length);
  return rms > 0 ? amplitudeToDbm0(rms * Math.SQRT2) : Number.NEGATIVE_INFINITY;
}
