import test from "ava";
import { VirtualClock } from "../../telephony/clock.ts";

test("virtual timers fire in due order, ties in the order they were set", (t) => {
  const clock = new VirtualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push("b"), 20);
  clock.setTimeout(() => fired.push("a"), 10);
  clock.setTimeout(() => fired.push("c"), 20);
  clock.advance(15);
  t.deepEqual(fired, ["a"]);
  clock.advance(5);
  t.deepEqual(fired, ["a", "b", "c"]);
  t.is(clock.now(), 20);
});

test("an interval fires once per period and stops when cleared", (t) => {
  const clock = new VirtualClock(0);
  let n = 0;
  const h = clock.setInterval(() => n++, 100);
  clock.advance(350);
  t.is(n, 3);
  clock.clearInterval(h);
  clock.advance(1000);
  t.is(n, 3);
  t.is(clock.pending(), 0);
});

test("a timer set from inside a timer fires in the same advance when due", (t) => {
  const clock = new VirtualClock(0);
  const at: number[] = [];
  clock.setTimeout(() => {
    at.push(clock.now());
    clock.setTimeout(() => at.push(clock.now()), 10);
  }, 10);
  clock.advance(25);
  t.deepEqual(at, [10, 20]);
});

test("set() refuses to move time backwards", (t) => {
  const clock = new VirtualClock(1000);
  t.throws(() => clock.set(999), { message: /backwards/ });
});
