/**
 * Reports that sum calls: the spec's Daily Call Volume and Charge, Percentage Grade of Blocking,
 * Summary Minutes by Call Type and Monthly Distribution of Revenues reports, calls summed by
 * inmate, number, phone bank or facility, and refused calls by reason. Sums by facility, day,
 * call type or telephone count every call, privileged ones too (their minutes and charges are
 * real); sums by inmate or by number leave privileged calls out, as lists of calls do.
 */
import { type Static, Type } from "@sinclair/typebox";
import { sql } from "kysely";
import { Permissions as P } from "../../access/permissions.ts";
import { invalid } from "../../domain/errors.ts";
import { callsIn, Period } from "./call-reports.ts";
import { type Cell, col, keysOf, MAX_ROWS, type ReportDefinition } from "./report.ts";

export const CallSummaryQuery = Type.Object(
  {
    ...Period,
    groupBy: Type.Union([
      Type.Literal("inmate"),
      Type.Literal("number"),
      Type.Literal("phone-bank"),
      Type.Literal("station"),
      Type.Literal("facility"),
    ]),
  },
  { additionalProperties: false },
);
export type CallSummaryQuery = Static<typeof CallSummaryQuery>;

export const callSummary: ReportDefinition<CallSummaryQuery> = {
  id: "call-summary",
  title: "Calls by inmate, number, phone bank or facility",
  permission: P.reportUsage,
  columnKeys: ["group", "facility", "calls", "completed", "duration", "charge"],
  query: CallSummaryQuery,
  async run({ ds, facilityIds, query: q }) {
    const privileged = q.groupBy !== "inmate" && q.groupBy !== "number";
    // Summed by the database, grouped by the chosen key within each facility.
    const keyColumn = {
      inmate: "inmateId",
      number: "destination",
      "phone-bank": "phoneBankId",
      station: "stationId",
      facility: "facilityId",
    } as const;
    const rows = await callsIn(ds, facilityIds, q, { privileged })
      .select((eb) => [
        "facilityId",
        eb.fn.max("facilityName").as("facilityName"),
        eb.ref(keyColumn[q.groupBy]).as("key"),
        eb.fn.max("inmateName").as("inmateName"),
        eb.fn.max("stationLocation").as("stationLocation"),
        "status",
        eb.fn.countAll<number>().as("calls"),
        eb.fn.sum<number>("durationSec").as("seconds"),
        eb.fn.sum<number>("chargeCents").as("cents"),
      ])
      .groupBy(["facilityId", keyColumn[q.groupBy], "status"])
      .execute();
    const bankNames = new Map(
      (
        await ds.db
          .selectFrom("phoneBanks")
          .select(["id", "name"])
          .where("facilityId", "in", facilityIds.length ? facilityIds : [""])
          .execute()
      ).map((b) => [b.id, b.name]),
    );
    type Sum = { label: string; facility: string; calls: number; completed: number; seconds: number; cents: number };
    const sums = new Map<string, Sum>();
    const inmates = new Set<string>();
    for (const r of rows) {
      const id = r.key as string | null;
      let label: string;
      switch (q.groupBy) {
        case "inmate":
          label = id ? `${r.inmateName} (${id})` : "(no inmate identified)";
          if (id) inmates.add(id);
          break;
        case "number":
          label = id ?? "(no number)";
          break;
        case "phone-bank":
          label = id ? (bankNames.get(id) ?? id) : "(no phone bank)";
          break;
        case "station":
          label = String(r.stationLocation || id);
          break;
        case "facility":
          label = String(r.facilityName);
          break;
      }
      const key = `${r.facilityId}|${id ?? ""}`;
      let s = sums.get(key);
      if (!s) {
        s = { label, facility: String(r.facilityName), calls: 0, completed: 0, seconds: 0, cents: 0 };
        sums.set(key, s);
      }
      const n = Number(r.calls);
      s.calls += n;
      if (r.status === "completed") s.completed += n;
      s.seconds += Number(r.seconds ?? 0);
      s.cents += Number(r.cents ?? 0);
    }
    const sorted = [...sums.values()].sort((a, b) => b.calls - a.calls || a.label.localeCompare(b.label));
    return {
      columns: [
        col("group", q.groupBy === "phone-bank" ? "Phone bank" : q.groupBy[0]!.toUpperCase() + q.groupBy.slice(1)),
        col("facility", "Facility"),
        col("calls", "Calls attempted", "count"),
        col("completed", "Calls completed", "count"),
        col("duration", "Duration (s)", "seconds"),
        col("charge", "Charges ($)", "money"),
      ],
      rows: sorted.slice(0, MAX_ROWS).map((s) => [s.label, s.facility, s.calls, s.completed, s.seconds, s.cents]),
      ...(q.groupBy === "inmate" ? { inmates } : {}),
      truncated: sorted.length > MAX_ROWS,
    };
  },
};

