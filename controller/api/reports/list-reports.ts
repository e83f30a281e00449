/**
 * Reports over the lists rather than the calls: the spec's Approved Telephone Number Search,
 * Blocked Telephone Numbers and Local Exchanges reports, and each inmate's usage against the
 * limits of the class of service in effect.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Permissions as P } from "../../access/permissions.ts";
import { loadCosDefinitions } from "../../domain/classes.ts";
import { resolveCos } from "../../domain/cos.ts";
import { invalid } from "../../domain/errors.ts";
import { periodStarts } from "../../store/usage.ts";
import { FacilityIds } from "./call-reports.ts";
import { type Cell, col, keysOf, listRun, MAX_ROWS, numberPattern, type ReportDefinition } from "./report.ts";

const NumberSearch = Type.String({ minLength: 1, maxLength: 40, pattern: "^[0-9+*?() .-]+$" });

export const ApprovedNumbersQuery = Type.Object(
  { facilityIds: Type.Optional(FacilityIds), number: NumberSearch },
  { additionalProperties: false },
);
export type ApprovedNumbersQuery = Static<typeof ApprovedNumbersQuery>;

const approvedNumbersColumns = [
  col("number", "Telephone number"),
  col("contact", "Called party"),
  col("relationship", "Relationship"),
  col("inmateId", "Inmate register number"),
  col("inmate", "Inmate name"),
  col("status", "Inmate status"),
  col("facility", "Facility"),
  col("site", "Site code"),
];

export const approvedNumbers: ReportDefinition<ApprovedNumbersQuery> = {
  id: "approved-numbers",
  title: "Approved telephone number search",
  spec: "Approved Telephone Number Search Report",
  permission: P.reportFraud,
  columnKeys: keysOf(approvedNumbersColumns),
  query: ApprovedNumbersQuery,
  async run({ ds, facilityIds, query: q }) {
    const rows = await ds.db
      .selectFrom("approvedNumbers as a")
      .innerJoin("inmates as i", "i.id", "a.inmateId")
      .innerJoin("facilities as f", "f.id", "i.facilityId")
      .where("i.facilityId", "in", facilityIds.length ? facilityIds : [""])
      .where("a.number", "like", numberPattern(q.number))
      .select([
        "a.number",
        "a.name",
        "a.relationship",
        "i.id as inmateId",
        "i.firstName",
        "i.lastName",
        "i.status",
        "f.name as facility",
        "i.facilityId",
      ])
      .orderBy("a.number")
      .orderBy("i.id")
      .limit(MAX_ROWS + 1)
      .execute();
    return listRun(approvedNumbersColumns, rows, (r) => [
      r.number,
      r.name,
      r.relationship,
      r.inmateId,
      `${r.lastName}, ${r.firstName}`,
      r.status,
      r.facility,
      r.facilityId,
    ]);
  },
};

export const BlockedNumbersQuery = Type.Object(
  { facilityIds: Type.Optional(FacilityIds), number: Type.Optional(NumberSearch) },
  { additionalProperties: false },
);
export type BlockedNumbersQuery = Static<typeof BlockedNumbersQuery>;

/** Blocks of the facilities reached and the agency-wide ("system-wide") ones. */
export const blockedNumbers: ReportDefinition<BlockedNumbersQuery> = {
  id: "blocked-numbers",
  title: "Blocked telephone numbers",
  spec: "Blocked Telephone Numbers",
  permission: P.reportUsage,
  columnKeys: ["number", "kind", "category", "reason", "blockedBy", "setBy", "site", "since"],
  query: BlockedNumbersQuery,
  async run({ ds, facilityIds, query: q }) {
    let x = ds.db
      .selectFrom("blockedNumbers")
      .where((eb) =>
        eb.or([eb("facilityId", "is", null), eb("facilityId", "in", facilityIds.length ? facilityIds : [""])]),
      );
    if (q.number) x = x.where("number", "like", numberPattern(q.number));
    const rows = await x
      .selectAll()
      .orderBy("number")
      .orderBy("id")
      .limit(MAX_ROWS + 1)
      .execute();
    const out = rows
      .slice(0, MAX_ROWS)
      .map((r): Cell[] => [
        r.kind === "range" ? `${r.number}–${r.rangeEnd}` : r.kind === "pattern" ? r.pattern : r.number,
        r.kind,
        r.category,
        r.reason,
        r.byCalledParty ? "called party" : "staff",
        r.setBy,
        r.facilityId ?? "system-wide",
        new Date(r.createdAt).toISOString().slice(0, 10),
      ]);
    return {
      columns: [
        col("number", "Destination telephone number"),
        col("kind", "Kind"),
        col("category", "Category"),
        col("reason", "Reason for block"),
        col("blockedBy", "Blocked by"),
        col("setBy", "Who placed the block"),
        col("site", "Site code"),
        col("since", "Since"),
      ],
      rows: out,
      truncated: rows.length > MAX_ROWS,
    };
  },
};

