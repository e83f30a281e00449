/**
 * Access levels, built top-down. Access Control: "The CDC/CYA Central Office shall be the
 * highest departmental access level and shall be capable of creating the lower levels of
 * access", with "a minimum of six definable user levels". A level can only create or change
 * levels below it (larger rank), and can only hand out permissions and facility reach it has.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../../telephony/clock.ts";
import { AccessError } from "./access-error.ts";
import type { AuditTrail } from "./audit.ts";
import { allPermissions, isPermission, type Permission, Permissions as P } from "./permissions.ts";
import type { Principal } from "./principal.ts";
import type { AccessLevelRow, AccessTables } from "./tables.ts";

export interface AccessLevel {
  id: string;
  name: string;
  rank: number;
  parentId: string | null;
  permissions: Permission[];
  allFacilities: boolean;
  createdAt: string;
}

export interface LevelInput {
  name: string;
  rank: number;
  permissions: string[];
  allFacilities: boolean;
}

export function toLevel(r: AccessLevelRow): AccessLevel {
  return {
    id: r.id,
    name: r.name,
    rank: Number(r.rank),
    parentId: r.parent_id,
    permissions: (JSON.parse(r.permissions) as string[]).filter(isPermission),
    allFacilities: Number(r.all_facilities) === 1,
    createdAt: r.created_at,
  };
}

export const centralOfficeLevelName = "Central Office";

/** The six levels a new system starts with, under the Central Office. */
export const defaultLevels: Omit<LevelInput, "rank">[] = [
  { name: centralOfficeLevelName, permissions: [...allPermissions], allFacilities: true },
  {
    name: "Facility Administrator",
    allFacilities: false,
    permissions: allPermissions.filter((p) => p !== P.adminSettings && p !== P.adminAccessLevels),
  },
  {
    name: "Investigator (LEIU/ISU)",
    allFacilities: false,
    permissions: [
      P.menuDashboard,
      P.menuLiveCalls,
      P.menuInmates,
      P.menuCallRecords,
      P.menuRecordings,
      P.menuNumberLists,
      P.queryCallRecords,
      P.queryRecordings,
      P.queryInmates,
      P.reportCallDetail,
      P.reportFraud,
      P.entryNumberLists,
      P.actionMonitor,
      P.actionBarge,
      P.actionTerminate,
      P.actionPlayRecording,
      P.actionDownloadRecording,
    ],
  },
  {
    name: "Monitoring Officer",
    allFacilities: false,
    permissions: [
      P.menuDashboard,
      P.menuLiveCalls,
      P.menuInmates,
      P.menuPhoneBanks,
      P.queryInmates,
      P.entryPhoneBanks,
      P.actionMonitor,
      P.actionTerminate,
    ],
  },
  {
    name: "Data Entry Clerk",
    allFacilities: false,
    permissions: [
      P.menuInmates,
      P.menuNumberLists,
      P.queryInmates,
      P.entryInmates,
      P.entryPinReset,
      P.entryApprovedNumbers,
      P.entryNumberLists,
    ],
  },
  {
    name: "Contractor Technician",
    allFacilities: false,
    permissions: [P.menuDashboard, P.menuPhoneBanks, P.entryPhoneBanks],
  },
];

export class LevelService {
  private readonly db: Kysely<AccessTables>;
  private readonly clock: Clock;
  private readonly audit: AuditTrail;

  constructor(db: Kysely<AccessTables>, clock: Clock, audit: AuditTrail) {
    this.db = db;
    this.clock = clock;
    this.audit = audit;
  }

  async list(): Promise<AccessLevel[]> {
    const rows = await this.db.selectFrom("access_levels").selectAll().orderBy("rank").orderBy("name").execute();
    return rows.map(toLevel);
  }

