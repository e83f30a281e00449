/**
 * Transaction timers share one clock timer per duration; each must still fire at its own
 * start + ms, and a cancelled one must leave nothing on the clock.
 */
import test from "ava";
import { VirtualClock } from "../../../telephony/clock.ts";
import { TimerQueue } from "../../../telephony/sip/timer-queue.ts";

test("timers of one length started at different times each fire at their own start + ms", (t) => {
  const clock = new VirtualClock();
  const q = new TimerQueue(clock);
  const t0 = clock.monotonic();
  const fired: Array<[string, number]> = [];
  q.add(32_000, () => fired.push(["a", clock.monotonic() - t0]));
  clock.advance(10);
  q.add(32_000, () => fired.push(["b", clock.monotonic() - t0]));
  q.add(500, () => fired.push(["c", clock.monotonic() - t0]));
  t.is(clock.pending(), 2, "one clock timer per length");
  clock.advance(31_989);
  t.deepEqual(fired, [["c", 510]]);
  clock.advance(1);
  t.deepEqual(fired, [
    ["c", 510],
    ["a", 32_000],
  ]);
  clock.advance(10);
  t.deepEqual(fired.at(-1), ["b", 32_010]);
  t.is(clock.pending(), 0);
  t.is(q.size, 0);
});

test("a cancelled timer never fires, and cancelling the last one leaves no clock timer", (t) => {
  const clock = new VirtualClock();
  const q = new TimerQueue(clock);
  const fired: string[] = [];
  const a = q.add(1000, () => fired.push("a"));
  q.add(1000, () => fired.push("b"));
  const c = q.add(1000, () => fired.push("c"));
  q.cancel(a);
  t.is(a.fn, undefined, "the callback is released at once");
  q.cancel(c);
  clock.advance(1000);
  t.deepEqual(fired, ["b"]);
  t.is(clock.pending(), 0);
  const d = q.add(1000, () => fired.push("d"));
  q.cancel(d);
  t.is(clock.pending(), 0);
  t.is(q.size, 0);
});

test("a callback may cancel a timer due at the same moment, or start one of the same length", (t) => {
  const clock = new VirtualClock();
  const q = new TimerQueue(clock);
  const fired: string[] = [];
  let later: ReturnType<TimerQueue["add"]> | undefined;
  q.add(100, () => {
    fired.push("first");
    if (later) q.cancel(later);
    q.add(100, () => fired.push("restarted"));
  });
  later = q.add(100, () => fired.push("cancelled"));
  clock.advance(100);
  t.deepEqual(fired, ["first"]);
  clock.advance(100);
  t.deepEqual(fired, ["first", "restarted"]);
  t.is(clock.pending(), 0);
});

test("a zero-length timer started by a zero-length timer waits for the next turn of the clock", (t) => {
  const clock = new VirtualClock();
  const q = new TimerQueue(clock);
  const fired: string[] = [];
  q.add(0, () => {
    fired.push("outer");
    q.add(0, () => fired.push("inner"));
    t.deepEqual(fired, ["outer"]);
  });
  clock.advance(0);
  t.deepEqual(fired, ["outer", "inner"]);
});

test("a callback that throws does not lose the timers queued behind it", (t) => {
  const clock = new VirtualClock();
  const q = new TimerQueue(clock);
  const fired: string[] = [];
  q.add(10, () => {
    throw new Error("boom");
  });
  q.add(10, () => fired.push("next"));
  t.throws(() => clock.advance(10), { message: "boom" });
  clock.advance(0);
  t.deepEqual(fired, ["next"]);
  t.is(clock.pending(), 0);
});
