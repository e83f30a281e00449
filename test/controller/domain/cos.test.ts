import test from "ava";
import { explainCos, FEATURES, LIMITS, SYSTEM_DEFAULT_COS, validateCosParams } from "../../../controller/domain/cos.ts";
import { DomainError } from "../../../controller/domain/errors.ts";
import { cos } from "./snapshot-fixture.ts";

const all = FEATURES;

test("each parameter accepts its spec range's ends and refuses one past them", (t) => {
  const ok = (p: Parameters<typeof validateCosParams>[0]) => t.notThrows(() => validateCosParams(p, all));
  const bad = (p: Parameters<typeof validateCosParams>[0]) =>
    t.throws(() => validateCosParams(p, all), { instanceOf: DomainError });
  ok({ timeBetweenCalls: { enabled: true, minutes: 0 } });
  ok({ timeBetweenCalls: { enabled: true, minutes: 999 } });
  bad({ timeBetweenCalls: { enabled: true, minutes: 1000 } });
  bad({ timeBetweenCalls: { enabled: true, minutes: -1 } });
  ok({ maxCalls: { enabled: true, day: 0, week: 999, month: null } });
  bad({ maxCalls: { enabled: true, day: 1000, week: null, month: null } });
  ok({ maxMinutes: { enabled: true, day: 0, week: 9999, month: 9999 } });
  bad({ maxMinutes: { enabled: true, day: null, week: null, month: 10000 } });
  ok({ maxDuration: { enabled: true, minutes: LIMITS.maxDurationMin.min } });
  ok({ maxDuration: { enabled: true, minutes: 30 } });
  bad({ maxDuration: { enabled: true, minutes: 0 } });
  bad({ maxDuration: { enabled: true, minutes: 31 } });
  bad({ maxDuration: { enabled: true, minutes: 1.5 } });
  ok({ extraDigits: { enabled: true, limit: 0 } });
  bad({ extraDigits: { enabled: true, limit: 100 } });
  bad({ schedule: { enabled: true, windows: [{ day: 1, startMin: 600, endMin: 600 }] } });
});

test("a class of service cannot set a feature its feature group does not include", (t) => {
  const e = t.throws(() =>
    validateCosParams({ maxCalls: { enabled: true, day: 1, week: null, month: null } }, ["maxDuration"]),
  );
  t.regex(e?.message ?? "", /not in this class's feature group/);
});

test("a feature not in a level's feature group falls through to the next level; nothing set means the system default", (t) => {
  const inmateCos = cos("inmate", { maxDuration: { enabled: true, minutes: 5 } }, ["maxDuration"]);
  // The facility COS sets maxCalls, but its group does not include maxDuration: its maxDuration would be ignored.
  const facilityCos = cos(
    "facility",
    { maxCalls: { enabled: true, day: 3, week: null, month: null }, maxDuration: { enabled: true, minutes: 29 } },
    ["maxCalls"],
  );
  const e = explainCos([
    { level: "inmate", cos: inmateCos },
    { level: "housing-unit", cos: undefined },
    { level: "facility", cos: facilityCos },
    { level: "facility-group", cos: undefined },
  ]);
  t.deepEqual(e.maxDuration, {
    value: { enabled: true, minutes: 5 },
    from: { level: "inmate", cosId: "inmate", cosName: "inmate" },
  });
  t.is(e.maxCalls.from.level, "facility");
  t.is(e.maxCalls.value.day, 3);
  t.deepEqual(e.schedule.value, SYSTEM_DEFAULT_COS.schedule);
  t.is(e.schedule.from.level, "system-default");
});

test("a more specific level can switch a feature off that a broader level switched on", (t) => {
  const e = explainCos([
    { level: "inmate", cos: cos("i", { maxCalls: { enabled: false, day: null, week: null, month: null } }) },
    { level: "housing-unit", cos: undefined },
    { level: "facility", cos: cos("f", { maxCalls: { enabled: true, day: 1, week: null, month: null } }) },
    { level: "facility-group", cos: undefined },
  ]);
  t.false(e.maxCalls.value.enabled);
  t.is(e.maxCalls.from.cosId, "i");
});
