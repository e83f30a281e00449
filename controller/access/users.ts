/**
 * Users. Access Control: "creation of access levels and assignment of multiple users to those
 * access levels"; "The Contractor's staff ... shall each be provided a separate and unique ID
 * and password with identical requirements as those for State staff."
 *
 * A user manager can only create users at levels below their own (the Central Office may also
 * create Central Office users) and only for facilities they reach themselves.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../../telephony/clock.ts";
import { AccessError } from "./access-error.ts";
import type { AuditTrail } from "./audit.ts";
import { type AccessLevel, toLevel } from "./levels.ts";
import { checkPassword } from "./password-policy.ts";
import type { PasswordHasher } from "./passwords.ts";
import type { FacilityScope, Principal } from "./principal.ts";
import { scopeWithin } from "./principal.ts";
import type { AccessSettingsStore } from "./settings.ts";
import type { AccessTables, UserRow } from "./tables.ts";

export type UserKind = "state" | "contractor";

export interface User {
  id: string;
  username: string;
  displayName: string;
  levelId: string;
  kind: UserKind;
  facilityIds: string[];
  disabled: boolean;
  locked: boolean;
  mustChangePassword: boolean;
  passwordChangedAt: string;
  language: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  username: string;
  displayName: string;
  levelId: string;
  kind: UserKind;
  facilityIds: string[];
  password: string;
  language?: string;
}

export interface UserPatch {
  displayName?: string;
  levelId?: string;
  facilityIds?: string[];
  disabled?: boolean;
  language?: string;
}

export class UserService {
  private readonly db: Kysely<AccessTables>;
  private readonly clock: Clock;
  private readonly audit: AuditTrail;
  private readonly hasher: PasswordHasher;
  private readonly settings: AccessSettingsStore;

  constructor(
    db: Kysely<AccessTables>,
    clock: Clock,
    audit: AuditTrail,
    hasher: PasswordHasher,
    settings: AccessSettingsStore,
  ) {
    this.db = db;
    this.clock = clock;
    this.audit = audit;
    this.hasher = hasher;
    this.settings = settings;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private async facilitiesOf(ids: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (ids.length === 0) return map;
    const rows = await this.db.selectFrom("user_facilities").selectAll().where("user_id", "in", ids).execute();
    for (const r of rows) map.set(r.user_id, [...(map.get(r.user_id) ?? []), r.facility_id]);
    return map;
  }

  private toUser(r: UserRow, facilities: string[]): User {
    return {
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      levelId: r.level_id,
      kind: r.kind as UserKind,
      facilityIds: [...facilities].sort(),
      disabled: Number(r.disabled) === 1,
      locked: r.locked_until !== null && r.locked_until > this.iso(),
      mustChangePassword: Number(r.must_change_password) === 1,
      passwordChangedAt: r.password_changed_at,
      language: r.language,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  async row(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async byUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
  }

  async get(id: string): Promise<User | undefined> {
    const r = await this.row(id);
    if (!r) return undefined;
    return this.toUser(r, (await this.facilitiesOf([id])).get(id) ?? []);
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** The users an actor may see: all for an all-facility actor, else those sharing a facility. */
  async list(actor: Principal): Promise<User[]> {
    const rows = await this.db.selectFrom("users").selectAll().orderBy("username").execute();
    const fac = await this.facilitiesOf(rows.map((r) => r.id));
    const users = rows.map((r) => this.toUser(r, fac.get(r.id) ?? []));
    const scope = actor.facilities;
    if (scope.all) return users;
    return users.filter(
      (u) => u.id === actor.userId || (u.facilityIds.length > 0 && u.facilityIds.every((f) => scope.ids.includes(f))),
    );
  }

  /** Throws unless the actor may see and manage `target`. */
  async assertManageable(actor: Principal, target: User): Promise<AccessLevel> {
    const level = await this.levelOf(target.levelId);
    if (target.id !== actor.userId && level.rank <= actor.rank && actor.rank !== 1) {
      throw new AccessError("forbidden", "You can only manage users at levels below your own.");
    }
    const targetScope: FacilityScope = level.allFacilities ? { all: true } : { all: false, ids: target.facilityIds };
    if (!scopeWithin(targetScope, actor.facilities)) {
      throw new AccessError("facility_forbidden", "That user belongs to a facility you do not reach.");
    }
    return level;
  }

  private async levelOf(id: string): Promise<AccessLevel> {
    const row = await this.db.selectFrom("access_levels").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw new AccessError("validation_failed", "That access level does not exist.");
    return toLevel(row);
  }

  private async checkAssignment(actor: Principal, levelId: string, facilityIds: string[]): Promise<AccessLevel> {
    const level = await this.levelOf(levelId);
    if (level.rank < actor.rank || (level.rank === actor.rank && actor.rank !== 1)) {
      throw new AccessError("forbidden", "You can only assign levels below your own.");
    }
    const scope: FacilityScope = level.allFacilities ? { all: true } : { all: false, ids: facilityIds };
    if (!scopeWithin(scope, actor.facilities)) {
      throw new AccessError("facility_forbidden", "You can only give access to facilities you reach yourself.");
    }
    if (!level.allFacilities && facilityIds.length === 0) {
      throw new AccessError("validation_failed", "A user at this level needs at least one facility.");
    }
    return level;
  }

  private async checkNewPassword(password: string, username: string): Promise<void> {
    const policy = (await this.settings.get()).password;
    const problems = checkPassword(policy, password, username);
    if (problems.length) throw new AccessError("password_policy", `The password ${problems.join("; ")}.`, problems);
  }

  /** Creates the first Central Office user on an empty system (no actor yet). */
  async bootstrap(
    levelId: string,
    input: Omit<NewUser, "levelId" | "facilityIds">,
    mustChange: boolean,
  ): Promise<User> {
    if ((await this.count()) > 0) throw new AccessError("conflict", "The system already has users.");
    await this.checkNewPassword(input.password, input.username);
    return this.insert({ ...input, levelId, facilityIds: [] }, mustChange, null, "system", null);
  }

  async create(actor: Principal, input: NewUser, ip: string | null = null): Promise<User> {
    await this.checkAssignment(actor, input.levelId, input.facilityIds);
    if (await this.byUsername(input.username))
      throw new AccessError("conflict", `The user name "${input.username}" is taken.`);
    await this.checkNewPassword(input.password, input.username);
    // A password someone else chose is changed at first sign-on (NIST 800-63B §6.1.2.3 allows it).
    return this.insert(input, true, actor.userId, actor.username, ip);
  }

  private async insert(
    input: NewUser,
    mustChange: boolean,
    actorId: string | null,
    actorName: string,
    ip: string | null,
  ): Promise<User> {
    const now = this.iso();
    const id = randomUUID();
    const row: UserRow = {
      id,
      username: input.username,
      display_name: input.displayName,
      level_id: input.levelId,
      kind: input.kind,
      password_hash: await this.hasher.hash(input.password),
      password_changed_at: now,
      must_change_password: mustChange ? 1 : 0,
      failed_attempts: 0,
      locked_until: null,
      disabled: 0,
      language: input.language ?? "en",
      created_at: now,
      updated_at: now,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto("users").values(row).execute();
      const facilities = [...new Set(input.facilityIds)];
      if (facilities.length) {
        await trx
          .insertInto("user_facilities")
          .values(facilities.map((f) => ({ user_id: id, facility_id: f })))
          .execute();
      }
    });
    const user = (await this.get(id))!;
    await this.audit.record({
      actorId,
      actorName,
      action: "user.create",
      entity: "user",
      entityId: id,
      after: user,
      ip,
    });
    return user;
  }

  async update(actor: Principal, id: string, patch: UserPatch, ip: string | null = null): Promise<User> {
    const before = await this.get(id);
    if (!before) throw new AccessError("not_found", "User not found.");
    await this.assertManageable(actor, before);
    if (id === actor.userId && (patch.levelId !== undefined || patch.facilityIds !== undefined || patch.disabled)) {
      throw new AccessError("forbidden", "You cannot change your own level, facilities or status.");
    }
    const levelId = patch.levelId ?? before.levelId;
    const facilityIds = patch.facilityIds ?? before.facilityIds;
    if (patch.levelId !== undefined || patch.facilityIds !== undefined)
      await this.checkAssignment(actor, levelId, facilityIds);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("users")
        .set({
          display_name: patch.displayName ?? before.displayName,
          level_id: levelId,
          disabled: (patch.disabled ?? before.disabled) ? 1 : 0,
          language: patch.language ?? before.language,
          updated_at: this.iso(),
        })
        .where("id", "=", id)
        .execute();
      if (patch.facilityIds) {
        await trx.deleteFrom("user_facilities").where("user_id", "=", id).execute();
        const facilities = [...new Set(patch.facilityIds)];
        if (facilities.length) {
          await trx
            .insertInto("user_facilities")
            .values(facilities.map((f) => ({ user_id: id, facility_id: f })))
            .execute();
        }
      }
      // A changed level, reach or status takes effect at once: end the user's sessions.
      if (patch.levelId !== undefined || patch.facilityIds !== undefined || patch.disabled) {
        await trx.deleteFrom("sessions").where("user_id", "=", id).execute();
      }
    });
    const after = (await this.get(id))!;
    await this.audit.record({
      actorId: actor.userId,
      actorName: actor.username,
      action: "user.update",
      entity: "user",
      entityId: id,
      before,
      after,
      ip,
    });
    return after;
  }

  /** An administrator sets a new password; the user must change it at next sign-on. */
  async resetPassword(actor: Principal, id: string, password: string, ip: string | null = null): Promise<void> {
    const target = await this.get(id);
    if (!target) throw new AccessError("not_found", "User not found.");
    await this.assertManageable(actor, target);
    await this.checkNewPassword(password, target.username);
    await this.db
      .updateTable("users")
      .set({
        password_hash: await this.hasher.hash(password),
        password_changed_at: this.iso(),
        must_change_password: 1,
        failed_attempts: 0,
        locked_until: null,
        updated_at: this.iso(),
      })
      .where("id", "=", id)
      .execute();
    await this.db.deleteFrom("sessions").where("user_id", "=", id).execute();
    await this.audit.record({
      actorId: actor.userId,
      actorName: actor.username,
      action: "user.password-reset",
      entity: "user",
      entityId: id,
      ip,
    });
  }

  /** Lifts a lockout before it runs out. */
  async unlock(actor: Principal, id: string, ip: string | null = null): Promise<User> {
    const target = await this.get(id);
    if (!target) throw new AccessError("not_found", "User not found.");
    await this.assertManageable(actor, target);
    await this.db.updateTable("users").set({ failed_attempts: 0, locked_until: null }).where("id", "=", id).execute();
    const after = (await this.get(id))!;
    await this.audit.record({
      actorId: actor.userId,
      actorName: actor.username,
      action: "user.unlock",
      entity: "user",
      entityId: id,
      before: { locked: target.locked },
      after: { locked: false },
      ip,
    });
    return after;
  }

  /** The user changes their own password, proving the current one. */
  async changeOwnPassword(
    userId: string,
    current: string,
    next: string,
    keepSessionHash: string | null,
    ip: string | null = null,
  ): Promise<void> {
    const row = await this.row(userId);
    if (!row) throw new AccessError("not_found", "User not found.");
    if (!(await this.hasher.verify(row.password_hash, current))) {
      await this.audit.record({
        actorId: userId,
        actorName: row.username,
        action: "user.password-change",
        entity: "user",
        entityId: userId,
        outcome: "failure",
        ip,
      });
      throw new AccessError("bad_credentials", "The current password is wrong.");
    }
    if (current === next)
      throw new AccessError("password_policy", "The new password must differ from the current one.", [
        "must differ from the current one",
      ]);
    await this.checkNewPassword(next, row.username);
    await this.db
      .updateTable("users")
      .set({
        password_hash: await this.hasher.hash(next),
        password_changed_at: this.iso(),
        must_change_password: 0,
        updated_at: this.iso(),
      })
      .where("id", "=", userId)
      .execute();
    // Other sessions of this user end: whoever knew the old password is signed out.
    let q = this.db.deleteFrom("sessions").where("user_id", "=", userId);
    if (keepSessionHash) q = q.where("token_hash", "!=", keepSessionHash);
    await q.execute();
    await this.audit.record({
      actorId: userId,
      actorName: row.username,
      action: "user.password-change",
      entity: "user",
      entityId: userId,
      ip,
    });
  }
}
