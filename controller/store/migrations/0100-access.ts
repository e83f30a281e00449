/**
 * Access control and audit trail: levels, users and their facilities, sessions, the
 * hash-chained audit log and its archive, and access settings (password/session policy).
 */
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against whatever schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("access_levels")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("name", "varchar(100)", (c) => c.notNull().unique())
    .addColumn("rank", "integer", (c) => c.notNull())
    .addColumn("parent_id", "varchar(64)", (c) => c.references("access_levels.id"))
    .addColumn("permissions", "text", (c) => c.notNull())
    .addColumn("all_facilities", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("created_by", "varchar(64)")
    .execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("username", "varchar(64)", (c) => c.notNull().unique())
    .addColumn("display_name", "varchar(200)", (c) => c.notNull())
    .addColumn("level_id", "varchar(64)", (c) => c.notNull().references("access_levels.id"))
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("password_changed_at", "varchar(32)", (c) => c.notNull())
    .addColumn("must_change_password", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failed_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", "varchar(32)")
    .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("language", "varchar(8)", (c) => c.notNull().defaultTo("en"))
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("updated_at", "varchar(32)", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("user_facilities")
    .addColumn("user_id", "varchar(64)", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("facility_id", "varchar(64)", (c) => c.notNull())
    .addPrimaryKeyConstraint("user_facilities_pk", ["user_id", "facility_id"])
    .execute();

  await db.schema
    .createTable("sessions")
    .addColumn("token_hash", "varchar(64)", (c) => c.primaryKey())
    .addColumn("user_id", "varchar(64)", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("csrf_token", "varchar(64)", (c) => c.notNull())
    .addColumn("created_at", "varchar(32)", (c) => c.notNull())
    .addColumn("last_seen_at", "varchar(32)", (c) => c.notNull())
    .addColumn("expires_at", "varchar(32)", (c) => c.notNull())
    .addColumn("ip", "varchar(64)", (c) => c.notNull())
    .addColumn("user_agent", "varchar(300)", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_user").on("sessions").column("user_id").execute();

  for (const table of ["audit_log", "audit_archive"]) {
    await db.schema
      .createTable(table)
      .addColumn("seq", "integer", (c) => c.primaryKey())
      .addColumn("at", "varchar(32)", (c) => c.notNull())
      .addColumn("actor_id", "varchar(64)")
      .addColumn("actor_name", "varchar(64)", (c) => c.notNull())
      .addColumn("action", "varchar(64)", (c) => c.notNull())
      .addColumn("entity", "varchar(64)", (c) => c.notNull())
      .addColumn("entity_id", "varchar(64)")
      .addColumn("facility_id", "varchar(64)")
      .addColumn("outcome", "varchar(16)", (c) => c.notNull())
      .addColumn("before_json", "text")
      .addColumn("after_json", "text")
      .addColumn("ip", "varchar(64)")
      .addColumn("prev_hash", "varchar(64)", (c) => c.notNull())
      .addColumn("hash", "varchar(64)", (c) => c.notNull())
      .execute();
    await db.schema.createIndex(`${table}_at`).on(table).column("at").execute();
  }
  await db.schema.createIndex("audit_log_actor").on("audit_log").column("actor_name").execute();

  await db.schema
    .createTable("access_settings")
    .addColumn("key", "varchar(64)", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    "access_settings",
    "audit_archive",
    "audit_log",
    "sessions",
    "user_facilities",
    "users",
    "access_levels",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
