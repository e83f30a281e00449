import test from "ava";
import {
  ALAW_DECODE,
  ALAW_ENCODE,
  ALAW_SILENCE,
  decodeG711,
  encodeG711,
  ULAW_DECODE,
  ULAW_ENCODE,
  ULAW_SILENCE,
} from "../../../telephony/media/g711.ts";

test("every µ-law code decodes to a value that encodes back to the same code (G.711 table 2a)", (t) => {
  for (let c = 0; c < 256; c++) {
    if (c === 0x7f) continue; // negative zero: 0x7f and 0xff both decode to 0
    t.is(ULAW_ENCODE[ULAW_DECODE[c]! & 0xffff], c, `code ${c}`);
  }
});

test("every A-law code decodes to a value that encodes back to the same code (G.711 table 1a)", (t) => {
  for (let c = 0; c < 256; c++) t.is(ALAW_ENCODE[ALAW_DECODE[c]! & 0xffff], c, `code ${c}`);
});

test("G.711 decoder end points: µ-law ±32124, A-law ±32256, and silence codes", (t) => {
  t.is(ULAW_DECODE[0x00], -32124);
  t.is(ULAW_DECODE[0x80], 32124);
  t.is(ALAW_DECODE[0xaa], 32256);
  t.is(ALAW_DECODE[0x2a], -32256);
  t.is(ULAW_ENCODE[0], ULAW_SILENCE);
  t.is(ALAW_ENCODE[0], ALAW_SILENCE);
});

test("the quantisation error stays within one step of each law's segment", (t) => {
  for (let s = -32768; s <= 32767; s += 7) {
    const u = ULAW_DECODE[ULAW_ENCODE[s & 0xffff]!]!;
    const a = ALAW_DECODE[ALAW_ENCODE[s & 0xffff]!]!;
    // the largest segment step is 1024 (µ-law) / 1024 (A-law) at the top; relative error < 1/16
    const tol = Math.max(16, Math.abs(s) / 16 + 8);
    t.true(Math.abs(u - Math.max(-32124, Math.min(32124, s))) <= tol + 132, `µ-law ${s} -> ${u}`);
    t.true(Math.abs(a - s) <= tol + 512, `A-law ${s} -> ${a}`);
  }
});

test("encodeG711/decodeG711 move a frame through a law and back", (t) => {
  const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
  const codes = new Uint8Array(160);
  const back = new Int16Array(160);
  encodeG711(ULAW_ENCODE, pcm, codes);
  decodeG711(ULAW_DECODE, codes, back);
  for (let i = 0; i < 160; i++) t.true(Math.abs(back[i]! - pcm[i]!) <= 256);
});
