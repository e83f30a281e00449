/**
 * The alert configuration (recipients, rotations, routes, thresholds, retry policy) as one JSON
 * document that an administrator edits through the API; `updated_by` says who saved it last.
 */
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against whatever schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("alert_config")
    .addColumn("id", "varchar(16)", (c) => c.primaryKey())
    .addColumn("config", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("updated_by", "varchar(200)", (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against whatever schema exists.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("alert_config").execute();
}
