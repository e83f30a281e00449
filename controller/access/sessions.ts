/**
 * Sign-on, lockout and sessions. The cookie carries a random token; the database keeps only
 * its SHA-256, with a per-session CSRF token the UI sends back on every change.
 * Access Control: "allow either multiple or single instance logons" — with single logons a
 * new sign-on ends the user's older sessions (see docs/web-and-api.md for why it does not
 * refuse the new one).
 */
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../../telephony/clock.ts";
import { AccessError } from "./access-error.ts";
import type { AuditTrail } from "./audit.ts";
import { toLevel } from "./levels.ts";
import { passwordExpired } from "./password-policy.ts";
import type { PasswordHasher } from "./passwords.ts";
import type { Principal } from "./principal.ts";
import type { AccessSettingsStore } from "./settings.ts";
import type { AccessTables, UserRow } from "./tables.ts";

export interface Session {
  token: string;
  csrfToken: string;
  expiresAt: string;
}

export interface SignInResult {
  session: Session;
  principal: Principal;
  /** Why the user must change their password before doing anything else, if they must. */
  passwordChange: "expired" | "assigned" | null;
}

export interface ResolvedSession {
  principal: Principal;
  csrfToken: string;
  tokenHash: string;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A request's origin, for the audit trail. */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export class SessionService {
  private readonly db: Kysely<AccessTables>;
  private readonly clock: Clock;
  private readonly audit: AuditTrail;
  private readonly hasher: PasswordHasher;
  private readonly settings: AccessSettingsStore;
  /** Verified against when the user name is unknown, so timing does not reveal which names exist. */
  private dummyHash: Promise<string> | undefined;

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

