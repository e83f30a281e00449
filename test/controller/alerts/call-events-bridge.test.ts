import test from "ava";
import { bridgeCallEvents } from "../../../controller/alerts/call-events-bridge.ts";
import type { AlertEvent } from "../../../controller/alerts/events.ts";
import { CallEventBus, type LiveCall } from "../../../controller/calls/events.ts";

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
  monitors: 0,
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
