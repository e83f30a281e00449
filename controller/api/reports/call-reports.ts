/**
 * Reports that list calls one by one: the spec's Chronological List of Calls, Telephone Number
 * Usage, Frequently Dialed Numbers and Alert Notification reports, and numbers called by several
 * inmates (a common fraud check: one number shared by many inmates is often a relay).
 * Privileged calls (attorney, PREA) stay out of every list of calls, as they stay out of
 * ordinary call-record searches (store/call-records.ts).
 */
import { type Static, Type } from "@sinclair/typebox";
import { Permissions as P } from "../../access/permissions.ts";
import { CALL_TYPES } from "../../domain/call-types.ts";
import type { DomainStore } from "../../store/domain-store.ts";
import { Id } from "../schemas/common.ts";
import { type Cell, col, keysOf, listRun, MAX_ROWS, numberPattern, type ReportDefinition } from "./report.ts";

export const FacilityIds = Type.String({
  pattern: "^[A-Za-z0-9_.:-]+(,[A-Za-z0-9_.:-]+)*$",
  maxLength: 2000,
  description: "facility ids separated by commas; absent: every facility the caller reaches",
});
const Instant = Type.String({ format: "date-time" });
export const Period = { facilityIds: Type.Optional(FacilityIds), from: Instant, to: Instant };
const NumberSearch = Type.String({ minLength: 1, maxLength: 40, pattern: "^[0-9+*?() .-]+$" });

/** Calls started in [from, to) at the given facilities, privileged ones left out unless asked. */
export function callsIn(
  ds: DomainStore,
  facilityIds: string[],
  q: { from?: string; to?: string },
  opts: { privileged?: boolean } = {},
) {
  let x = ds.db.selectFrom("callRecords").where("facilityId", "in", facilityIds.length ? facilityIds : [""]);
  if (q.from) x = x.where("startedAt", ">=", Date.parse(q.from));
  if (q.to) x = x.where("startedAt", "<", Date.parse(q.to));
  if (!opts.privileged) x = x.where("privileged", "=", 0);
  return x;
}

const telephone = (r: { stationLocation: string; stationSetNumber: number | null }) =>
  r.stationSetNumber === null ? r.stationLocation : `${r.stationLocation} (set ${r.stationSetNumber})`;