export const PeriodQuery = Type.Object(Period, { additionalProperties: false });
export type PeriodQuery = Static<typeof PeriodQuery>;

const dailyVolumeColumns = [
  col("date", "Date"),
  col("facility", "Facility"),
  col("calls", "Calls attempted", "count"),
  col("completed", "Calls completed", "count"),
  col("duration", "Duration (s)", "seconds"),
  col("charge", "Charges ($)", "money"),
];

export const dailyVolume: ReportDefinition<PeriodQuery> = {
  id: "daily-volume",
  title: "Daily call volume and charges",
  spec: "Daily Call Volume and Charge Report",
  permission: P.reportUsage,
  columnKeys: keysOf(dailyVolumeColumns),
  query: PeriodQuery,
  async run({ ds, facilityIds, query: q }) {
    const rows = await callsIn(ds, facilityIds, q, { privileged: true })
      .select((eb) => [
        "facilityName",
        "localDate",
        "status",
        eb.fn.countAll<number>().as("calls"),
        eb.fn.sum<number>("durationSec").as("seconds"),
        eb.fn.sum<number>("chargeCents").as("cents"),
      ])
      .groupBy(["facilityName", "localDate", "status"])
      .execute();
    const days = new Map<string, Cell[]>();
    for (const r of rows) {
      const key = `${r.facilityName}|${r.localDate}`;
      let d = days.get(key);
      if (!d) {
        d = [r.localDate, r.facilityName, 0, 0, 0, 0];
        days.set(key, d);
      }
      d[2] = (d[2] as number) + Number(r.calls);
      if (r.status === "completed") d[3] = (d[3] as number) + Number(r.calls);
      d[4] = (d[4] as number) + Number(r.seconds ?? 0);
      d[5] = (d[5] as number) + Number(r.cents ?? 0);
    }
    const out = [...days.values()].sort(
      (a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1])),
    );
    return {
      columns: dailyVolumeColumns,
      rows: out,
    };
  },
};

const deniedByReasonColumns = [
  col("facility", "Facility"),
  col("reason", "Reason not completed"),
  col("rule", "Refused by rule"),
  col("calls", "Calls", "count"),
];

export const deniedByReason: ReportDefinition<PeriodQuery> = {
  id: "denied-by-reason",
  title: "Calls not completed, by reason",
  permission: P.reportUsage,
  columnKeys: keysOf(deniedByReasonColumns),
  query: PeriodQuery,
  async run({ ds, facilityIds, query: q }) {
    const rows = await callsIn(ds, facilityIds, q, { privileged: true })
      .where("status", "=", "not-completed")
      .select((eb) => ["facilityName", "denialRule", "notCompletedReason", eb.fn.countAll<number>().as("calls")])
      .groupBy(["facilityName", "denialRule", "notCompletedReason"])
      .execute();
    const out = rows
      .map((r): Cell[] => [
        r.facilityName,
        r.notCompletedReason ?? "(none given)",
        r.denialRule ?? "(after dialling out)",
        Number(r.calls),
      ])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])) || (b[3] as number) - (a[3] as number));
    return {
      columns: deniedByReasonColumns,
      rows: out,
    };
  },
};

export const GradeOfBlockingQuery = Type.Object(
  {
    ...Period,
    intervalMin: Type.Integer({ minimum: 15, maximum: 1440, description: "a divisor of 1440 (a day)" }),
    by: Type.Union([Type.Literal("station"), Type.Literal("call-type")]),
  },
  { additionalProperties: false },
);
export type GradeOfBlockingQuery = Static<typeof GradeOfBlockingQuery>;

/**
 * "The percentage of calls blocked at specific hourly time periods for either telephones or
 * call types." A call counts as blocked when the system refused it (a rule denied it) or could
 * not place it on the trunk; calls the called party declined or did not answer are not blocked.
 */
