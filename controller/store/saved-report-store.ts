/**
 * Saved report layouts and their schedules (migration 0400). The store only keeps and reads
 * them; who may see or change one, and whether its columns fit its base report, is decided by
 * the report routes (controller/api/routes/saved-report-routes.ts).
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { DomainStore } from "./domain-store.ts";

/** One level of the sort sequence: a column key, ascending or descending. */
export interface SortKey {
  key: string;
  dir: "asc" | "desc";
}

export type CriteriaValue = string | number | boolean;

export interface SavedReportInput {
  name: string;
  category: string;
  baseReport: string;
  /** null: a Central Office report, offered at every facility. */
  facilityId: string | null;
  /** Column keys shown, in order. */
  columns: string[];
  /** Up to five levels. */
  sort: SortKey[];
  /** Default criteria (the base report's query, less the period when `periodDays` is set). */
  criteria: Record<string, CriteriaValue>;
  /** The run covers the last N whole days before today (facility time) instead of fixed dates. */
  periodDays: number | null;
  /** Access levels it is offered to; empty: every level holding the base report's permission. */
  levelIds: string[];
  /** "HH:MM" facility time, or null: not run automatically. */
  scheduleTime: string | null;
  /** ISO weekdays (1 = Monday … 7 = Sunday) the schedule runs on. */
  scheduleDays: number[];
  /** Where the automatic run is sent. */
  emailTo: string[];
}

export interface SavedReport extends SavedReportInput {
  id: string;
  lastSentAt: number | null;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

type Millis = number | string;

/** A type alias, not an interface: Kysely's `withTables` wants an index-compatible record. */
type Tables = {
  savedReports: {
    id: string;
    name: string;
    category: string;
    baseReport: string;
    facilityId: string | null;
    columns: string;
    sort: string;
    criteria: string;
    periodDays: number | null;
    levelIds: string;
    scheduleTime: string | null;
    scheduleDays: string;
    emailTo: string;
    lastSentAt: Millis | null;
    createdAt: Millis;
    createdBy: string;
    updatedAt: Millis;
    updatedBy: string;
  };
};
type Row = Tables["savedReports"];

const toRow = (r: SavedReportInput) => ({
  name: r.name,
  category: r.category,
  baseReport: r.baseReport,
  facilityId: r.facilityId,
  columns: JSON.stringify(r.columns),
  sort: JSON.stringify(r.sort),
  criteria: JSON.stringify(r.criteria),
  periodDays: r.periodDays,
  levelIds: JSON.stringify(r.levelIds),
  scheduleTime: r.scheduleTime,
  scheduleDays: JSON.stringify(r.scheduleDays),
  emailTo: JSON.stringify(r.emailTo),
});

const fromRow = (r: Row): SavedReport => ({
  id: r.id,
  name: r.name,
  category: r.category,
  baseReport: r.baseReport,
  facilityId: r.facilityId,
  columns: JSON.parse(r.columns),
  sort: JSON.parse(r.sort),
  criteria: JSON.parse(r.criteria),
  periodDays: r.periodDays === null ? null : Number(r.periodDays),
  levelIds: JSON.parse(r.levelIds),
  scheduleTime: r.scheduleTime,
  scheduleDays: JSON.parse(r.scheduleDays),
  emailTo: JSON.parse(r.emailTo),
  lastSentAt: r.lastSentAt === null ? null : Number(r.lastSentAt),
  createdAt: Number(r.createdAt),
  createdBy: r.createdBy,
  updatedAt: Number(r.updatedAt),
  updatedBy: r.updatedBy,
});

export class SavedReportStore {
  private readonly db: Kysely<Tables>;

  constructor(ds: DomainStore) {
    this.db = ds.db.withTables<Tables>() as unknown as Kysely<Tables>;
  }

  /** Every saved report, by category then name. */
  async list(): Promise<SavedReport[]> {
    const rows = await this.db.selectFrom("savedReports").selectAll().orderBy("category").orderBy("name").execute();
    return rows.map(fromRow);
  }

  /** The saved reports that run automatically (a schedule time and somewhere to send them). */
  async listScheduled(): Promise<SavedReport[]> {
    const rows = await this.db
      .selectFrom("savedReports")
      .selectAll()
      .where("scheduleTime", "is not", null)
      .where("emailTo", "!=", "[]")
      .execute();
    return rows.map(fromRow);
  }

  async get(id: string): Promise<SavedReport | undefined> {
    const r = await this.db.selectFrom("savedReports").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  async create(input: SavedReportInput, by: string, now: number): Promise<SavedReport> {
    const id = randomUUID();
    await this.db
      .insertInto("savedReports")
      .values({
        id,
        ...toRow(input),
        lastSentAt: null,
        createdAt: now,
        createdBy: by,
        updatedAt: now,
        updatedBy: by,
      })
      .execute();
    return (await this.get(id))!;
  }

  async update(id: string, input: SavedReportInput, by: string, now: number): Promise<SavedReport | undefined> {
    const res = await this.db
      .updateTable("savedReports")
      .set({ ...toRow(input), updatedAt: now, updatedBy: by })
      .where("id", "=", id)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n ? this.get(id) : undefined;
  }

  async remove(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom("savedReports").where("id", "=", id).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  /** Marks an automatic run as sent, so a restart the same minute does not send it twice. */
  async markSent(id: string, at: number): Promise<void> {
    await this.db.updateTable("savedReports").set({ lastSentAt: at }).where("id", "=", id).execute();
  }
}
