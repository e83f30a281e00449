import test from "ava";
import { bridgeCallEvents } from "../../../controller/alerts/call-events-bridge.ts";
import { DiallingPatternDetector, defaultDiallingPatternRules } from "../../../controller/alerts/dialling-patterns.ts";
import type { AlertEvent } from "../../../controller/alerts/events.ts";
import { CallEventBus, type LiveCall } from "../../../controller/calls/events.ts";
import { VirtualClock } from "../../../telephony/clock.ts";

const call: LiveCall = {
  callId: "c-9",
  facilityId: "F1",
  housingUnitId: "H1",
  stationId: "H1-03",
  location: "Unit 1 dayroom",
  phase: "connected",
  startedAt: 0,
  inmateId: "A77",
  inmateName: "Sam Poe",
  numberCalled: "5551000",
  chargeCents: 0,
  monitorable: true,
  monitors: [],
};

function harness() {
  const bus = new CallEventBus();
  const raised: AlertEvent[] = [];
  const observed: string[] = [];
  const off = bridgeCallEvents(bus, {
    raise: (e) => raised.push(e),
    observe: (m, f) => observed.push(`${m}@${f}`),
  });
  return { bus, raised, observed, off };
}

test("a call to a hot number raises a hot-number alert with the inmate, station and number", (t) => {
  const { bus, raised } = harness();
  bus.emit("hotnumber.dialled", { call, number: "5551000", note: "victim's family" });
  bus.emit("hotnumber.connected", { call, number: "5551000", note: "" });
  t.deepEqual(raised, [
    {
      type: "hot-number-dialled",
      facilityId: "F1",
      callId: "c-9",
      inmate: { id: "A77", name: "Sam Poe" },
      stationId: "H1-03",
      number: "5551000",
      note: "victim's family",
    },
    {
      type: "hot-number-connected",
      facilityId: "F1",
      callId: "c-9",
      inmate: { id: "A77", name: "Sam Poe" },
      stationId: "H1-03",
      number: "5551000",
    },
  ]);
});

test("extra digits and hook flashes raise fraud alerts; denied calls count toward thresholds", (t) => {
  const { bus, raised, observed } = harness();
  bus.emit("fraud.extraDigits", { call, from: "called", digits: "*72" });
  bus.emit("fraud.hookFlash", { call });
  bus.emit("call.denied", { call, reason: { en: "blocked", es: "bloqueado" }, rule: "blocked-number" });
  t.deepEqual(
    raised.map((e) => e.type),
    ["extra-digits", "hook-flash"],
  );
  t.deepEqual(observed, ["call-blocked@F1"]);
});

test("unsubscribing removes every listener the bridge added", (t) => {
  const { bus, off, raised } = harness();
  t.is(bus.listenerCount(), 5);
  off();
  t.is(bus.listenerCount(), 0);
  bus.emit("fraud.hookFlash", { call });
  t.is(raised.length, 0);
});

test("an inmate dialling many different numbers in a short time is an unusual dialling pattern", (t) => {
  const clock = new VirtualClock();
  const bus = new CallEventBus();
  const raised: AlertEvent[] = [];
  const off = bridgeCallEvents(
    bus,
    { raise: (e) => raised.push(e), observe: () => {} },
    { patterns: new DiallingPatternDetector(clock, { ...defaultDiallingPatternRules, distinctNumbers: 3 }) },
  );
  t.teardown(off);
  const dial = (callId: string, number: string) => {
    const c: LiveCall = { ...call, callId, phase: "dialling", numberCalled: number };
    bus.emit("call.updated", c);
    bus.emit("call.updated", c);
    clock.advance(60_000);
  };
  dial("k1", "5550001");
  dial("k2", "5550002");
  dial("k3", "5550001");
  t.is(raised.length, 0, "two distinct numbers, the same call counted once");
  dial("k4", "5550003");
  t.deepEqual(raised, [
    {
      type: "unusual-dialling",
      facilityId: "F1",
      inmate: { id: "A77", name: "Sam Poe" },
      pattern: "3 different numbers dialled within 10 minutes",
    },
  ]);
  dial("k5", "5550004");
  t.is(raised.length, 1, "once per crossing");
});

test("one PIN used at several stations in a short time is an unusual dialling pattern", (t) => {
  const clock = new VirtualClock();
  const d = new DiallingPatternDetector(clock);
  const at = (stationId: string) => d.dial({ facilityId: "F1", inmateId: "A1", stationId, number: "5550001" });
  t.deepEqual(at("S1"), []);
  clock.advance(10 * 60_000);
  t.deepEqual(at("S2"), []);
  clock.advance(25 * 60_000);
  t.deepEqual(at("S3"), [], "S1 is outside the 30-minute window by now");
  clock.advance(60_000);
  const [e] = at("S4");
  t.is(e?.type, "unusual-dialling");
  t.is(
    e?.type === "unusual-dialling" ? e.pattern : "",
    "PIN used at 3 different stations within 30 minutes (S2, S3, S4)",
  );
});