export const gradeOfBlocking: ReportDefinition<GradeOfBlockingQuery> = {
  id: "grade-of-blocking",
  title: "Percentage grade of blocking",
  spec: "Percentage Grade of Blocking Report",
  permission: P.reportUsage,
  // The third column is the telephone or the call type, as `by` asks.
  columnKeys: ["facility", "interval", "telephone", "callType", "attempted", "blocked", "percentBlocked"],
  query: GradeOfBlockingQuery,
  async run({ ds, facilityIds, query: q }) {
    if (1440 % q.intervalMin !== 0) {
      throw invalid("the interval must divide a day evenly (15, 20, 30, 60, 120 … minutes)");
    }
    // Counted by the database per minute of the day and telephone or call type; the minutes
    // are then put in the asked intervals here (at most 1,440 per key).
    const keyColumn = q.by === "station" ? "stationId" : "callType";
    const rows = await callsIn(ds, facilityIds, q, { privileged: true })
      .select((eb) => [
        "facilityName",
        sql<string>`substr(${sql.ref("localTime")}, 1, 5)`.as("minute"),
        eb.ref(keyColumn).as("key"),
        eb.fn.max("stationLocation").as("stationLocation"),
        eb.fn.countAll<number>().as("attempted"),
        sql<number>`sum(case when ${sql.ref("denialRule")} is not null or ${sql.ref("ending")} like 'Call not placed%' then 1 else 0 end)`.as(
          "blocked",
        ),
      ])
      .groupBy(["facilityName", sql`substr(${sql.ref("localTime")}, 1, 5)`, keyColumn])
      .execute();
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
    const buckets = new Map<
      string,
      { facility: string; slot: number; key: string; attempted: number; blocked: number }
    >();
    for (const r of rows) {
      const [h, m] = String(r.minute).split(":").map(Number);
      const slot = Math.floor(((h ?? 0) * 60 + (m ?? 0)) / q.intervalMin) * q.intervalMin;
      const key =
        q.by === "station" ? String(r.stationLocation || r.key) : ((r.key as string | null) ?? "(not classified)");
      const id = `${r.facilityName}|${slot}|${key}`;
      let b = buckets.get(id);
      if (!b) {
        b = { facility: r.facilityName, slot, key, attempted: 0, blocked: 0 };
        buckets.set(id, b);
      }
      b.attempted += Number(r.attempted);
      b.blocked += Number(r.blocked ?? 0);
    }
    const out = [...buckets.values()]
      .sort((a, b) => a.facility.localeCompare(b.facility) || a.slot - b.slot || a.key.localeCompare(b.key))
      .map((b): Cell[] => [
        b.facility,
        `${hhmm(b.slot)}–${hhmm(b.slot + q.intervalMin)}`,
        b.key,
        b.attempted,
        b.blocked,
        Math.round((1000 * b.blocked) / b.attempted) / 10,
      ]);
    return {
      columns: [
        col("facility", "Facility"),
        col("interval", "Time of day"),
        col(q.by === "station" ? "telephone" : "callType", q.by === "station" ? "Telephone" : "Call type"),
        col("attempted", "Calls attempted", "count"),
        col("blocked", "Calls blocked", "count"),
        col("percentBlocked", "Blocked (%)", "percent"),
      ],
      rows: out.slice(0, MAX_ROWS),
      truncated: out.length > MAX_ROWS,
    };
  },
};

type TypeSum = { calls: number; seconds: number; cents: number };

/** Completed calls summed by facility and call type, sorted by facility then call type. */
async function byFacilityAndType(ds: Parameters<typeof callsIn>[0], facilityIds: string[], q: PeriodQuery) {
  const rows = await callsIn(ds, facilityIds, q, { privileged: true })
    .where("status", "=", "completed")
    .select((eb) => [
      "facilityName",
      "callType",
      eb.fn.countAll<number>().as("calls"),
      eb.fn.sum<number>("durationSec").as("seconds"),
      eb.fn.sum<number>("chargeCents").as("cents"),
    ])
    .groupBy(["facilityName", "callType"])
    .execute();
  return rows
    .map((r) => ({
      facility: r.facilityName,
      callType: r.callType ?? "(not classified)",
      calls: Number(r.calls),
      seconds: Number(r.seconds ?? 0),
      cents: Number(r.cents ?? 0),
    }))
    .sort((a, b) => a.facility.localeCompare(b.facility) || a.callType.localeCompare(b.callType));
}

