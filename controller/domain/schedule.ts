/**
 * Calling schedules: "multiple calling schedules for each day, by correctional facility and
 * individual inmate/ward" (Feature Descriptions, Calling Schedules) and "automatic timed
 * turn-on/turn-off features adjustable for different days of the week and programmable by
 * facility and phone bank" (Call Limits and Termination).
 *
 * A window is a weekday (ISO: 1 Monday … 7 Sunday) and minutes of the facility's wall clock;
 * an end at or before the start runs past midnight into the next day. Wall-clock evaluation
 * (luxon in the facility's zone) keeps a 07:00–22:00 window at 07:00–22:00 through DST.
 */
import { type Static, Type } from "@sinclair/typebox";
import { DateTime } from "luxon";
import { invalid } from "./errors.ts";

export const ScheduleWindowSchema = Type.Object({
  day: Type.Integer({ minimum: 1, maximum: 7 }),
  startMin: Type.Integer({ minimum: 0, maximum: 1439 }),
  endMin: Type.Integer({ minimum: 0, maximum: 1440 }),
});
export type ScheduleWindow = Static<typeof ScheduleWindowSchema>;

export function validateWindow(w: ScheduleWindow): void {
  if (!Number.isInteger(w.day) || w.day < 1 || w.day > 7) throw invalid("schedule day is 1 (Monday) to 7 (Sunday)");
  if (!Number.isInteger(w.startMin) || w.startMin < 0 || w.startMin > 1439)
    throw invalid("schedule start is 0–1439 minutes");
  if (!Number.isInteger(w.endMin) || w.endMin < 0 || w.endMin > 1440) throw invalid("schedule end is 0–1440 minutes");
  if (w.startMin === w.endMin) throw invalid("a schedule window cannot be empty");
}

/** "HH:MM" to minutes of the day (also accepts "24:00"). */
export function minutesOf(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw invalid(`time ${hhmm} is not HH:MM`);
  const v = Number(m[1]) * 60 + Number(m[2]);
  if (v > 1440 || Number(m[2]) > 59) throw invalid(`time ${hhmm} is out of range`);
  return v;
}

interface LocalTime {
  day: number;
  minute: number;
  local: DateTime;
}

function localOf(at: number, zone: string): LocalTime {
  const local = DateTime.fromMillis(at, { zone });
  return { day: local.weekday, minute: local.hour * 60 + local.minute, local };
}

function prevDay(d: number): number {
  return d === 1 ? 7 : d - 1;
}

/** The instant this window (containing `t`) ends, or undefined if `t` is outside it. */
function windowEnd(w: ScheduleWindow, t: LocalTime, zone: string): number | undefined {
  const crosses = w.endMin <= w.startMin;
  let endDate: DateTime | undefined;
  if (w.day === t.day && t.minute >= w.startMin && (crosses || t.minute < w.endMin)) {
    endDate = crosses ? t.local.startOf("day").plus({ days: 1 }) : t.local.startOf("day");
  } else if (crosses && w.day === prevDay(t.day) && t.minute < w.endMin) {
    endDate = t.local.startOf("day");
  }
  if (!endDate) return undefined;
  // Build the end from the wall clock so a window ending at 03:00 on a DST day ends at 03:00.
  const midnight = DateTime.fromObject({ year: endDate.year, month: endDate.month, day: endDate.day }, { zone });
  if (w.endMin === 1440) return midnight.plus({ days: 1 }).toMillis();
  const end = midnight.set({ hour: Math.floor(w.endMin / 60), minute: w.endMin % 60 });
  // In the repeated hour after a fall-back, luxon reads an ambiguous wall time as the first
  // pass; a call in the second pass ends at the second occurrence.
  const later = end.plus({ hours: 1 });
  if (end.toMillis() <= t.local.toMillis() && later.hour === end.hour && later.minute === end.minute)
    return later.toMillis();
  return end.toMillis();
}

/**
 * Whether `at` falls in one of `windows` and, if so, how many ms remain until the schedule
 * closes (following adjacent windows, e.g. Mon 20:00–24:00 then Tue 00:00–01:00).
 * An empty list means no restriction (remaining Infinity).
 *
 * Membership is decided per wall-clock minute and every window ends on a minute boundary, so
 * the answer for one minute (closed, or the instant the schedule closes) is memoised per
 * windows list: time-zone arithmetic is the costly part of authorize().
 */
export function scheduleOpen(
  windows: readonly ScheduleWindow[],
  at: number,
  zone: string,
): { open: boolean; remainingMs: number } {
  if (windows.length === 0) return { open: true, remainingMs: Number.POSITIVE_INFINITY };
  const minute = Math.floor(at / 60_000);
  let memo = closesMemo.get(windows);
  if (!memo) {
    memo = new Map();
    closesMemo.set(windows, memo);
  }
  const key = `${zone}|${minute}`;
  let closes = memo.get(key);
  if (closes === undefined) {
    closes = closingInstant(windows, minute * 60_000, zone);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, closes);
  }
  return closes === null ? { open: false, remainingMs: 0 } : { open: true, remainingMs: closes - at };
}

const MEMO_LIMIT = 10_000;
const closesMemo = new WeakMap<readonly ScheduleWindow[], Map<string, number | null>>();

function closingInstant(windows: readonly ScheduleWindow[], at: number, zone: string): number | null {
  let t = at;
  let first = true;
  for (let hop = 0; hop < 16; hop++) {
    const lt = localOf(t, zone);
    let best: number | undefined;
    for (const w of windows) {
      const e = windowEnd(w, lt, zone);
      if (e !== undefined && e > t && (best === undefined || e > best)) best = e;
    }
    if (best === undefined) return first ? null : t;
    first = false;
    t = best;
  }
  return t;
}

const dateMemo = new Map<string, string>();

/** The facility's calendar date (YYYY-MM-DD) at `at`, memoised per minute. */
export function localDateOf(at: number, zone: string): string {
  const key = `${zone}|${Math.floor(at / 60_000)}`;
  let d = dateMemo.get(key);
  if (d === undefined) {
    d = DateTime.fromMillis(at, { zone }).toISODate() as string;
    if (dateMemo.size >= MEMO_LIMIT) dateMemo.clear();
    dateMemo.set(key, d);
  }
  return d;
}