export const ChronologicalQuery = Type.Object(
  {
    ...Period,
    inmateId: Type.Optional(Id),
    phoneBankId: Type.Optional(Id),
    stationId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type ChronologicalQuery = Static<typeof ChronologicalQuery>;

const chronologicalColumns = [
  col("date", "Date"),
  col("time", "Time"),
  col("site", "Site code"),
  col("inmate", "Inmate name"),
  col("duration", "Duration (s)", "seconds"),
  col("destination", "Destination number"),
  col("callType", "Call type"),
  col("trunk", "Trunk"),
  col("stationSet", "Station set number"),
  col("charge", "Cost of call ($)", "money"),
  col("recorderChannel", "Recorder channel"),
  col("notCompleted", "Reason not completed"),
];

export const chronological: ReportDefinition<ChronologicalQuery> = {
  id: "chronological",
  title: "Chronological list of calls",
  spec: "Chronological List of Calls Report",
  permission: P.reportCallDetail,
  columnKeys: keysOf(chronologicalColumns),
  query: ChronologicalQuery,
  async run({ ds, facilityIds, query: q }) {
    let x = callsIn(ds, facilityIds, q);
    if (q.inmateId) x = x.where("inmateId", "=", q.inmateId);
    if (q.phoneBankId) x = x.where("phoneBankId", "=", q.phoneBankId);
    if (q.stationId) x = x.where("stationId", "=", q.stationId);
    const rows = await x
      .selectAll()
      .orderBy("startedAt")
      .orderBy("id")
      .limit(MAX_ROWS + 1)
      .execute();
    return listRun(chronologicalColumns, rows, (r) => [
      r.localDate,
      r.localTime,
      r.facilityId,
      r.inmateName,
      r.durationSec,
      r.destination ?? r.dialledDigits,
      r.callType,
      r.trunk,
      r.stationSetNumber,
      r.chargeCents,
      r.recorderChannel,
      r.notCompletedReason ?? "",
    ]);
  },
};

export const NumberUsageQuery = Type.Object(
  {
    facilityIds: Type.Optional(FacilityIds),
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    number: NumberSearch,
    status: Type.Optional(Type.Union([Type.Literal("completed"), Type.Literal("not-completed")])),
    callType: Type.Optional(Type.Union(CALL_TYPES.map((c) => Type.Literal(c)))),
    minDurationSec: Type.Optional(Type.Integer({ minimum: 0 })),
    maxDurationSec: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type NumberUsageQuery = Static<typeof NumberUsageQuery>;

const numberUsageColumns = [
  col("number", "Telephone number"),
  col("inmate", "Inmate name"),
  col("date", "Date"),
  col("time", "Time"),
  col("telephone", "Telephone used"),
  col("recorderChannel", "Recorder channel"),
  col("duration", "Duration (s)", "seconds"),
  col("charge", "Cost of call ($)", "money"),
  col("site", "Site code"),
  col("status", "Status"),
];

export const numberUsage: ReportDefinition<NumberUsageQuery> = {
  id: "number-usage",
  title: "Telephone number usage",
  spec: "Telephone Number Usage Report",
  permission: P.reportCallDetail,
  columnKeys: keysOf(numberUsageColumns),
  query: NumberUsageQuery,
  async run({ ds, facilityIds, query: q }) {
    let x = callsIn(ds, facilityIds, q).where("destination", "like", numberPattern(q.number));
    if (q.status) x = x.where("status", "=", q.status);
    if (q.callType) x = x.where("callType", "=", q.callType);
    if (q.minDurationSec !== undefined) x = x.where("durationSec", ">=", q.minDurationSec);
    if (q.maxDurationSec !== undefined) x = x.where("durationSec", "<=", q.maxDurationSec);
    const rows = await x
      .selectAll()
      .orderBy("destination")
      .orderBy("startedAt")
      .orderBy("id")
      .limit(MAX_ROWS + 1)
      .execute();
    return listRun(numberUsageColumns, rows, (r) => [
      r.destination,
      r.inmateName,
      r.localDate,
      r.localTime,
      telephone(r),
      r.recorderChannel,
      r.durationSec,
      r.chargeCents,
      r.facilityId,
      r.status,
    ]);
  },
};

export const FrequentNumbersQuery = Type.Object(
  { ...Period, minCalls: Type.Integer({ minimum: 1, maximum: 9999 }) },
  { additionalProperties: false },
);
export type FrequentNumbersQuery = Static<typeof FrequentNumbersQuery>;

const frequentNumbersColumns = [
  col("number", "Telephone number"),
  col("timesDialed", "Times dialed in the period"),
  col("date", "Date"),
  col("time", "Time"),
  col("recorderChannel", "Recorder channel"),
  col("facility", "Facility"),
  col("site", "Site code"),
  col("inmate", "Inmate name"),
];

export const frequentNumbers: ReportDefinition<FrequentNumbersQuery> = {
  id: "frequent-numbers",
  title: "Frequently dialed numbers",
  spec: "Frequently Dialed Numbers Report",
  permission: P.reportFraud,
  columnKeys: keysOf(frequentNumbersColumns),
  query: FrequentNumbersQuery,
  async run({ ds, facilityIds, query: q }) {
    const counts = await callsIn(ds, facilityIds, q)
      .where("destination", "is not", null)
      .select((eb) => ["destination", eb.fn.countAll<number>().as("n")])
      .groupBy("destination")
      .having((eb) => eb.fn.countAll(), ">=", q.minCalls)
      .execute();
    const n = new Map(counts.map((c) => [c.destination as string, Number(c.n)]));
    // The calls themselves, the numbers chosen again by the database (a list of thousands of
    // numbers as parameters would cost more than the grouping).
    const rows = n.size
      ? await callsIn(ds, facilityIds, q)
          .where("destination", "in", () =>
            callsIn(ds, facilityIds, q)
              .where("destination", "is not", null)
              .select("destination")
              .groupBy("destination")
              .having((eb) => eb.fn.countAll(), ">=", q.minCalls),
          )
          .selectAll()
          .orderBy("destination")
          .orderBy("startedAt")
          .orderBy("id")
          .limit(MAX_ROWS + 1)
          .execute()
      : [];
    return listRun(frequentNumbersColumns, rows, (r) => [
      r.destination,
      n.get(r.destination as string) ?? 0,
      r.localDate,
      r.localTime,
      r.recorderChannel,
      r.facilityName,
      r.facilityId,
      r.inmateName,
    ]);
  },
};

export const SharedNumbersQuery = Type.Object(
  { ...Period, minInmates: Type.Optional(Type.Integer({ minimum: 2, maximum: 999 })) },
  { additionalProperties: false },
);
export type SharedNumbersQuery = Static<typeof SharedNumbersQuery>;

export const sharedNumbers: ReportDefinition<SharedNumbersQuery> = {
  id: "shared-numbers",
  title: "Numbers called by several inmates",
  permission: P.reportFraud,
  columnKeys: ["number", "inmateCount", "calls", "duration", "inmates"],
  query: SharedNumbersQuery,
  async run({ ds, facilityIds, query: q }) {
    const min = q.minInmates ?? 2;
    // The numbers first, counted and limited by the database; then the inmates of those only.
    const numbers = await callsIn(ds, facilityIds, q)
      .where("destination", "is not", null)
      .where("inmateId", "is not", null)
      .select((eb) => ["destination", eb.fn.count<number>("inmateId").distinct().as("inmateCount")])
      .groupBy("destination")
      .having((eb) => eb.fn.count("inmateId").distinct(), ">=", min)
      .orderBy("inmateCount", "desc")
      .orderBy("destination")
      .limit(MAX_ROWS + 1)
      .execute();
    const wanted = numbers.slice(0, MAX_ROWS).map((n) => n.destination as string);
    const pairs = await callsIn(ds, facilityIds, q)
      .where("destination", "in", wanted.length ? wanted : [""])
      .where("inmateId", "is not", null)
      .select((eb) => [
        "destination",
        "inmateId",
        eb.fn.max("inmateName").as("inmateName"),
        eb.fn.countAll<number>().as("calls"),
        eb.fn.sum<number>("durationSec").as("seconds"),
      ])
      .groupBy(["destination", "inmateId"])
      .execute();
    const by = new Map<string, { inmates: Map<string, string>; calls: number; seconds: number }>();
    for (const p of pairs) {
      const d = p.destination as string;
      let e = by.get(d);
      if (!e) {
        e = { inmates: new Map(), calls: 0, seconds: 0 };
        by.set(d, e);
      }
      e.inmates.set(p.inmateId as string, String(p.inmateName ?? ""));
      e.calls += Number(p.calls);
      e.seconds += Number(p.seconds ?? 0);
    }
    const inmates = new Set<string>();
    const rows: Cell[][] = [];
    const shared = [...by.entries()]
      .filter(([, e]) => e.inmates.size >= min)
      .sort((a, b) => b[1].inmates.size - a[1].inmates.size || a[0].localeCompare(b[0]));
    for (const [number, e] of shared) {
      for (const id of e.inmates.keys()) inmates.add(id);
      const names = [...e.inmates.entries()].map(([id, name]) => `${name} (${id})`).sort();
      rows.push([number, e.inmates.size, e.calls, e.seconds, names.join("; ")]);
    }
    return {
      columns: [
        col("number", "Telephone number"),
        col("inmateCount", "Inmates"),
        col("calls", "Calls", "count"),
        col("duration", "Duration (s)", "seconds"),
        col("inmates", "Inmates who called it"),
      ],
      rows,
      inmates,
      truncated: numbers.length > MAX_ROWS,
    };
  },
};

export const AlertNotificationsQuery = Type.Object(Period, { additionalProperties: false });
export type AlertNotificationsQuery = Static<typeof AlertNotificationsQuery>;

const alertNotificationsColumns = [
  col("alertType", "Type of alert"),
  col("destination", "Destination number"),
  col("date", "Date"),
  col("time", "Time"),
  col("telephone", "Telephone used"),
  col("recorderChannel", "Recorder channel"),
  col("charge", "Cost of call ($)", "money"),
  col("inmate", "Inmate name"),
  col("site", "Site code"),
];

export const alertNotifications: ReportDefinition<AlertNotificationsQuery> = {
  id: "alert-notifications",
  title: "Alert notifications",
  spec: "Alert Notification Report",
  permission: P.reportCallDetail,
  columnKeys: keysOf(alertNotificationsColumns),
  query: AlertNotificationsQuery,
  async run({ ds, facilityIds, query: q }) {
    const rows = await callsIn(ds, facilityIds, q)
      .where("alert", "=", 1)
      .selectAll()
      .orderBy("startedAt")
      .orderBy("id")
      .limit(MAX_ROWS + 1)
      .execute();
    return listRun(alertNotificationsColumns, rows, (r) => [
      r.alertType,
      r.destination,
      r.localDate,
      r.localTime,
      telephone(r),
      r.recorderChannel,
      r.chargeCents,
      r.inmateName,
      r.facilityId,
    ]);
  },
};