/** The sums of each call type across all facilities, by call type. */
function acrossFacilities(sums: readonly (TypeSum & { callType: string })[]): [string, TypeSum][] {
  const types = new Map<string, TypeSum>();
  for (const s of sums) {
    const t = types.get(s.callType) ?? { calls: 0, seconds: 0, cents: 0 };
    t.calls += s.calls;
    t.seconds += s.seconds;
    t.cents += s.cents;
    types.set(s.callType, t);
  }
  return [...types.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

const minutesByCallTypeColumns = [
  col("facility", "Facility"),
  col("callType", "Call type"),
  col("calls", "Calls", "count"),
  col("duration", "Duration (s)", "seconds"),
  col("minutes", "Minutes", "minutes"),
];

export const minutesByCallType: ReportDefinition<PeriodQuery> = {
  id: "minutes-by-call-type",
  title: "Summary minutes by call type",
  spec: "Summary Minutes by Call Type",
  permission: P.reportRevenue,
  columnKeys: keysOf(minutesByCallTypeColumns),
  query: PeriodQuery,
  async run({ ds, facilityIds, query: q }) {
    const sums = await byFacilityAndType(ds, facilityIds, q);
    const rows: Cell[][] = [];
    const subtotalRows = new Set<number>();
    const minutes = (s: number) => Math.round((s / 60) * 10) / 10;
    let current: string | undefined;
    let sub = { calls: 0, seconds: 0 };
    const closeFacility = () => {
      if (current === undefined) return;
      subtotalRows.add(rows.length);
      rows.push([current, "Subtotal", sub.calls, sub.seconds, minutes(sub.seconds)]);
    };
    for (const s of sums) {
      if (s.facility !== current) {
        closeFacility();
        current = s.facility;
        sub = { calls: 0, seconds: 0 };
      }
      rows.push([s.facility, s.callType, s.calls, s.seconds, minutes(s.seconds)]);
      sub.calls += s.calls;
      sub.seconds += s.seconds;
    }
    closeFacility();
    for (const [type, t] of acrossFacilities(sums)) {
      subtotalRows.add(rows.length);
      rows.push(["All facilities", type, t.calls, t.seconds, minutes(t.seconds)]);
    }
    return {
      columns: minutesByCallTypeColumns,
      rows,
      subtotalRows,
    };
  },
};

export const RevenueQuery = Type.Object(
  {
    ...Period,
    statePercent: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, description: "the State's share of gross billable revenue, percent" }),
    ),
  },
  { additionalProperties: false },
);
export type RevenueQuery = Static<typeof RevenueQuery>;

const revenueColumns = [
  col("facility", "Facility"),
  col("callType", "Call type"),
  col("calls", "Calls", "count"),
  col("duration", "Duration (s)", "seconds"),
  col("ratePerMinute", "Average rate per minute ($)", "rate"),
  col("gross", "Gross billable revenue ($)", "money"),
  col("dueState", "Amount due the State ($)", "money"),
];

/**
 * Monthly Distribution of Revenues: minutes, rate per minute, gross billable revenue and the
 * amount due to the State, by facility and call type and across facilities. The rate shown is
 * what was billed per minute on average (gross ÷ minutes), which is the rate charged when one
 * rate applied all period. The State's share is a contract term, entered with the report.
 */
export const revenue: ReportDefinition<RevenueQuery> = {
  id: "revenue",
  title: "Distribution of revenues",
  spec: "Monthly Distribution of Revenues",
  permission: P.reportRevenue,
  columnKeys: keysOf(revenueColumns),
  query: RevenueQuery,
  async run({ ds, facilityIds, query: q }) {
    const sums = await byFacilityAndType(ds, facilityIds, q);
    const share = (q.statePercent ?? 0) / 100;
    const rows: Cell[][] = [];
    const subtotalRows = new Set<number>();
    const line = (facility: string, type: string, s: TypeSum): Cell[] => [
      facility,
      type,
      s.calls,
      s.seconds,
      s.seconds > 0 ? Math.round((s.cents * 10 * 60) / s.seconds) : null,
      s.cents,
      Math.round(s.cents * share),
    ];
    for (const s of sums) rows.push(line(s.facility, s.callType, s));
    for (const [type, t] of acrossFacilities(sums)) {
      subtotalRows.add(rows.length);
      rows.push(line("All facilities", type, t));
    }
    return {
      columns: revenueColumns,
      rows,
      subtotalRows,
    };
  },
};
