import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { ULAW_ENCODE } from "../../../telephony/media/g711.ts";
import {
  decodeWavMono8k,
  encodeWavPcm16,
  parseWavHeader,
  WAV_HEADER_SIZE,
  WavFormatError,
  writeWavHeader,
} from "../../../telephony/media/wav.ts";
import { readWav, sine, writeWav } from "../../support/audio.ts";

function g711Wav(codes: Uint8Array, tag: number): Uint8Array {
  const out = new Uint8Array(WAV_HEADER_SIZE + codes.length);
  writeWavHeader(out, codes.length, 1, 8000, 8);
  new DataView(out.buffer).setUint16(20, tag, true);
  out.set(codes, WAV_HEADER_SIZE);
  return out;
}

test("a PCM16 WAV written and read back holds the same samples", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "wav-"));
  const s = sine([440], 100);
  writeWav(join(dir, "a.wav"), s);
  const back = readWav(join(dir, "a.wav"));
  t.is(back.rate, 8000);
  t.is(back.channels, 1);
  t.deepEqual(back.samples, s);
});

test("a µ-law WAV (format tag 7, RFC 2361) decodes to PCM", (t) => {
  const pcm = sine([1000], 20);
  const codes = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) codes[i] = ULAW_ENCODE[pcm[i]! & 0xffff]!;
  const out = decodeWavMono8k(g711Wav(codes, 7), "u.wav");
  t.is(out.length, pcm.length);
  t.true(Math.abs(out[10]! - pcm[10]!) < 200);
});

test("a file in another format is refused with its name and format", (t) => {
  const stereo = encodeWavPcm16(new Int16Array(100), 2, 8000);
  const e1 = t.throws(() => decodeWavMono8k(stereo, "prompts/hello.wav"), { instanceOf: WavFormatError });
  t.regex(e1.message, /prompts\/hello\.wav/);
  t.regex(e1.message, /2 channel/);
  const wide = encodeWavPcm16(new Int16Array(100), 1, 16000);
  t.regex(t.throws(() => decodeWavMono8k(wide, "x.wav")).message, /16000 Hz/);
  t.regex(t.throws(() => decodeWavMono8k(new Uint8Array(50), "junk.bin")).message, /junk\.bin: not a RIFF/);
});

test("a data chunk whose size runs past the end of a cut file is clamped", (t) => {
  const full = encodeWavPcm16(sine([300], 100));
  const cut = full.subarray(0, WAV_HEADER_SIZE + 400);
  const info = parseWavHeader(cut, "cut.wav");
  t.is(info.dataLength, 400);
});

test("chunks before fmt and data (LIST) are skipped", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "wav-"));
  const base = encodeWavPcm16(sine([300], 20));
  const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 1, 2, 3, 0]); // odd size padded
  const out = new Uint8Array(base.length + list.length);
  out.set(base.subarray(0, 36));
  out.set(list, 36);
  out.set(base.subarray(36), 36 + list.length);
  writeFileSync(join(dir, "l.wav"), out);
  t.is(readWav(join(dir, "l.wav")).samples.length, 160);
});
