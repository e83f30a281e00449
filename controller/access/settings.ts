/**
 * Access settings the Central Office can change: password policy, lockout and session policy.
 * Stored as JSON rows in `access_settings`, read through on every sign-in so a change applies
 * at once.
 */
import type { Kysely } from "kysely";
import { nistPolicy, type PasswordPolicy } from "./password-policy.ts";
import type { AccessTables } from "./tables.ts";

export interface LockoutPolicy {
  /** Consecutive failed sign-ons that lock the account. */
  maxAttempts: number;
  /** How long the lock lasts, in minutes. */
  lockMinutes: number;
}

export interface SessionPolicy {
  /** Access Control: "allow either multiple or single instance logons". */
  allowMultiple: boolean;
  idleMinutes: number;
  absoluteHours: number;
}

export interface AccessSettings {
  password: PasswordPolicy;
  lockout: LockoutPolicy;
  sessions: SessionPolicy;
}

/**
 * Lockout after 5 consecutive failures for 10 minutes, and a 30-minute idle limit: the FBI CJIS
 * Security Policy §5.5.3 and §5.5.5 figures, which law-enforcement systems are audited against.
 */
export const defaultAccessSettings: AccessSettings = {
  password: nistPolicy,
  lockout: { maxAttempts: 5, lockMinutes: 10 },
  sessions: { allowMultiple: true, idleMinutes: 30, absoluteHours: 12 },
};

const KEY = "access";

export class AccessSettingsStore {
  private readonly db: Kysely<AccessTables>;

  constructor(db: Kysely<AccessTables>) {
    this.db = db;
  }

  async get(): Promise<AccessSettings> {
    const row = await this.db.selectFrom("access_settings").select("value").where("key", "=", KEY).executeTakeFirst();
    if (!row) return structuredClone(defaultAccessSettings);
    const stored = JSON.parse(row.value) as Partial<AccessSettings>;
    return {
      password: { ...defaultAccessSettings.password, ...stored.password },
      lockout: { ...defaultAccessSettings.lockout, ...stored.lockout },
      sessions: { ...defaultAccessSettings.sessions, ...stored.sessions },
    };
  }

  async set(settings: AccessSettings): Promise<void> {
    const value = JSON.stringify(settings);
    const updated = await this.db
      .updateTable("access_settings")
      .set({ value })
      .where("key", "=", KEY)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      await this.db.insertInto("access_settings").values({ key: KEY, value }).execute();
  }
}
