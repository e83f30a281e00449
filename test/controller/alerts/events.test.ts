import test from "ava";
import { type AlertEvent, alertTypes, describeAlert } from "../../../controller/alerts/events.ts";

const pairs: [AlertEvent, AlertEvent][] = [
  [
    { type: "bank-offline", facilityId: "F1", bankId: "B1" },
    { type: "bank-online", facilityId: "F1", bankId: "B1" },
  ],
  [
    { type: "trunk-unreachable", facilityId: "F1", trunkId: "T1" },
    { type: "trunk-recovered", facilityId: "F1", trunkId: "T1" },
  ],
  [
    { type: "recording-failing", facilityId: "F1", detail: "EIO" },
    { type: "recording-recovered", facilityId: "F1" },
  ],
  [
    { type: "disk-nearly-full", facilityId: "F1", volume: "rec", usedPercent: 92 },
    { type: "disk-recovered", facilityId: "F1", volume: "rec", usedPercent: 80 },
  ],
  [
    { type: "store-unavailable", facilityId: "F1", detail: "ECONNREFUSED" },
    { type: "store-recovered", facilityId: "F1" },
  ],
  [
    { type: "prompts-missing", facilityId: "F1", prompts: ["welcome", "pin"] },
    { type: "prompts-restored", facilityId: "F1" },
  ],
  [
    { type: "kill-switch-thrown", facilityId: "F1", scope: "unit B", by: "Lt. Diaz" },
    { type: "kill-switch-released", facilityId: "F1", scope: "unit B", by: "Lt. Diaz" },
  ],
];

test("each malfunction and its recovery share one condition key; the recovery clears it", (t) => {
  for (const [raise, clear] of pairs) {
    const a = describeAlert(raise);
    const b = describeAlert(clear);
    t.is(a.conditionKey, b.conditionKey, raise.type);
    t.is(a.phase, "raise");
    t.is(b.phase, "clear");
  }
});

test("the same condition at another facility or on another bank is a different condition", (t) => {
  const k = (e: AlertEvent) => describeAlert(e).conditionKey;
  t.not(
    k({ type: "bank-offline", facilityId: "F1", bankId: "B1" }),
    k({ type: "bank-offline", facilityId: "F2", bankId: "B1" }),
  );
  t.not(
    k({ type: "bank-offline", facilityId: "F1", bankId: "B1" }),
    k({ type: "bank-offline", facilityId: "F1", bankId: "B2" }),
  );
});

test("every malfunction of the call control, recording or store is at least major", (t) => {
  for (const [raise] of pairs) {
    const d = describeAlert(raise);
    t.true(["major", "critical"].includes(d.severity), raise.type);
  }
});

test("every alert type has a description in plain English", (t) => {
  const samples: Record<string, AlertEvent> = {};
  for (const [a, b] of pairs) {
    samples[a.type] = a;
    samples[b.type] = b;
  }
  const hot = { facilityId: "F1", callId: "c1", inmate: { id: "A1" }, stationId: "S1", number: "555" };
  samples["hot-number-dialled"] = { type: "hot-number-dialled", ...hot };
  samples["hot-number-connected"] = { type: "hot-number-connected", ...hot };
  samples["watchdog-fired"] = { type: "watchdog-fired", facilityId: "F1", bankId: "B1" };
  samples["extra-digits"] = {
    type: "extra-digits",
    facilityId: "F1",
    callId: "c",
    stationId: "S",
    number: "5",
    digits: "9",
    from: "inmate",
  };
  samples["hook-flash"] = { type: "hook-flash", facilityId: "F1", callId: "c", stationId: "S", number: "5" };
  samples["unusual-dialling"] = { type: "unusual-dialling", facilityId: "F1", pattern: "7 numbers in 10 minutes" };
  samples["threshold-crossed"] = {
    type: "threshold-crossed",
    facilityId: "F1",
    ruleId: "r",
    metric: "call-blocked",
    count: 20,
    limit: 20,
    windowMs: 3_600_000,
  };
  t.deepEqual(Object.keys(samples).sort(), [...alertTypes].sort(), "a sample for every type");
  for (const e of Object.values(samples)) {
    const d = describeAlert(e);
    t.true(d.title.length > 0 && d.title.length < 80, e.type);
    t.regex(d.text, /^[A-Z0-9"].*[.)]$/, e.type);
    t.notRegex(d.text, /undefined| {2}| :/, e.type);
  }
  t.is(
    describeAlert(samples["unusual-dialling"] as AlertEvent).text,
    "Unusual dialling at facility F1: 7 numbers in 10 minutes.",
  );
  t.is(
    describeAlert(samples["extra-digits"] as AlertEvent).text,
    'An unidentified caller dialled extra digits "9" during a call from station S to 5 at facility F1.',
  );
});
