import test from "ava";
import type { DtmfEvent } from "../../../telephony/api.ts";
import {
  digitToEvent,
  type EventPacket,
  eventToDigit,
  parseTelephoneEvent,
  splitDigits,
  TelephoneEventReceiver,
  TelephoneEventSender,
  writeTelephoneEvent,
} from "../../../telephony/rtp/telephone-event.ts";

test("RFC 4733 §3.2: events 0-9, * = 10, # = 11, A-D = 12-15, flash = 16", (t) => {
  t.deepEqual([..."0123456789*#ABCD"].map(digitToEvent), [...Array(16).keys()]);
  t.is(digitToEvent("flash"), 16);
  t.is(eventToDigit(16), "flash");
  t.is(eventToDigit(11), "#");
  t.is(eventToDigit(17), undefined);
  t.deepEqual(splitDigits("1a#flash9"), ["1", "A", "#", "flash", "9"]);
  t.throws(() => splitDigits("1x"));
});

test("the payload round-trips: event, E bit, volume, duration", (t) => {
  const buf = new Uint8Array(4);
  writeTelephoneEvent(buf, 0, { event: 11, end: true, volume: 10, duration: 800 });
  t.deepEqual([...buf], [11, 0x8a, 3, 32]);
  t.deepEqual(parseTelephoneEvent(buf), { event: 11, end: true, volume: 10, duration: 800 });
});

function drain(sender: TelephoneEventSender, ticks: number): Array<EventPacket | undefined> {
  const out: Array<EventPacket | undefined> = [];
  for (let i = 0; i < ticks; i++) out.push(sender.next(1000 + i * 160));
  return out;
}

test("RFC 4733 §2.5.1: marker on the first packet, timestamp fixed at the start, duration grows, end ×3", async (t) => {
  const s = new TelephoneEventSender();
  const done = s.enqueue("5", 100);
  const pkts = drain(s, 8).filter((p): p is EventPacket => p !== undefined);
  t.deepEqual(
    pkts.map((p) => [p.marker, p.timestamp, p.event.duration, p.event.end]),
    [
      [true, 1000, 160, false],
      [false, 1000, 320, false],
      [false, 1000, 480, false],
      [false, 1000, 640, false],
      [false, 1000, 800, true],
      [false, 1000, 800, true],
      [false, 1000, 800, true],
    ],
  );
  await done;
  t.false(s.busy);
});

test("digits are separated by a gap of audio; a flash lasts 300 ms", (t) => {
  const s = new TelephoneEventSender();
  s.enqueue("1", 40);
  s.enqueue("flash");
  const pkts = drain(s, 30);
  // 1: two packets + two end repeats, then 50 ms gap (rounded up to 3 ticks: 2.5), then flash
  t.truthy(pkts[0]);
  t.is(pkts[3]?.event.end, true);
  t.is(pkts[4], undefined);
  const flash = pkts.find((p) => p?.event.event === 16 && p.event.end);
  t.is(flash?.event.duration, 2400);
});

test("RFC 4733 §2.5.1.3: an event longer than 0xFFFF samples is split into segments", (t) => {
  const s = new TelephoneEventSender();
  s.enqueue("0", 10000); // 80 000 samples
  const pkts = drain(s, 520).filter((p): p is EventPacket => p !== undefined);
  const seg1 = pkts.filter((p) => p.timestamp === 1000);
  const seg2 = pkts.filter((p) => p.timestamp === 1000 + 0xffff);
  t.is(seg1.at(-1)?.event.duration, 0xffff);
  t.false(seg1.at(-1)?.event.end);
  t.false(seg2[0]?.marker);
  t.is(seg2.at(-1)?.event.duration, 80000 - 0xffff);
  t.true(seg2.at(-1)?.event.end);
  // and the receiver adds the segments back up
  const got: DtmfEvent[] = [];
  const r = new TelephoneEventReceiver((e) => got.push(e));
  for (const p of pkts) r.receive(p.timestamp, p.marker, p.event, 0);
  t.deepEqual(got, [{ digit: "0", method: "rfc4733", durationMs: 10000 }]);
});

test("RFC 4733 §2.5.2: the receiver reports a key once, at its end, ignoring the end retransmissions", (t) => {
  const got: DtmfEvent[] = [];
  const r = new TelephoneEventReceiver((e) => got.push(e));
  const s = new TelephoneEventSender();
  s.enqueue("#", 100);
  s.enqueue("#", 60);
  for (const p of drain(s, 20)) if (p) r.receive(p.timestamp, p.marker, p.event, 0);
  t.deepEqual(got, [
    { digit: "#", method: "rfc4733", durationMs: 100 },
    { digit: "#", method: "rfc4733", durationMs: 60 },
  ]);
});

test("an event whose end packets are all lost is reported when the next begins or it goes quiet", (t) => {
  const got: DtmfEvent[] = [];
  const r = new TelephoneEventReceiver((e) => got.push(e));
  r.receive(1000, true, { event: 1, end: false, volume: 10, duration: 160 }, 0);
  r.receive(1000, false, { event: 1, end: false, volume: 10, duration: 320 }, 20);
  r.receive(5000, true, { event: 2, end: false, volume: 10, duration: 160 }, 300);
  t.deepEqual(
    got.map((g) => [g.digit, g.durationMs]),
    [["1", 40]],
  );
  r.expire(500);
  t.is(got.length, 1, "not quiet long enough yet");
  r.expire(800);
  t.deepEqual(
    got.map((g) => g.digit),
    ["1", "2"],
  );
});

test("hook flash (event 16) is reported as 'flash'", (t) => {
  const got: DtmfEvent[] = [];
  const r = new TelephoneEventReceiver((e) => got.push(e));
  r.receive(1, true, { event: 16, end: true, volume: 10, duration: 2400 }, 0);
  t.deepEqual(got, [{ digit: "flash", method: "rfc4733", durationMs: 300 }]);
});
