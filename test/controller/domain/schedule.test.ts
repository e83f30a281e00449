import test from "ava";
import { DateTime } from "luxon";
import { minutesOf, scheduleOpen } from "../../../controller/domain/schedule.ts";

const LA = "America/Los_Angeles";
const at = (iso: string) => DateTime.fromISO(iso, { zone: LA, setZone: true }).toMillis();
const H = 3600_000;

test("an empty schedule does not restrict calling", (t) => {
  t.deepEqual(scheduleOpen([], at("2026-01-05T03:00"), LA), { open: true, remainingMs: Number.POSITIVE_INFINITY });
});

test("several windows per day: open inside each, closed between them", (t) => {
  const w = [
    { day: 1, startMin: minutesOf("08:00"), endMin: minutesOf("11:00") },
    { day: 1, startMin: minutesOf("13:00"), endMin: minutesOf("16:00") },
  ];
  t.true(scheduleOpen(w, at("2026-01-05T08:00"), LA).open);
  t.false(scheduleOpen(w, at("2026-01-05T11:00"), LA).open, "the end minute is outside");
  t.false(scheduleOpen(w, at("2026-01-05T12:00"), LA).open);
  t.is(scheduleOpen(w, at("2026-01-05T15:30"), LA).remainingMs, 0.5 * H);
  t.false(scheduleOpen(w, at("2026-01-06T09:00"), LA).open, "Tuesday has no window");
});

test("a window that ends before it starts runs across midnight into the next day", (t) => {
  const w = [{ day: 1, startMin: minutesOf("22:00"), endMin: minutesOf("02:00") }];
  t.false(scheduleOpen(w, at("2026-01-05T21:59"), LA).open);
  t.is(scheduleOpen(w, at("2026-01-05T23:00"), LA).remainingMs, 3 * H);
  t.is(scheduleOpen(w, at("2026-01-06T01:00"), LA).remainingMs, 1 * H, "Tuesday 01:00 belongs to Monday's window");
  t.false(scheduleOpen(w, at("2026-01-06T02:00"), LA).open);
  t.false(scheduleOpen(w, at("2026-01-05T01:00"), LA).open, "Monday 01:00 would belong to Sunday's window");
});

test("adjacent windows join: a call late Monday may run into Tuesday's first window", (t) => {
  const w = [
    { day: 1, startMin: minutesOf("20:00"), endMin: 1440 },
    { day: 2, startMin: 0, endMin: minutesOf("01:00") },
  ];
  t.is(scheduleOpen(w, at("2026-01-05T23:30"), LA).remainingMs, 1.5 * H);
});

test("spring forward (America/Los_Angeles, 8 March 2026): windows keep their wall-clock times and the lost hour is not counted", (t) => {
  const w = [
    { day: 7, startMin: minutesOf("01:00"), endMin: minutesOf("04:00") },
    { day: 7, startMin: minutesOf("08:00"), endMin: minutesOf("20:00") },
  ];
  // 01:30 PST to 04:00 PDT is 1.5 hours of real time (02:00–03:00 does not exist that night).
  t.is(scheduleOpen(w, at("2026-03-08T01:30"), LA).remainingMs, 1.5 * H);
  t.true(scheduleOpen(w, at("2026-03-08T03:30"), LA).open);
  t.false(scheduleOpen(w, at("2026-03-08T07:59"), LA).open, "07:59 PDT is still before the window");
  t.true(scheduleOpen(w, at("2026-03-08T08:00"), LA).open);
  t.is(scheduleOpen(w, at("2026-03-08T19:00"), LA).remainingMs, 1 * H);
});

test("fall back (America/Los_Angeles, 1 November 2026): the repeated hour is inside the window both times", (t) => {
  const w = [{ day: 7, startMin: 0, endMin: minutesOf("01:30") }];
  const firstPass = DateTime.fromISO("2026-11-01T01:15:00-07:00").toMillis();
  const secondPass = DateTime.fromISO("2026-11-01T01:15:00-08:00").toMillis();
  t.true(scheduleOpen(w, firstPass, LA).open);
  t.true(scheduleOpen(w, secondPass, LA).open);
  t.is(scheduleOpen(w, secondPass, LA).remainingMs, 0.25 * H);
  // A day-long window on the 25-hour day lasts 25 hours.
  const day = [{ day: 7, startMin: 0, endMin: 1440 }];
  t.is(scheduleOpen(day, at("2026-11-01T00:00"), LA).remainingMs, 25 * H);
  t.false(scheduleOpen(w, at("2026-11-01T01:45"), LA).open);
});

test("times are read as HH:MM and out-of-range times are refused", (t) => {
  t.is(minutesOf("07:30"), 450);
  t.is(minutesOf("24:00"), 1440);
  t.throws(() => minutesOf("7.30"));
  t.throws(() => minutesOf("25:00"));
});
