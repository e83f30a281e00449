/**
 * The audit trail. Access Control: "a method for tracking activities and transactions
 * conducted on the IWTS at the user level. This audit trail shall include, at a minimum,
 * failed access attempts." and "Automatic archiving of the log files shall be accomplished
 * without requiring manual intervention".
 *
 * Tamper evidence: each entry stores the SHA-256 of the previous entry's hash and its own
 * canonical content, so editing, deleting or reordering any entry breaks every hash after it.
 * `verify()` walks the archive then the live log and reports the first broken link.
 */
import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock, TimerHandle } from "../../telephony/clock.ts";
import type { AccessTables, AuditRow } from "./tables.ts";

export const genesisHash = "0".repeat(64);

export type AuditOutcome = "success" | "failure" | "denied";

export interface AuditInput {
  actorId: string | null;
  actorName: string;
  action: string;
  entity: string;
  entityId?: string | null;
  facilityId?: string | null;
  outcome?: AuditOutcome;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actorId: string | null;
  actorName: string;
  action: string;
  entity: string;
  entityId: string | null;
  facilityId: string | null;
  outcome: AuditOutcome;
  before: unknown;
  after: unknown;
  ip: string | null;
  hash: string;
  archived: boolean;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  entity?: string;
  entityId?: string;
  outcome?: AuditOutcome;
  from?: string;
  to?: string;
  /** Words to find anywhere in the entry's before/after values. */
  text?: string;
  includeArchived?: boolean;
  /** Facility scope of the person searching: entries of these facilities, or their own. */
  scope?: { facilityIds: readonly string[]; selfId: string } | null;
  limit?: number;
  offset?: number;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** seq of the first entry whose hash does not match. */
  brokenAt?: number;
}

type Content = Omit<AuditRow, "prev_hash" | "hash">;

function entryHash(prev: string, c: Content): string {
  const canonical = JSON.stringify([
    c.seq,
    c.at,
    c.actor_id,
    c.actor_name,
    c.action,
    c.entity,
    c.entity_id,
    c.facility_id,
    c.outcome,
    c.before_json,
    c.after_json,
    c.ip,
  ]);
  return createHash("sha256").update(prev).update("\n").update(canonical).digest("hex");
}

function toEntry(r: AuditRow, archived: boolean): AuditEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    facilityId: r.facility_id,
    outcome: r.outcome as AuditOutcome,
    before: r.before_json === null ? null : JSON.parse(r.before_json),
    after: r.after_json === null ? null : JSON.parse(r.after_json),
    ip: r.ip,
    hash: r.hash,
    archived,
  };
}

/** Removes secrets from values before they enter the log. */
function redact(value: unknown): unknown {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = /password|pin$|secret|token/i.test(k) ? "[redacted]" : redact(v);
    }
    return out;
  }
  return value;
}

export class AuditTrail {
  private readonly db: Kysely<AccessTables>;
  private readonly clock: Clock;
  /** Appends are serialised so each one links to the one before it. */
  private tail: Promise<unknown> = Promise.resolve();
  private archiveTimer: TimerHandle | undefined;

