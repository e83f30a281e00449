import test from "ava";
import { emptyHeader, parseRtpHeader, writeRtpHeader } from "../../../telephony/rtp/packet.ts";

test("a written header parses back to the same fields", (t) => {
  const buf = new Uint8Array(172);
  writeRtpHeader(buf, true, 101, 0xfffe, 0xdeadbeef, 0x12345678);
  const h = emptyHeader();
  t.true(parseRtpHeader(buf, h));
  t.deepEqual(h, {
    marker: true,
    payloadType: 101,
    sequenceNumber: 0xfffe,
    timestamp: 0xdeadbeef,
    ssrc: 0x12345678,
    payloadOffset: 12,
    payloadLength: 160,
  });
});

test("RFC 3550 §5.1: CSRCs, a header extension and padding are skipped", (t) => {
  // V=2 P=1 X=1 CC=2
  const buf = new Uint8Array(12 + 8 + 8 + 4 + 4);
  buf[0] = 0x80 | 0x20 | 0x10 | 2;
  buf[1] = 0;
  // extension at 20: profile 0xbede, length 1 word
  buf[22] = 0;
  buf[23] = 1;
  buf.set([1, 2, 3, 4], 28); // payload
  buf[buf.length - 1] = 4; // 4 bytes of padding
  const h = emptyHeader();
  t.true(parseRtpHeader(buf, h));
  t.is(h.payloadOffset, 28);
  t.is(h.payloadLength, 4);
});

test("packets that are not RTP version 2 or whose lengths do not add up are refused", (t) => {
  const h = emptyHeader();
  t.false(parseRtpHeader(new Uint8Array(8), h));
  const v1 = new Uint8Array(20);
  v1[0] = 0x40;
  t.false(parseRtpHeader(v1, h));
  const badCc = new Uint8Array(16);
  badCc[0] = 0x80 | 5; // 5 CSRCs need 32 bytes
  t.false(parseRtpHeader(badCc, h));
  const badPad = new Uint8Array(16);
  badPad[0] = 0xa0;
  badPad[15] = 200;
  t.false(parseRtpHeader(badPad, h));
});