  private iso(ms = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  async signIn(username: string, password: string, client: ClientInfo): Promise<SignInResult> {
    const settings = await this.settings.get();
    const row = await this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
    const fail = async (reason: string, user?: UserRow) => {
      await this.audit.record({
        actorId: user?.id ?? null,
        actorName: username.slice(0, 64),
        action: "sign-on",
        entity: "session",
        outcome: "failure",
        after: { reason },
        ip: client.ip,
      });
    };
    if (!row) {
      this.dummyHash ??= this.hasher.hash(randomBytes(16).toString("hex"));
      await this.hasher.verify(await this.dummyHash, password);
      await fail("unknown user");
      throw new AccessError("bad_credentials", "The user name or password is wrong.");
    }
    const now = this.clock.now();
    if (row.locked_until && row.locked_until > this.iso(now)) {
      await fail("locked", row);
      throw new AccessError(
        "account_locked",
        `This account is locked until ${row.locked_until} after repeated failed sign-ons.`,
      );
    }
    const ok = await this.hasher.verify(row.password_hash, password);
    if (!ok || Number(row.disabled) === 1) {
      if (Number(row.disabled) === 1) {
        await fail("disabled", row);
        throw new AccessError("bad_credentials", "The user name or password is wrong.");
      }
      const attempts = Number(row.failed_attempts) + 1;
      const lock = attempts >= settings.lockout.maxAttempts;
      await this.db
        .updateTable("users")
        .set({
          failed_attempts: lock ? 0 : attempts,
          locked_until: lock ? this.iso(now + settings.lockout.lockMinutes * 60_000) : row.locked_until,
        })
        .where("id", "=", row.id)
        .execute();
      await fail(lock ? "bad password; account locked" : "bad password", row);
      if (lock) {
        throw new AccessError(
          "account_locked",
          `Too many failed sign-ons: this account is locked for ${settings.lockout.lockMinutes} minutes.`,
        );
      }
      throw new AccessError("bad_credentials", "The user name or password is wrong.");
    }

    await this.db
      .updateTable("users")
      .set({ failed_attempts: 0, locked_until: null })
      .where("id", "=", row.id)
      .execute();
    if (!settings.sessions.allowMultiple) {
      const ended = await this.db.deleteFrom("sessions").where("user_id", "=", row.id).executeTakeFirst();
      if (Number(ended.numDeletedRows) > 0) {
        await this.audit.record({
          actorId: row.id,
          actorName: row.username,
          action: "session.replaced",
          entity: "session",
          ip: client.ip,
          after: { ended: Number(ended.numDeletedRows) },
        });
      }
    }
    const token = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(24).toString("base64url");
    const expiresAt = this.iso(now + settings.sessions.absoluteHours * 3_600_000);
    await this.db
      .insertInto("sessions")
      .values({
        token_hash: hashToken(token),
        user_id: row.id,
        csrf_token: csrfToken,
        created_at: this.iso(now),
        last_seen_at: this.iso(now),
        expires_at: expiresAt,
        ip: client.ip.slice(0, 64),
        user_agent: client.userAgent.slice(0, 300),
      })
      .execute();
    const principal = await this.principalFor(row);
    if (!principal) throw new AccessError("forbidden", "This account has no valid access level.");
    const expired = passwordExpired(settings.password, Date.parse(row.password_changed_at), now);
    const passwordChange = Number(row.must_change_password) === 1 ? "assigned" : expired ? "expired" : null;
    principal.mustChangePassword = passwordChange !== null;
    await this.audit.record({
      actorId: row.id,
      actorName: row.username,
      action: "sign-on",
      entity: "session",
      ip: client.ip,
      after: { passwordChange },
    });
    return { session: { token, csrfToken, expiresAt }, principal, passwordChange };
  }

  async principalFor(row: UserRow): Promise<Principal | undefined> {
    const levelRow = await this.db
      .selectFrom("access_levels")
      .selectAll()
      .where("id", "=", row.level_id)
      .executeTakeFirst();
    if (!levelRow) return undefined;
    const level = toLevel(levelRow);
    const facilities = await this.db
      .selectFrom("user_facilities")
      .select("facility_id")
      .where("user_id", "=", row.id)
      .execute();
    const settings = await this.settings.get();
    return {
      userId: row.id,
      username: row.username,
      displayName: row.display_name,
      kind: row.kind === "contractor" ? "contractor" : "state",
      levelId: level.id,
      levelName: level.name,
      rank: level.rank,
      permissions: new Set(level.permissions),
      facilities: level.allFacilities
        ? { all: true }
        : { all: false, ids: facilities.map((f) => f.facility_id).sort() },
      language: row.language,
      mustChangePassword:
        Number(row.must_change_password) === 1 ||
        passwordExpired(settings.password, Date.parse(row.password_changed_at), this.clock.now()),
    };
  }

  /** The session behind a cookie token, or undefined when it is unknown, idle too long or past its end. */
  async resolve(token: string): Promise<ResolvedSession | undefined> {
    const tokenHash = hashToken(token);
    const s = await this.db.selectFrom("sessions").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
    if (!s) return undefined;
    const settings = await this.settings.get();
    const now = this.clock.now();
    const idleEnd = Date.parse(s.last_seen_at) + settings.sessions.idleMinutes * 60_000;
    if (now >= idleEnd || this.iso(now) >= s.expires_at) {
      await this.db.deleteFrom("sessions").where("token_hash", "=", tokenHash).execute();
      return undefined;
    }
    const user = await this.db.selectFrom("users").selectAll().where("id", "=", s.user_id).executeTakeFirst();
    if (!user || Number(user.disabled) === 1) return undefined;
    const principal = await this.principalFor(user);
    if (!principal) return undefined;
    // Write last_seen at most once a minute: a busy UI must not turn every read into a write.
    if (now - Date.parse(s.last_seen_at) >= 60_000) {
      await this.db
        .updateTable("sessions")
        .set({ last_seen_at: this.iso(now) })
        .where("token_hash", "=", tokenHash)
        .execute();
    }
    return { principal, csrfToken: s.csrf_token, tokenHash };
  }

  async signOut(token: string, principal: Principal, ip: string | null): Promise<void> {
    await this.db.deleteFrom("sessions").where("token_hash", "=", hashToken(token)).execute();
    await this.audit.record({
      actorId: principal.userId,
      actorName: principal.username,
      action: "sign-off",
      entity: "session",
      ip,
    });
  }

  async countFor(userId: string): Promise<number> {
    const r = await this.db
      .selectFrom("sessions")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
