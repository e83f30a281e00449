/**
 * Single-bin DFTs. The Goertzel recurrence gives a bin's power with one multiply per sample; the
 * complex form gives the phase too, which the DTMF detector uses to measure a tone's frequency.
 */

/** |X(f)|² of `x[from .. from+n)` at `freq` Hz (any frequency, not only bin centres). */
export function goertzelPower(x: ArrayLike<number>, from: number, n: number, freq: number, sampleRate = 8000): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = x[from + i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/** Complex X(f) of `x[from .. from+n)` (optionally windowed by `weights`), written to `out` as [re, im]. */
export function dft1(
  x: ArrayLike<number>,
  from: number,
  n: number,
  freq: number,
  out: Float64Array,
  sampleRate = 8000,
  weights?: ArrayLike<number>,
): void {
  const w = (2 * Math.PI * freq) / sampleRate;
  const cw = Math.cos(w);
  const sw = Math.sin(w);
  // rotate a phasor instead of calling sin/cos per sample
  let c = 1;
  let s = 0;
  let re = 0;
  let im = 0;
  for (let i = 0; i < n; i++) {
    const v = weights ? x[from + i]! * weights[i]! : x[from + i]!;
    re += v * c;
    im -= v * s;
    const c2 = c * cw - s * sw;
    s = s * cw + c * sw;
    c = c2;
  }
  out[0] = re;
  out[1] = im;
}

/** Sum of squares of `x[from .. from+n)`. */
export function energy(x: ArrayLike<number>, from: number, n: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) {
    const v = x[from + i]!;
    e += v * v;
  }
  return e;
}

/**
 * Power of a rectangular-window DFT bin relative to its peak when the tone is `offsetHz` away:
 * |sin(πδN/fs) / (N sin(πδ/fs))|².
 */
export function rectResponse(offsetHz: number, n: number, sampleRate = 8000): number {
  const a = (Math.PI * offsetHz) / sampleRate;
  if (Math.abs(a) < 1e-12) return 1;
  const r = Math.sin(a * n) / (n * Math.sin(a));
  return r * r;
}
