import test from "ava";
import { KillTable } from "../../firmware/kill.ts";
import { ScheduleEnforcer, type UnitSchedule, isOpen } from "../../firmware/schedule.ts";
import { VirtualClock } from "../../telephony/clock.ts";

test("a unit is dead while any kill source holds it", (t) => {
  const k = new KillTable(["A", "B"]);
  const changes: string[] = [];
  k.onChange((c) => changes.push(`${c.unit}:${c.killed}:${c.cause}`));
  t.true(k.set("A", "input", true));
  t.false(k.set("A", "command", true), "already dead");
  t.false(k.set("A", "command", false), "the switch still holds it: a release command cannot override");
  t.true(k.isKilled("A"));
  t.true(k.set("A", "input", false));
  t.false(k.isKilled("A"));
  t.false(k.isKilled("B"));
  t.deepEqual(changes, ["A:true:input", "A:true:command", "A:true:command", "A:false:input"]);
  t.throws(() => k.set("Z", "input", true), { message: /unknown housing unit/ });
});

const weekdays: UnitSchedule = {
  unit: "A",
  timezone: "America/Los_Angeles",
  windows: [{ days: [1, 2, 3, 4, 5], start: "07:00", end: "21:30" }],
};

test("phones are on only inside a window, in the facility's time zone", (t) => {
  // Monday 2026-01-05 in Los Angeles (UTC-8).
  t.false(isOpen(weekdays, Date.UTC(2026, 0, 5, 14, 59)), "06:59 PST");
  t.true(isOpen(weekdays, Date.UTC(2026, 0, 5, 15, 0)), "07:00 PST");
  t.true(isOpen(weekdays, Date.UTC(2026, 0, 6, 5, 29)), "21:29 PST");
  t.false(isOpen(weekdays, Date.UTC(2026, 0, 6, 5, 30)), "21:30 PST");
  t.false(isOpen(weekdays, Date.UTC(2026, 0, 10, 18, 0)), "Saturday");
});

test("a window past midnight belongs to the day it starts on", (t) => {
  const night: UnitSchedule = { unit: "A", timezone: "UTC", windows: [{ days: [5], start: "22:00", end: "02:00" }] };
  t.true(isOpen(night, Date.UTC(2026, 0, 9, 23, 0)), "Friday 23:00");
  t.true(isOpen(night, Date.UTC(2026, 0, 10, 1, 0)), "Saturday 01:00");
  t.false(isOpen(night, Date.UTC(2026, 0, 10, 23, 0)), "Saturday 23:00");
});

test("the enforcer turns a unit off and on at the window's edges, locally, in virtual time", (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 0, 5, 14, 58)); // Monday 06:58 PST
  const seen: string[] = [];
  const e = new ScheduleEnforcer(clock, (unit, open) =>
    seen.push(`${unit}:${open}@${new Date(clock.now()).toISOString()}`),
  );
  e.set(weekdays);
  e.start();
  t.deepEqual(seen, ["A:false@2026-01-05T14:58:00.000Z"]);
  clock.advance(2 * 60_000);
  t.deepEqual(seen.at(-1), "A:true@2026-01-05T15:00:00.000Z");
  clock.advance(14.5 * 3600_000);
  t.deepEqual(seen.at(-1), "A:false@2026-01-06T05:30:00.000Z");
  e.stop();
  t.is(clock.pending(), 0);
});

test("bad schedules are refused", (t) => {
  t.throws(() => new ScheduleEnforcer(new VirtualClock(), () => {}).set({ ...weekdays, timezone: "Mars/Base" }));
  t.throws(() =>
    new ScheduleEnforcer(new VirtualClock(), () => {}).set({
      ...weekdays,
      windows: [{ days: [8], start: "07:00", end: "08:00" }],
    }),
  );
});