export const FacilitiesQuery = Type.Object(
  { facilityIds: Type.Optional(FacilityIds) },
  { additionalProperties: false },
);
export type FacilitiesQuery = Static<typeof FacilitiesQuery>;

/** The exchanges rated local for each facility: its own rate center and the ones it lists as local. */
export const localExchanges: ReportDefinition<FacilitiesQuery> = {
  id: "local-exchanges",
  title: "Local exchanges",
  spec: "Local Exchanges",
  permission: P.reportUsage,
  columnKeys: ["facility", "site", "exchange", "rateCenter", "city", "state", "lata"],
  query: FacilitiesQuery,
  async run({ ds, facilityIds }) {
    const facilities = await ds.db
      .selectFrom("facilities")
      .select(["id", "name", "rateCenter", "localRateCenters"])
      .where("id", "in", facilityIds.length ? facilityIds : [""])
      .orderBy("name")
      .execute();
    const rows: Cell[][] = [];
    for (const f of facilities) {
      const centers = [f.rateCenter, ...(JSON.parse(f.localRateCenters) as string[])];
      const ex = await ds.db
        .selectFrom("npaNxx")
        .selectAll()
        .where("rateCenter", "in", centers)
        .orderBy("npa")
        .orderBy("nxx")
        .execute();
      for (const e of ex) rows.push([f.name, f.id, `${e.npa}-${e.nxx}`, e.rateCenter, e.city, e.state, e.lata]);
    }
    return {
      columns: [
        col("facility", "Facility"),
        col("site", "Site code"),
        col("exchange", "Exchange (NPA-NXX)"),
        col("rateCenter", "Rate center"),
        col("city", "City"),
        col("state", "State"),
        col("lata", "LATA"),
      ],
      rows: rows.slice(0, MAX_ROWS),
      truncated: rows.length > MAX_ROWS,
    };
  },
};

export const UsageQuery = Type.Object({ facilityIds: Type.Optional(FacilityIds) }, { additionalProperties: false });
export type UsageQuery = Static<typeof UsageQuery>;

/**
 * Each active inmate's completed calls and minutes this day, week and month (facility time)
 * against the class of service in effect, counted as the call decision counts them
 * (store/usage.ts: accepted calls, minutes rounded up per call, privileged calls not counted).
 */
