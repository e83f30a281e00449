/**
 * Usage for the limits, read from call records in the facility's time: completed (accepted)
 * calls and their minutes since the start of the facility's day, ISO week (Monday) and month,
 * and when the last completed call ended. Privileged calls do not count against limits.
 * Minutes are counted per call rounded up (a 61-second call uses 2 of the allowed minutes),
 * the same way the call was billed per started minute.
 */
import { DateTime } from "luxon";
import type { Usage } from "../domain/authorize.ts";
import type { DomainStore } from "./domain-store.ts";

export function periodStarts(at: number, zone: string): { day: number; week: number; month: number } {
  const t = DateTime.fromMillis(at, { zone });
  return {
    day: t.startOf("day").toMillis(),
    week: t.startOf("week").toMillis(),
    month: t.startOf("month").toMillis(),
  };
}

export async function readUsage(ds: DomainStore, inmateId: string, zone: string, at: number): Promise<Usage> {
  const p = periodStarts(at, zone);
  const since = Math.min(p.week, p.month);
  const rows = await ds.db
    .selectFrom("callRecords")
    .select(["acceptedAt", "durationSec"])
    .where("inmateId", "=", inmateId)
    .where("status", "=", "completed")
    .where("privileged", "=", 0)
    .where("startedAt", ">=", since - 24 * 3600_000)
    .where("acceptedAt", ">=", since)
    .where("acceptedAt", "<=", at)
    .execute();
  const u: Usage = {
    callsDay: 0,
    callsWeek: 0,
    callsMonth: 0,
    minutesDay: 0,
    minutesWeek: 0,
    minutesMonth: 0,
    lastCompletedEndedAt: null,
  };
  for (const r of rows) {
    const t = r.acceptedAt as number;
    const min = Math.ceil(r.durationSec / 60);
    if (t >= p.day) {
      u.callsDay++;
      u.minutesDay += min;
    }
    if (t >= p.week) {
      u.callsWeek++;
      u.minutesWeek += min;
    }
    if (t >= p.month) {
      u.callsMonth++;
      u.minutesMonth += min;
    }
  }
  const last = await ds.db
    .selectFrom("callRecords")
    .select("endedAt")
    .where("inmateId", "=", inmateId)
    .where("status", "=", "completed")
    .where("privileged", "=", 0)
    .orderBy("endedAt", "desc")
    .limit(1)
    .executeTakeFirst();
  u.lastCompletedEndedAt = last?.endedAt ?? null;
  return u;
}
