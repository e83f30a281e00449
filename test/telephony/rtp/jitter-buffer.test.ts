import test from "ava";
import { JitterBuffer } from "../../../telephony/rtp/jitter-buffer.ts";

const SIL = 0xff;

function pkt(seq: number, len = 160): Uint8Array {
  return new Uint8Array(len).fill(seq & 0x7f);
}

/** What the buffer plays: the fill byte of each frame, or "-" for silence. */
function pullOne(jb: JitterBuffer): string {
  const out = new Uint8Array(160);
  return jb.pull(out, SIL) ? String(out[0]) : "-";
}

test("playout waits until the target depth is buffered, then plays in sequence order", (t) => {
  const jb = new JitterBuffer({ initialMs: 40 });
  jb.push(10, pkt(10));
  t.is(pullOne(jb), "-");
  jb.push(12, pkt(12));
  jb.push(11, pkt(11)); // reordered
  t.deepEqual([pullOne(jb), pullOne(jb), pullOne(jb)], ["10", "11", "12"]);
});

test("a packet missing while later ones are buffered is played as silence and counted lost", (t) => {
  const jb = new JitterBuffer({ initialMs: 40 });
  for (const s of [1, 2, 4, 5]) jb.push(s, pkt(s));
  t.deepEqual([pullOne(jb), pullOne(jb), pullOne(jb), pullOne(jb)], ["1", "2", "-", "4"]);
  t.is(jb.lost, 1);
});

test("a late packet is dropped and the target grows by one frame", (t) => {
  const jb = new JitterBuffer({ initialMs: 40 });
  for (const s of [1, 2, 4]) jb.push(s, pkt(s));
  pullOne(jb);
  pullOne(jb);
  pullOne(jb); // 3 is skipped as lost
  jb.push(3, pkt(3)); // arrives after its turn
  t.is(jb.late, 1);
  t.is(jb.targetMs, 60);
  t.is(pullOne(jb), "-", "playout stalls a frame to make room");
  t.is(pullOne(jb), "4");
});

test("running dry grows the target and re-buffers before playing again", (t) => {
  const jb = new JitterBuffer({ initialMs: 20 });
  jb.push(1, pkt(1));
  t.is(pullOne(jb), "1");
  t.is(pullOne(jb), "-");
  t.is(jb.underruns, 1);
  t.is(jb.targetMs, 40);
  jb.push(2, pkt(2));
  t.is(pullOne(jb), "-", "one frame is not the new 40 ms target");
  jb.push(3, pkt(3));
  t.deepEqual([pullOne(jb), pullOne(jb)], ["2", "3"]);
});

test("after a stable period the target shrinks and excess delay is shed", (t) => {
  const jb = new JitterBuffer({ initialMs: 100, minMs: 20, stableMs: 1000 });
  let seq = 0;
  // a burst put 200 ms in the buffer, then packets arrive one per tick
  for (let i = 0; i < 10; i++) jb.push(seq, pkt(seq++));
  for (let i = 0; i < 500; i++) {
    jb.push(seq, pkt(seq++));
    pullOne(jb);
  }
  t.true(jb.targetMs < 100, `target ${jb.targetMs}`);
  t.true(jb.bufferedMs <= jb.targetMs + 40, `buffered ${jb.bufferedMs} for target ${jb.targetMs}`);
  t.true(jb.dropped > 0);
});

test("packets of 30 ms are played across 20 ms frames without a gap", (t) => {
  const jb = new JitterBuffer({ initialMs: 20 });
  jb.push(1, pkt(1, 240));
  jb.push(2, pkt(2, 240));
  const out = new Uint8Array(160);
  t.true(jb.pull(out, SIL));
  t.true(out.every((b) => b === 1));
  t.true(jb.pull(out, SIL));
  t.deepEqual([out[0], out[79], out[80], out[159]], [1, 1, 2, 2]);
  t.true(jb.pull(out, SIL));
  t.true(out.every((b) => b === 2));
});

test("a duplicate is counted and played once", (t) => {
  const jb = new JitterBuffer({ initialMs: 20 });
  jb.push(1, pkt(1));
  jb.push(1, pkt(1));
  jb.push(2, pkt(2));
  t.is(jb.duplicates, 1);
  t.deepEqual([pullOne(jb), pullOne(jb)], ["1", "2"]);
});

test("a burst beyond the ceiling is cut straight back to the target", (t) => {
  const jb = new JitterBuffer({ initialMs: 40, maxMs: 200 });
  for (let s = 0; s < 60; s++) jb.push(s, pkt(s)); // 1.2 s arrives at once after a stall
  pullOne(jb);
  t.true(jb.bufferedMs <= 60, `buffered ${jb.bufferedMs} ms`);
  t.is(jb.dropped, 1);
  t.is(pullOne(jb), "59", "the newest audio is what is left");
});