export const usageAgainstLimits: ReportDefinition<UsageQuery> = {
  id: "usage-against-limits",
  title: "Usage against limits",
  permission: P.reportUsage,
  columnKeys: [
    "inmateId",
    "inmate",
    "facility",
    "housingUnit",
    "callsDay",
    "maxCallsDay",
    "callsWeek",
    "maxCallsWeek",
    "callsMonth",
    "maxCallsMonth",
    "minutesDay",
    "maxMinutesDay",
    "minutesWeek",
    "maxMinutesWeek",
    "minutesMonth",
    "maxMinutesMonth",
    "atLimit",
  ],
  query: UsageQuery,
  async run({ ds, facilityIds, now }) {
    if (facilityIds.length === 0) throw invalid("no facility to report on");
    const defs = await loadCosDefinitions(ds);
    const get = (id: string | null | undefined) => (id ? defs.get(id) : undefined);
    const facilities = await ds.db
      .selectFrom("facilities as f")
      .leftJoin("facilityGroups as g", "g.id", "f.groupId")
      .select(["f.id", "f.name", "f.timeZone", "f.cosId as facilityCos", "g.cosId as groupCos"])
      .where("f.id", "in", facilityIds)
      .orderBy("f.name")
      .execute();
    const units = new Map(
      (
        await ds.db
          .selectFrom("housingUnits")
          .select(["id", "name", "cosId"])
          .where("facilityId", "in", facilityIds)
          .execute()
      ).map((u) => [u.id, u]),
    );
    const rows: Cell[][] = [];
    let truncated = false;
    const inmates = new Set<string>();
    const limit = (on: boolean, v: number | null) => (on && v !== null ? v : null);
    for (const f of facilities) {
      const p = periodStarts(now, f.timeZone);
      const since = Math.min(p.week, p.month);
      const calls = await ds.db
        .selectFrom("callRecords")
        .select(["inmateId", "acceptedAt", "durationSec"])
        .where("facilityId", "=", f.id)
        .where("status", "=", "completed")
        .where("privileged", "=", 0)
        .where("startedAt", ">=", since - 24 * 3600_000)
        .where("acceptedAt", ">=", since)
        .where("acceptedAt", "<=", now)
        .execute();
      const used = new Map<string, number[]>();
      for (const c of calls) {
        if (!c.inmateId) continue;
        const u = used.get(c.inmateId) ?? [0, 0, 0, 0, 0, 0];
        const t = c.acceptedAt as number;
        const min = Math.ceil(c.durationSec / 60);
        // [calls day, week, month, minutes day, week, month]
        const inPeriod = [t >= p.day, t >= p.week, t >= p.month];
        inPeriod.forEach((yes, k) => {
          if (!yes) return;
          u[k] = (u[k] ?? 0) + 1;
          u[k + 3] = (u[k + 3] ?? 0) + min;
        });
        used.set(c.inmateId, u);
      }
      const list = await ds.db
        .selectFrom("inmates")
        .select(["id", "firstName", "lastName", "housingUnitId", "cosId"])
        .where("facilityId", "=", f.id)
        .where("status", "=", "active")
        .orderBy("lastName")
        .orderBy("firstName")
        .execute();
      for (const i of list) {
        if (rows.length >= MAX_ROWS) {
          truncated = true;
          break;
        }
        const unit = i.housingUnitId ? units.get(i.housingUnitId) : undefined;
        const cos = resolveCos([
          { level: "inmate", cos: get(i.cosId) },
          { level: "housing-unit", cos: get(unit?.cosId) },
          { level: "facility", cos: get(f.facilityCos) },
          { level: "facility-group", cos: get(f.groupCos) },
        ]);
        const u = used.get(i.id) ?? [0, 0, 0, 0, 0, 0];
        const c = cos.maxCalls;
        const m = cos.maxMinutes;
        const limits = [
          limit(c.enabled, c.day),
          limit(c.enabled, c.week),
          limit(c.enabled, c.month),
          limit(m.enabled, m.day),
          limit(m.enabled, m.week),
          limit(m.enabled, m.month),
        ];
        const atLimit = limits.some((l, k) => l !== null && (u[k] ?? 0) >= l);
        inmates.add(i.id);
        rows.push([
          i.id,
          `${i.lastName}, ${i.firstName}`,
          f.name,
          unit?.name ?? "",
          u[0]!,
          limits[0]!,
          u[1]!,
          limits[1]!,
          u[2]!,
          limits[2]!,
          u[3]!,
          limits[3]!,
          u[4]!,
          limits[4]!,
          u[5]!,
          limits[5]!,
          atLimit ? "yes" : "no",
        ]);
      }
    }
    return {
      columns: [
        col("inmateId", "Inmate register number"),
        col("inmate", "Inmate name"),
        col("facility", "Facility"),
        col("housingUnit", "Housing unit"),
        col("callsDay", "Calls today", "count"),
        col("maxCallsDay", "Call limit per day"),
        col("callsWeek", "Calls this week", "count"),
        col("maxCallsWeek", "Call limit per week"),
        col("callsMonth", "Calls this month", "count"),
        col("maxCallsMonth", "Call limit per month"),
        col("minutesDay", "Minutes today", "minutes"),
        col("maxMinutesDay", "Minute limit per day"),
        col("minutesWeek", "Minutes this week", "minutes"),
        col("maxMinutesWeek", "Minute limit per week"),
        col("minutesMonth", "Minutes this month", "minutes"),
        col("maxMinutesMonth", "Minute limit per month"),
        col("atLimit", "At a limit"),
      ],
      rows,
      inmates,
      truncated,
    };
  },
};
