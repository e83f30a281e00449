/**
 * Who is on call now. Shifts are counted in local calendar days, not in 24-hour blocks of
 * milliseconds, so a handover at 08:00 happens at 08:00 local time on both sides of a DST change
 * (the day of the change is 23 or 25 hours long).
 */
import { DateTime } from "luxon";
import type { Rotation } from "./config.ts";

/** The member ID on call at `atMs`, or undefined for an empty rotation or a time before it starts. */
export function onCallAt(rotation: Rotation, atMs: number): string | undefined {
  if (rotation.members.length === 0) return undefined;
  const zone = rotation.timeZone;
  const [hh, mm] = parseHandover(rotation.handover);
  const local = DateTime.fromMillis(atMs, { zone });
  if (!local.isValid) throw new Error(`rotation ${rotation.id}: invalid time zone ${zone}`);
  const start = DateTime.fromISO(rotation.startDate, { zone });
  if (!start.isValid) throw new Error(`rotation ${rotation.id}: invalid start date ${rotation.startDate}`);

  // The local date whose handover most recently passed: before today's handover, it is yesterday.
  const todaysHandover = local.set({ hour: hh, minute: mm, second: 0, millisecond: 0 });
  const shiftDay = (local < todaysHandover ? local.minus({ days: 1 }) : local).startOf("day");
  // Both are local midnights: diff in calendar days is exact whatever the DST in between.
  const days = Math.round(shiftDay.diff(start.startOf("day"), "days").days);
  if (days < 0) return undefined;
  const shifts = rotation.shift === "daily" ? days : Math.floor(days / 7);
  return rotation.members[shifts % rotation.members.length];
}

function parseHandover(s: string): [number, number] {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (!m) throw new Error(`invalid handover time "${s}" (want HH:mm)`);
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) throw new Error(`invalid handover time "${s}"`);
  return [h, min];
}
