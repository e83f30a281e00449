/** Builds small WAV files in memory for upload and repair tests. */
export interface WavSpec {
  formatTag?: number;
  sampleRate?: number;
  channels?: number;
  bitsPerSample?: number;
  /** Sample data bytes. */
  dataBytes?: number;
  /** Write a WAVE_FORMAT_EXTENSIBLE fmt chunk with `formatTag` as its sub-format. */
  extensible?: boolean;
}

export function makeWav(spec: WavSpec = {}): Buffer {
  const formatTag = spec.formatTag ?? 1;
  const sampleRate = spec.sampleRate ?? 8000;
  const channels = spec.channels ?? 1;
  const bits = spec.bitsPerSample ?? 16;
  const dataBytes = spec.dataBytes ?? 1600;
  const blockAlign = (channels * bits) / 8;
  const fmtSize = spec.extensible ? 40 : 16;
  const header = 20 + fmtSize + 8;
  const buf = Buffer.alloc(header + dataBytes);
  buf.write("RIFF", 0, "latin1");
  buf.writeUInt32LE(header - 8 + dataBytes, 4);
  buf.write("WAVE", 8, "latin1");
  buf.write("fmt ", 12, "latin1");
  buf.writeUInt32LE(fmtSize, 16);
  buf.writeUInt16LE(spec.extensible ? 0xfffe : formatTag, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * blockAlign, 28);
  buf.writeUInt16LE(blockAlign, 32);
  buf.writeUInt16LE(bits, 34);
  if (spec.extensible) {
    buf.writeUInt16LE(22, 36); // cbSize
    buf.writeUInt16LE(bits, 38); // valid bits
    buf.writeUInt32LE(4, 40); // channel mask: front centre
    buf.writeUInt16LE(formatTag, 44); // sub-format GUID, first two bytes
  }
  buf.write("data", header - 8, "latin1");
  buf.writeUInt32LE(dataBytes, header - 4);
  // A square wave so the data is not all zeros.
  for (let i = header; i + 1 < buf.length; i += 2) buf.writeInt16LE(((i >> 5) & 1) === 0 ? 1000 : -1000, i);
  return buf;
}
