/**
 * RIFF/WAVE headers for the player (reads 8 kHz mono PCM16, µ-law or A-law) and the recorder
 * (writes PCM16). Format tags from RFC 2361 appendix A: 1 = PCM, 6 = A-law, 7 = µ-law.
 */
import { ALAW_DECODE, ULAW_DECODE } from "./g711.ts";

export const WAVE_FORMAT_PCM = 1;
export const WAVE_FORMAT_ALAW = 6;
export const WAVE_FORMAT_MULAW = 7;
/** Size of the canonical header we write: RIFF(12) + fmt(8+16) + data(8). */
export const WAV_HEADER_SIZE = 44;

export interface WavFormat {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

export interface WavInfo extends WavFormat {
  /** Byte offset of the first data byte. */
  dataOffset: number;
  /** Bytes of audio data (clamped to what the file holds). */
  dataLength: number;
}

export class WavFormatError extends Error {
  override readonly name = "WavFormatError";
}

function formatName(f: WavFormat): string {
  const tag =
    f.formatTag === WAVE_FORMAT_PCM
      ? `PCM ${f.bitsPerSample}-bit`
      : f.formatTag === WAVE_FORMAT_ALAW
        ? "A-law"
        : f.formatTag === WAVE_FORMAT_MULAW
          ? "mu-law"
          : `format tag ${f.formatTag}`;
  return `${tag}, ${f.channels} channel(s), ${f.sampleRate} Hz`;
}

/** Finds the fmt and data chunks. A data chunk whose size runs past the end is clamped (a cut file). */
export function parseWavHeader(buf: Uint8Array, name = "WAV data"): WavInfo {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (o: number) => String.fromCharCode(buf[o]!, buf[o + 1]!, buf[o + 2]!, buf[o + 3]!);
  if (buf.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") {
    throw new WavFormatError(`${name}: not a RIFF/WAVE file`);
  }
  let fmt: WavFormat | undefined;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = tag(off);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > buf.length) throw new WavFormatError(`${name}: truncated fmt chunk`);
      fmt = {
        formatTag: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      if (!fmt) throw new WavFormatError(`${name}: data chunk before fmt chunk`);
      return { ...fmt, dataOffset: body, dataLength: Math.min(size, buf.length - body) };
    }
    off = body + size + (size & 1); // chunks are padded to even sizes
  }
  throw new WavFormatError(`${name}: no data chunk`);
}

/**
 * Decodes a prompt file to 8 kHz mono 16-bit samples. Anything else is refused with the file's
 * name and format: we do not resample on the call path.
 */
export function decodeWavMono8k(buf: Uint8Array, name = "WAV data"): Int16Array {
  const info = parseWavHeader(buf, name);
  const ok =
    info.channels === 1 &&
    info.sampleRate === 8000 &&
    ((info.formatTag === WAVE_FORMAT_PCM && info.bitsPerSample === 16) ||
      ((info.formatTag === WAVE_FORMAT_ALAW || info.formatTag === WAVE_FORMAT_MULAW) && info.bitsPerSample === 8));
  if (!ok) {
    throw new WavFormatError(
      `${name}: unsupported format (${formatName(info)}); expected 8000 Hz mono 16-bit PCM, mu-law or A-law`,
    );
  }
  if (info.formatTag === WAVE_FORMAT_PCM) {
    const n = info.dataLength >> 1;
    const out = new Int16Array(n);
    const view = new DataView(buf.buffer, buf.byteOffset + info.dataOffset, n * 2);
    for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
    return out;
  }
  const table = info.formatTag === WAVE_FORMAT_MULAW ? ULAW_DECODE : ALAW_DECODE;
  const out = new Int16Array(info.dataLength);
  for (let i = 0; i < out.length; i++) out[i] = table[buf[info.dataOffset + i]!]!;
  return out;
}

/** Writes the canonical 44-byte PCM header for `dataLength` bytes of data into `out`. */
export function writeWavHeader(
  out: Uint8Array,
  dataLength: number,
  channels: number,
  sampleRate = 8000,
  bitsPerSample = 16,
): Uint8Array {
  const view = new DataView(out.buffer, out.byteOffset, WAV_HEADER_SIZE);
  const put = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i);
  };
  const blockAlign = (channels * bitsPerSample) >> 3;
  put(0, "RIFF");
  view.setUint32(4, 36 + dataLength, true);
  put(8, "WAVE");
  put(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bitsPerSample, true);
  put(36, "data");
  view.setUint32(40, dataLength, true);
  return out;
}

/** A whole PCM16 WAV file (tests and prompt tooling); interleaved samples for stereo. */
export function encodeWavPcm16(samples: Int16Array, channels = 1, sampleRate = 8000): Uint8Array {
  const out = new Uint8Array(WAV_HEADER_SIZE + samples.length * 2);
  writeWavHeader(out, samples.length * 2, channels, sampleRate);
  const view = new DataView(out.buffer, WAV_HEADER_SIZE);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return out;
}

/** All samples of a PCM16 WAV of any channel count, interleaved. */
export function decodeWavPcm16(buf: Uint8Array, name = "WAV data"): { info: WavInfo; samples: Int16Array } {
  const info = parseWavHeader(buf, name);
  if (info.formatTag !== WAVE_FORMAT_PCM || info.bitsPerSample !== 16) {
    throw new WavFormatError(`${name}: not 16-bit PCM (${formatName(info)})`);
  }
  const n = info.dataLength >> 1;
  const samples = new Int16Array(n);
  const view = new DataView(buf.buffer, buf.byteOffset + info.dataOffset, n * 2);
  for (let i = 0; i < n; i++) samples[i] = view.getInt16(i * 2, true);
  return { info, samples };
}
