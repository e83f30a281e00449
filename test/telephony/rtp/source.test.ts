import test from "ava";
import { MAX_DROPOUT, RtpSource } from "../../../telephony/rtp/source.ts";

function feed(src: RtpSource, seqs: number[]): boolean[] {
  return seqs.map((s) => src.update(s & 0xffff));
}

test("RFC 3550 §A.1: a source is not valid until MIN_SEQUENTIAL packets in sequence arrive", (t) => {
  const src = new RtpSource();
  t.deepEqual(feed(src, [100]), [false]);
  t.false(src.valid);
  t.deepEqual(feed(src, [101, 102]), [true, true]);
  t.true(src.valid);
  t.is(src.received, 2);
});

test("RFC 3550 §A.1: a packet out of sequence during probation restarts probation", (t) => {
  const src = new RtpSource();
  t.deepEqual(feed(src, [10, 50, 51, 52]), [false, false, true, true]);
});

test("RFC 3550 §A.3: lost = expected − received, and the fraction since the last report", (t) => {
  const src = new RtpSource();
  feed(src, [1, 2, 3, 4, 6, 7, 9, 10]); // 5 and 8 missing
  t.is(src.expected, 9); // 2..10
  t.is(src.lost, 2);
  t.is(src.takeFractionLost(), Math.floor((2 * 256) / 9));
  feed(src, [11, 12]);
  t.is(src.takeFractionLost(), 0);
});

test("RFC 3550 §A.1: the sequence number wraps into the cycle count", (t) => {
  const src = new RtpSource();
  feed(src, [65533, 65534, 65535, 0, 1]);
  t.is(src.extendedMax, 65536 + 1);
  t.is(src.extend(65535), 65535);
  t.is(src.lost, 0);
});

test("RFC 3550 §A.1: a jump beyond MAX_DROPOUT is ignored until a second packet confirms it", (t) => {
  const src = new RtpSource();
  feed(src, [1, 2, 3]);
  const far = 3 + MAX_DROPOUT + 10;
  t.false(src.update(far));
  t.true(src.update(4), "the old stream continues");
  t.false(src.update(far + 50));
  t.true(src.update(far + 51), "two sequential packets after the jump: the source restarted");
  t.is(src.expected, 1);
});

test("RFC 3550 §A.1: a duplicate or reordered packet within MAX_MISORDER is counted, not a restart", (t) => {
  const src = new RtpSource();
  feed(src, [1, 2, 3, 4, 5]);
  t.true(src.update(3));
  t.is(src.extendedMax, 5);
});

test("RFC 3550 §A.8: J += (|D| − J)/16 on the transit-time difference", (t) => {
  const src = new RtpSource();
  src.updateJitter(1000, 0);
  src.updateJitter(1160, 160); // D = 0
  t.is(src.jitter, 0);
  src.updateJitter(1480, 320); // D = 160
  t.is(src.jitter, 10);
  src.updateJitter(1640, 480); // D = 0
  t.is(src.jitter, 10 - 10 / 16);
});
