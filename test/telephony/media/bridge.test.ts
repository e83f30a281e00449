import test from "ava";
import { ConferenceBridge, FRAME_SAMPLES } from "../../../telephony/media/bridge.ts";

/** A source that always gives the same constant frame. */
function constant(bridge: ConferenceBridge, value: number) {
  return bridge.addPort(
    {
      read(f) {
        f.fill(value);
        return true;
      },
    },
    `const ${value}`,
  );
}

/** A sink that keeps the last frame it was given. */
function sink(bridge: ConferenceBridge) {
  const got = { frame: new Int16Array(FRAME_SAMPLES), hasAudio: false, writes: 0 };
  const port = bridge.addPort(
    {
      write(f, hasAudio) {
        got.frame.set(f);
        got.hasAudio = hasAudio;
        got.writes++;
      },
    },
    "sink",
  );
  return { port, got };
}

test("a sink hears the sum of the ports transmitting to it, each at its connection's gain", (t) => {
  const b = new ConferenceBridge();
  const a = constant(b, 1000);
  const c = constant(b, 2000);
  const s = sink(b);
  a.startTransmit(s.port);
  c.startTransmit(s.port, 0.25);
  b.tick();
  t.is(s.got.frame[0], 1000 + 500);
  t.true(s.got.hasAudio);
});

test("the mix saturates at the 16-bit limits instead of wrapping", (t) => {
  const b = new ConferenceBridge();
  const s = sink(b);
  constant(b, 30000).startTransmit(s.port);
  constant(b, 30000).startTransmit(s.port);
  b.tick();
  t.is(s.got.frame[0], 32767);
  const n = sink(b);
  constant(b, -30000).startTransmit(n.port);
  constant(b, -30000).startTransmit(n.port);
  b.tick();
  t.is(n.got.frame[5], -32768);
});

test("a port connected to no one is heard by no one; its sink still gets silence every tick", (t) => {
  const b = new ConferenceBridge();
  const inmate = constant(b, 1234);
  const called = sink(b);
  const prompt = constant(b, 77);
  prompt.startTransmit(called.port);
  b.tick();
  t.is(called.got.frame[0], 77, "only the prompt reaches the called party");
  t.truthy(inmate);
  const idle = sink(b);
  b.tick();
  t.is(idle.got.writes, 1);
  t.false(idle.got.hasAudio);
  t.true(idle.got.frame.every((v) => v === 0));
});

test("tx and rx levels scale what a port sends and what it hears", (t) => {
  const b = new ConferenceBridge();
  const a = constant(b, 1000);
  const s = sink(b);
  a.startTransmit(s.port);
  a.adjustTxLevel(0.5);
  b.tick();
  t.is(s.got.frame[0], 500);
  s.port.adjustRxLevel(0.5);
  b.tick();
  t.is(s.got.frame[0], 250);
  t.throws(() => a.adjustTxLevel(-1), { instanceOf: RangeError });
});

test("stopTransmit and removePort take a connection away", (t) => {
  const b = new ConferenceBridge();
  const a = constant(b, 1000);
  const c = constant(b, 10);
  const s = sink(b);
  a.startTransmit(s.port);
  c.startTransmit(s.port);
  a.stopTransmit(s.port);
  b.tick();
  t.is(s.got.frame[0], 10);
  b.removePort(c);
  b.tick();
  t.false(s.got.hasAudio);
  t.is(s.port.inputs.length, 0);
  t.throws(() => a.startTransmit(c), { message: /not on this bridge/ });
});

test("a port cannot transmit to itself or to a port that takes no audio", (t) => {
  const b = new ConferenceBridge();
  const a = constant(b, 1);
  const s = sink(b);
  t.throws(() => s.port.startTransmit(s.port), { message: /itself/ });
  t.throws(() => s.port.startTransmit(a), { message: /cannot receive/ });
});

test("tick-end listeners run after every sink was written, and can be removed", (t) => {
  const b = new ConferenceBridge();
  const s = sink(b);
  constant(b, 5).startTransmit(s.port);
  const seen: number[] = [];
  const remove = b.onTickEnd(() => seen.push(s.got.frame[0]!));
  b.tick();
  remove();
  b.tick();
  t.deepEqual(seen, [5]);
});
