/**
 * The access module assembled: one object the API (and anything else needing users, levels
 * or the audit trail) is given.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../../telephony/clock.ts";
import { AuditTrail } from "./audit.ts";
import { centralOfficeLevelName, LevelService } from "./levels.ts";
import { argon2idHasher, type PasswordHasher } from "./passwords.ts";
import { SessionService } from "./sessions.ts";
import { AccessSettingsStore } from "./settings.ts";
import type { AccessTables } from "./tables.ts";
import { type User, UserService } from "./users.ts";

export interface Access {
  readonly audit: AuditTrail;
  readonly levels: LevelService;
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly settings: AccessSettingsStore;
  /**
   * On an empty system: seeds the default levels and the first Central Office user. Returns
   * the user created, or undefined when users already exist.
   */
  bootstrap(admin: {
    username: string;
    password: string;
    displayName?: string;
    mustChange?: boolean;
  }): Promise<User | undefined>;
}

export function createAccess(
  db: Kysely<AccessTables>,
  clock: Clock,
  hasher: PasswordHasher = argon2idHasher(),
): Access {
  const audit = new AuditTrail(db, clock);
  const settings = new AccessSettingsStore(db);
  const levels = new LevelService(db, clock, audit);
  const users = new UserService(db, clock, audit, hasher, settings);
  const sessions = new SessionService(db, clock, audit, hasher, settings);
  return {
    audit,
    levels,
    users,
    sessions,
    settings,
    async bootstrap(admin) {
      const all = await levels.seedDefaults();
      if ((await users.count()) > 0) return undefined;
      const top = all.find((l) => l.name === centralOfficeLevelName) ?? all[0];
      if (!top) throw new Error("no access levels to bootstrap from");
      return users.bootstrap(
        top.id,
        {
          username: admin.username,
          password: admin.password,
          displayName: admin.displayName ?? "Central Office administrator",
          kind: "state",
        },
        admin.mustChange ?? true,
      );
    },
  };
}
