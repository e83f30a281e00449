/** Builds small WAV files in memory for upload and repair tests. */
export interface WavSpec {
  formatTag?: number;
  sampleRate?: number;
  channels?: number;
  bitsPerSample?: number;
  /** Sample data bytes. */
  dataBytes?: number;
}

export function makeWav(spec: WavSpec = {}): Buffer {
  const formatTag = spec.formatTag ?? 1;
  const sampleRate = spec.sampleRate ?? 8000;
  const channels = spec.channels ?? 1;
  const bits = spec.bitsPerSample ?? 16;
  const dataBytes = spec.dataBytes ?? 1600;
  const blockAlign = (channels * bits) / 8;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write("RIFF", 0, "latin1");
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write("WAVE", 8, "latin1");
  buf.write("fmt ", 12, "latin1");
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(formatTag, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * blockAlign, 28);
  buf.writeUInt16LE(blockAlign, 32);
  buf.writeUInt16LE(bits, 34);
  buf.write("data", 36, "latin1");
  buf.writeUInt32LE(dataBytes, 40);
  // A quiet 400 Hz-ish square wave so the data is not all zeros.
  for (let i = 44; i + 1 < buf.length; i += 2) buf.writeInt16LE(((i >> 5) & 1) === 0 ? 1000 : -1000, i);
  return buf;
}
