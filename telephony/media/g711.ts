/**
 * G.711 µ-law and A-law, table driven. Encoding indexes a 64 K table by the 16-bit sample, decoding
 * a 256-entry table, so the hot path is one lookup per sample and never allocates.
 * ITU-T G.711 §2 (tables 1a/1b and 2a/2b); the bit-exact segment algorithm is the one in the
 * ITU-T G.191 reference software (g711.c).
 */

export type G711Law = "PCMU" | "PCMA";

/** Static RTP payload types, RFC 3551 §6 table 4. */
export const PCMU_PT = 0;
export const PCMA_PT = 8;

/** The code each law uses for digital silence (the encoding of sample 0). */
export const ULAW_SILENCE = 0xff;
export const ALAW_SILENCE = 0xd5;

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

function linearToUlaw(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > ULAW_CLIP) s = ULAW_CLIP;
  s += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return sign ? -magnitude : magnitude;
}

function linearToAlaw(sample: number): number {
  // G.191 alaw_compress: 12-bit magnitude, one's complement for negatives.
  let ix = sample < 0 ? ~sample >> 4 : sample >> 4;
  if (ix > 15) {
    let exp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      exp++;
    }
    ix -= 16;
    ix += exp << 4;
  }
  if (sample >= 0) ix |= 0x80;
  return ix ^ 0x55;
}

function alawToLinear(code: number): number {
  // G.191 alaw_expand
  const ix = (code ^ 0x55) & 0x7f;
  const exp = ix >> 4;
  let mant = ix & 0x0f;
  if (exp > 0) mant += 16;
  mant = (mant << 4) + 8;
  if (exp > 1) mant <<= exp - 1;
  return code > 127 ? mant : -mant;
}

/** Decoded 16-bit value of every code. */
export const ULAW_DECODE: Int16Array = new Int16Array(256);
export const ALAW_DECODE: Int16Array = new Int16Array(256);
/** Code for every 16-bit sample, indexed by `sample & 0xffff`. */
export const ULAW_ENCODE: Uint8Array = new Uint8Array(65536);
export const ALAW_ENCODE: Uint8Array = new Uint8Array(65536);

for (let c = 0; c < 256; c++) {
  ULAW_DECODE[c] = ulawToLinear(c);
  ALAW_DECODE[c] = alawToLinear(c);
}
for (let i = 0; i < 65536; i++) {
  const sample = i >= 32768 ? i - 65536 : i;
  ULAW_ENCODE[i] = linearToUlaw(sample);
  ALAW_ENCODE[i] = linearToAlaw(sample);
}

export function decodeTable(law: G711Law): Int16Array {
  return law === "PCMU" ? ULAW_DECODE : ALAW_DECODE;
}

export function encodeTable(law: G711Law): Uint8Array {
  return law === "PCMU" ? ULAW_ENCODE : ALAW_ENCODE;
}

export function silenceCode(law: G711Law): number {
  return law === "PCMU" ? ULAW_SILENCE : ALAW_SILENCE;
}

/** Encodes `n` samples of `pcm` into `out` (from `outOffset`). */
export function encodeG711(table: Uint8Array, pcm: Int16Array, out: Uint8Array, outOffset = 0, n = pcm.length): void {
  for (let i = 0; i < n; i++) out[outOffset + i] = table[pcm[i]! & 0xffff]!;
}

/** Decodes `n` codes of `codes` (from `offset`) into `pcm`. */
export function decodeG711(table: Int16Array, codes: Uint8Array, pcm: Int16Array, offset = 0, n = pcm.length): void {
  for (let i = 0; i < n; i++) pcm[i] = table[codes[offset + i]!]!;
}
