/**
 * RIFF/WAVE header reading, shared by prompt upload checks and crash repair of recordings.
 * Only the header is parsed; sample data is never decoded here.
 *
 * Layout from the Microsoft "Multimedia Programming Interface and Data Specifications 1.0"
 * (RIFF, 1991) and the WAVE_FORMAT_EXTENSIBLE note (KSDATAFORMAT_SUBTYPE_*).
 */

/** wFormatTag values we care about (RIFF spec, mmreg.h). */
export const WavFormatTag = {
  pcm: 0x0001,
  alaw: 0x0006,
  mulaw: 0x0007,
  extensible: 0xfffe,
} as const;

export type WavErrorCode =
  | "too-short"
  | "not-riff"
  | "not-wave"
  | "no-fmt"
  | "bad-fmt"
  | "no-data"
  | "unsupported-encoding"
  | "sample-rate"
  | "channels"
  | "empty";

/** A WAV that cannot be used; `code` is stable for API error bodies. */
export class WavFormatError extends Error {
  override readonly name = "WavFormatError";
  readonly code: WavErrorCode;
  constructor(code: WavErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface WavChunk {
  id: string;
  /** Offset of the chunk's 8-byte header in the file. */
  offset: number;
  /** Size as declared in the chunk header (may be wrong in a crashed file). */
  size: number;
}

export interface WavFormat {
  /** Effective format tag: the sub-format for WAVE_FORMAT_EXTENSIBLE files. */
  formatTag: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  blockAlign: number;
  bitsPerSample: number;
  /** The header is WAVE_FORMAT_EXTENSIBLE (formatTag above is its sub-format). */
  extensible: boolean;
}

export interface WavHeader {
  /** RIFF size as declared (file length - 8 in a finished file). */
  riffSize: number;
  format: WavFormat;
  /** Offset of the first sample byte. */
  dataOffset: number;
  /** data chunk size as declared. */
  dataSize: number;
  chunks: WavChunk[];
}

const RIFF_HEADER = 12;
const CHUNK_HEADER = 8;

/**
 * Parses the header of a WAV held (at least up to the data chunk's header) in `buf`.
 * Chunk walking stops at the data chunk: in a file being written or cut short, the bytes after
 * it are samples and nothing can be said about what follows.
 */
export function parseWavHeader(buf: Buffer): WavHeader {
  if (buf.length < RIFF_HEADER + CHUNK_HEADER) throw new WavFormatError("too-short", "file too short to be a WAV");
  if (buf.toString("latin1", 0, 4) !== "RIFF") throw new WavFormatError("not-riff", "not a RIFF file");
  if (buf.toString("latin1", 8, 12) !== "WAVE") throw new WavFormatError("not-wave", "RIFF file is not WAVE");
  const riffSize = buf.readUInt32LE(4);
  const chunks: WavChunk[] = [];
  let format: WavFormat | undefined;
  let off = RIFF_HEADER;
  while (off + CHUNK_HEADER <= buf.length) {
    const id = buf.toString("latin1", off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    chunks.push({ id, offset: off, size });
    if (id === "fmt ") format = parseFmt(buf, off + CHUNK_HEADER, size);
    if (id === "data") {
      if (!format) throw new WavFormatError("no-fmt", "data chunk before fmt chunk");
      return { riffSize, format, dataOffset: off + CHUNK_HEADER, dataSize: size, chunks };
    }
    // RIFF chunks are word aligned: an odd-sized chunk is followed by one pad byte.
    off += CHUNK_HEADER + size + (size % 2);
  }
  if (!format) throw new WavFormatError("no-fmt", "no fmt chunk");
  throw new WavFormatError("no-data", "no data chunk");
}

function parseFmt(buf: Buffer, at: number, size: number): WavFormat {
  if (size < 16 || at + 16 > buf.length) throw new WavFormatError("bad-fmt", "fmt chunk shorter than 16 bytes");
  let formatTag = buf.readUInt16LE(at);
  const extensible = formatTag === WavFormatTag.extensible;
  // WAVE_FORMAT_EXTENSIBLE: cbSize(2) validBits(2) channelMask(4) then the sub-format GUID whose
  // first two bytes are the classic format tag.
  if (extensible) {
    if (size < 40 || at + 26 > buf.length) throw new WavFormatError("bad-fmt", "extensible fmt chunk too short");
    formatTag = buf.readUInt16LE(at + 24);
  }
  return {
    formatTag,
    channels: buf.readUInt16LE(at + 2),
    sampleRate: buf.readUInt32LE(at + 4),
    byteRate: buf.readUInt32LE(at + 8),
    blockAlign: buf.readUInt16LE(at + 12),
    bitsPerSample: buf.readUInt16LE(at + 14),
    extensible,
  };
}

export type PromptEncoding = "pcm16" | "mulaw";

export interface PromptWavInfo {
  encoding: PromptEncoding;
  durationMs: number;
}

/**
 * Checks that a WAV can go to a telephone leg unconverted: 8 kHz mono, 16-bit linear PCM or
 * 8-bit µ-law (G.711, ITU-T G.711 §2), the formats the media player accepts.
 */
export function checkPromptWav(buf: Buffer): PromptWavInfo {
  const h = parseWavHeader(buf);
  const f = h.format;
  // The media player reads the classic header only (telephony/media/wav.ts).
  if (f.extensible)
    throw new WavFormatError(
      "unsupported-encoding",
      "WAVE_FORMAT_EXTENSIBLE header; save as a plain PCM or mu-law WAV",
    );
  let encoding: PromptEncoding;
  if (f.formatTag === WavFormatTag.pcm && f.bitsPerSample === 16) encoding = "pcm16";
  else if (f.formatTag === WavFormatTag.mulaw && f.bitsPerSample === 8) encoding = "mulaw";
  else
    throw new WavFormatError(
      "unsupported-encoding",
      `encoding tag ${f.formatTag} with ${f.bitsPerSample} bits; need 16-bit PCM or 8-bit mu-law`,
    );
  if (f.sampleRate !== 8000) throw new WavFormatError("sample-rate", `sample rate ${f.sampleRate} Hz; need 8000 Hz`);
  if (f.channels !== 1) throw new WavFormatError("channels", `${f.channels} channels; need mono`);
  const available = Math.min(h.dataSize, buf.length - h.dataOffset);
  const bytesPerSecond = encoding === "pcm16" ? 16000 : 8000;
  if (available <= 0) throw new WavFormatError("empty", "no audio samples");
  return { encoding, durationMs: Math.round((available / bytesPerSecond) * 1000) };
}