  constructor(db: Kysely<AccessTables>, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  record(input: AuditInput): Promise<AuditEntry> {
    const run = this.tail.then(() => this.append(input));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async last(): Promise<{ seq: number; hash: string }> {
    for (const table of ["audit_log", "audit_archive"] as const) {
      const row = await this.db
        .selectFrom(table)
        .select(["seq", "hash"])
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirst();
      if (row) return { seq: Number(row.seq), hash: row.hash };
    }
    return { seq: 0, hash: genesisHash };
  }

  private async append(input: AuditInput): Promise<AuditEntry> {
    const prev = await this.last();
    const content: Content = {
      seq: prev.seq + 1,
      at: new Date(this.clock.now()).toISOString(),
      actor_id: input.actorId,
      actor_name: input.actorName,
      action: input.action,
      entity: input.entity,
      entity_id: input.entityId ?? null,
      facility_id: input.facilityId ?? null,
      outcome: input.outcome ?? "success",
      before_json: input.before === undefined ? null : JSON.stringify(redact(input.before)),
      after_json: input.after === undefined ? null : JSON.stringify(redact(input.after)),
      ip: input.ip ?? null,
    };
    const row: AuditRow = { ...content, prev_hash: prev.hash, hash: entryHash(prev.hash, content) };
    await this.db.insertInto("audit_log").values(row).execute();
    return toEntry(row, false);
  }

  async search(filter: AuditFilter): Promise<{ entries: AuditEntry[]; total: number }> {
    const tables = filter.includeArchived ? (["audit_log", "audit_archive"] as const) : (["audit_log"] as const);
    const all: AuditEntry[] = [];
    let total = 0;
    const limit = filter.limit ?? 50;
    const offset = filter.offset ?? 0;
    for (const table of tables) {
      let q = this.db.selectFrom(table);
      // Case-insensitive on both engines (PostgreSQL's LIKE is case-sensitive, SQLite's is not).
      if (filter.actor)
        q = q.where((eb) => eb(eb.fn("lower", ["actor_name"]), "like", `%${filter.actor?.toLowerCase()}%`));
      if (filter.action)
        q = q.where((eb) => eb(eb.fn("lower", ["action"]), "like", `%${filter.action?.toLowerCase()}%`));
      if (filter.entity) q = q.where("entity", "=", filter.entity);
      if (filter.entityId) q = q.where("entity_id", "=", filter.entityId);
      if (filter.outcome) q = q.where("outcome", "=", filter.outcome);
      if (filter.from) q = q.where("at", ">=", filter.from);
      if (filter.to) q = q.where("at", "<=", filter.to);
      if (filter.text) {
        const like = `%${filter.text.toLowerCase()}%`;
        q = q.where((eb) =>
          eb.or([
            eb(eb.fn("lower", ["before_json"]), "like", like),
            eb(eb.fn("lower", ["after_json"]), "like", like),
            eb(eb.fn("lower", ["entity_id"]), "like", like),
          ]),
        );
      }
      const scope = filter.scope;
      if (scope) {
        q = q.where((eb) =>
          eb.or([
            eb("actor_id", "=", scope.selfId),
            ...(scope.facilityIds.length ? [eb("facility_id", "in", [...scope.facilityIds])] : []),
          ]),
        );
      }
      const count = await q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
      total += Number(count?.n ?? 0);
      const rows = await q
        .selectAll()
        .orderBy("seq", "desc")
        .limit(limit + offset)
        .execute();
      all.push(...rows.map((r) => toEntry(r, table === "audit_archive")));
    }
    all.sort((a, b) => b.seq - a.seq);
    return { entries: all.slice(offset, offset + limit), total };
  }

  /** Walks the whole chain, archive first, and reports the first entry that does not match. */
  async verify(): Promise<VerifyResult> {
    let prev = genesisHash;
    let expectedSeq = 1;
    let checked = 0;
    const pageSize = 1000;
    for (const table of ["audit_archive", "audit_log"] as const) {
      let after = 0;
      for (;;) {
        const rows = await this.db
          .selectFrom(table)
          .selectAll()
          .where("seq", ">", after)
          .orderBy("seq", "asc")
          .limit(pageSize)
          .execute();
        for (const r of rows) {
          const seq = Number(r.seq);
          const { prev_hash, hash, ...content } = r;
          if (seq !== expectedSeq || prev_hash !== prev || entryHash(prev, { ...content, seq }) !== hash) {
            return { ok: false, checked, brokenAt: seq === expectedSeq ? seq : expectedSeq };
          }
          prev = hash;
          expectedSeq++;
          checked++;
          after = seq;
        }
        if (rows.length < pageSize) break;
      }
    }
    return { ok: true, checked };
  }

  /**
   * Moves entries older than `keepDays` into the archive table. Hashes move unchanged, so
   * the chain still verifies across the two tables. Returns how many entries moved.
   */
  async archive(keepDays: number): Promise<number> {
    const cutoff = new Date(this.clock.now() - keepDays * 86_400_000).toISOString();
    const run = this.tail.then(() =>
      this.db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom("audit_log").selectAll().where("at", "<", cutoff).orderBy("seq").execute();
        if (rows.length === 0) return 0;
        // Keep the newest entry live so appends always find the chain's tail in one place.
        const newest = await trx
          .selectFrom("audit_log")
          .select("seq")
          .orderBy("seq", "desc")
          .limit(1)
          .executeTakeFirst();
        const moving = rows.filter((r) => Number(r.seq) !== Number(newest?.seq));
        for (let i = 0; i < moving.length; i += 200) {
          const chunk = moving.slice(i, i + 200);
          await trx.insertInto("audit_archive").values(chunk).execute();
          await trx
            .deleteFrom("audit_log")
            .where(
              "seq",
              "in",
              chunk.map((r) => r.seq),
            )
            .execute();
        }
        return moving.length;
      }),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Archives automatically, once every `everyMs` (the spec's "without requiring manual
   * intervention"). Entries older than `keepDays` move to the archive.
   */
  startAutoArchive(everyMs: number, keepDays: number, onError: (err: unknown) => void = () => {}): void {
    this.stopAutoArchive();
    this.archiveTimer = this.clock.setInterval(() => {
      this.archive(keepDays).catch(onError);
    }, everyMs);
  }

  stopAutoArchive(): void {
    this.clock.clearInterval(this.archiveTimer);
    this.archiveTimer = undefined;
  }

  /** Resolves when every append started so far has been written. */
  async flush(): Promise<void> {
    await this.tail;
  }
}