  async get(id: string): Promise<AccessLevel | undefined> {
    const row = await this.db.selectFrom("access_levels").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toLevel(row) : undefined;
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom("access_levels")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Creates the Central Office and the default lower levels; only on an empty system. */
  async seedDefaults(): Promise<AccessLevel[]> {
    if ((await this.count()) > 0) return this.list();
    const now = new Date(this.clock.now()).toISOString();
    let parent: string | null = null;
    const ids: string[] = [];
    for (const [i, l] of defaultLevels.entries()) {
      const id = randomUUID();
      await this.db
        .insertInto("access_levels")
        .values({
          id,
          name: l.name,
          rank: i + 1,
          // The Central Office is the parent of every default level.
          parent_id: parent,
          permissions: JSON.stringify(l.permissions),
          all_facilities: l.allFacilities ? 1 : 0,
          created_at: now,
          created_by: null,
        })
        .execute();
      if (i === 0) parent = id;
      ids.push(id);
    }
    await this.audit.record({
      actorId: null,
      actorName: "system",
      action: "levels.seed",
      entity: "access_level",
      after: defaultLevels.map((l) => l.name),
    });
    return this.list();
  }

  private check(actor: Principal, input: LevelInput): Permission[] {
    if (input.rank <= actor.rank) {
      throw new AccessError(
        "forbidden",
        `A level of rank ${actor.rank} can only create levels below it (rank > ${actor.rank}).`,
      );
    }
    const unknown = input.permissions.filter((p) => !isPermission(p));
    if (unknown.length) throw new AccessError("validation_failed", `Unknown permissions: ${unknown.join(", ")}.`);
    const perms = input.permissions.filter(isPermission);
    const notHeld = perms.filter((p) => !actor.permissions.has(p));
    if (notHeld.length) {
      throw new AccessError("forbidden", `You cannot grant permissions you do not hold: ${notHeld.join(", ")}.`);
    }
    if (input.allFacilities && !actor.facilities.all) {
      throw new AccessError("forbidden", "Only a level that reaches every facility can create one that does.");
    }
    return [...new Set(perms)];
  }

  async create(actor: Principal, input: LevelInput, ip: string | null = null): Promise<AccessLevel> {
    const perms = this.check(actor, input);
    const exists = await this.db
      .selectFrom("access_levels")
      .select("id")
      .where("name", "=", input.name)
      .executeTakeFirst();
    if (exists) throw new AccessError("conflict", `A level named "${input.name}" exists.`);
    const row: AccessLevelRow = {
      id: randomUUID(),
      name: input.name,
      rank: input.rank,
      parent_id: actor.levelId,
      permissions: JSON.stringify(perms),
      all_facilities: input.allFacilities ? 1 : 0,
      created_at: new Date(this.clock.now()).toISOString(),
      created_by: actor.userId,
    };
    await this.db.insertInto("access_levels").values(row).execute();
    const level = toLevel(row);
    await this.audit.record({
      actorId: actor.userId,
      actorName: actor.username,
      action: "level.create",
      entity: "access_level",
      entityId: level.id,
      after: level,
      ip,
    });
    return level;
  }

  async update(actor: Principal, id: string, input: LevelInput, ip: string | null = null): Promise<AccessLevel> {
    const before = await this.get(id);
    if (!before) throw new AccessError("not_found", "Access level not found.");
    if (before.rank <= actor.rank) throw new AccessError("forbidden", "You can only change levels below your own.");
    const perms = this.check(actor, input);
    const clash = await this.db
      .selectFrom("access_levels")
      .select("id")
      .where("name", "=", input.name)
      .where("id", "!=", id)
      .executeTakeFirst();
    if (clash) throw new AccessError("conflict", `A level named "${input.name}" exists.`);
    await this.db
      .updateTable("access_levels")
      .set({
        name: input.name,
        rank: input.rank,
        permissions: JSON.stringify(perms),
        all_facilities: input.allFacilities ? 1 : 0,
      })
      .where("id", "=", id)
      .execute();
    const after = (await this.get(id))!;
    await this.audit.record({
      actorId: actor.userId,
      actorName: actor.username,
      action: "level.update",
      entity: "access_level",
      entityId: id,
      before,
      after,
      ip,
    });
    return after;
  }
}
