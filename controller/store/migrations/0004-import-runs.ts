/**
 * Imports write a large file in short transactions (see docs/controller-domain.md "Imports");
 * while one is writing, its row here says which rows are its own, so an import that fails or
 * is cut off by a crash can be taken out again whole.
 */
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("import_runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("facility_id", "text")
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("import_runs").execute();
}
