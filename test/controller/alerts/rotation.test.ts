import test from "ava";
import type { Rotation } from "../../../controller/alerts/config.ts";
import { onCallAt } from "../../../controller/alerts/rotation.ts";

const daily: Rotation = {
  id: "nights",
  timeZone: "America/Los_Angeles",
  shift: "daily",
  handover: "08:00",
  startDate: "2026-03-01",
  members: ["ann", "bob", "cy"],
};

test("a daily rotation hands over at the local handover time", (t) => {
  // 2026-03-01 is PST (UTC-8): 08:00 local = 16:00 UTC.
  t.is(onCallAt(daily, Date.UTC(2026, 2, 1, 15, 59)), undefined, "before the first shift starts");
  t.is(onCallAt(daily, Date.UTC(2026, 2, 1, 16, 0)), "ann");
  t.is(onCallAt(daily, Date.UTC(2026, 2, 2, 15, 59)), "ann");
  t.is(onCallAt(daily, Date.UTC(2026, 2, 2, 16, 0)), "bob");
  t.is(onCallAt(daily, Date.UTC(2026, 2, 3, 16, 0)), "cy");
  t.is(onCallAt(daily, Date.UTC(2026, 2, 4, 16, 0)), "ann");
});

test("the handover stays at 08:00 local time across the spring DST change", (t) => {
  // DST starts 2026-03-08 at 02:00 local; from then 08:00 PDT = 15:00 UTC. Day index 7 → "bob".
  // Counting 24-hour blocks from the start would hand over at 16:00 UTC (09:00 PDT) instead.
  t.is(onCallAt(daily, Date.UTC(2026, 2, 8, 14, 59)), "ann", "07:59 PDT: still the previous shift");
  t.is(onCallAt(daily, Date.UTC(2026, 2, 8, 15, 0)), "bob", "08:00 PDT: handover");
  t.is(onCallAt(daily, Date.UTC(2026, 2, 8, 15, 30)), "bob");
  t.is(onCallAt(daily, Date.UTC(2026, 2, 9, 15, 0)), "cy");
});

test("the handover stays at 08:00 local time across the autumn DST change", (t) => {
  // DST ends 2026-11-01 at 02:00 local; from then 08:00 PST = 16:00 UTC. 2026-11-01 is day 245 → 245 % 3 = 2 → "cy".
  t.is(onCallAt(daily, Date.UTC(2026, 10, 1, 15, 30)), "bob", "07:30 PST: still the previous shift");
  t.is(onCallAt(daily, Date.UTC(2026, 10, 1, 16, 0)), "cy");
});

test("a weekly rotation hands over on the start date's weekday", (t) => {
  const weekly: Rotation = {
    ...daily,
    shift: "weekly",
    handover: "09:00",
    startDate: "2026-03-02",
    members: ["ann", "bob"],
  };
  // 2026-03-02 is a Monday. The second shift begins Monday 2026-03-09 09:00 PDT (16:00 UTC).
  t.is(onCallAt(weekly, Date.UTC(2026, 2, 2, 17, 0)), "ann");
  t.is(onCallAt(weekly, Date.UTC(2026, 2, 8, 23, 0)), "ann", "Sunday");
  t.is(onCallAt(weekly, Date.UTC(2026, 2, 9, 15, 59)), "ann");
  t.is(onCallAt(weekly, Date.UTC(2026, 2, 9, 16, 0)), "bob");
  t.is(onCallAt(weekly, Date.UTC(2026, 2, 16, 16, 0)), "ann");
});

test("an empty rotation has nobody on call, and a bad zone or handover is an error", (t) => {
  t.is(onCallAt({ ...daily, members: [] }, Date.UTC(2026, 5, 1)), undefined);
  t.throws(() => onCallAt({ ...daily, timeZone: "Mars/Olympus" }, Date.UTC(2026, 5, 1)));
  t.throws(() => onCallAt({ ...daily, handover: "8am" }, Date.UTC(2026, 5, 1)));
});
