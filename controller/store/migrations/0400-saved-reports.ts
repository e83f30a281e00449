/**
 * Saved report layouts (controller/store/saved-report-store.ts): a base report with the
 * columns, sort sequence and default criteria a user chose, a name and a menu category.
 * General Report Capabilities: "the State shall have the ability to custom design reports ...
 * report information (content) and the information sorting sequence and presentation", and
 * "assign reports to categories so that reports with similar functions can be grouped together
 * under one menu item". The lists (columns, sort keys, criteria, levels, days, addresses) are
 * JSON text, read and written whole, so both engines store them the same way.
 *
 * Reporting owns the migration range 0400–0499.
 */
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("saved_reports")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("name", "varchar(100)", (c) => c.notNull())
    .addColumn("category", "varchar(100)", (c) => c.notNull())
    .addColumn("base_report", "varchar(64)", (c) => c.notNull())
    // null: made by the Central Office, offered at every facility.
    .addColumn("facility_id", "varchar(64)", (c) => c.references("facilities.id"))
    .addColumn("columns", "text", (c) => c.notNull())
    .addColumn("sort", "text", (c) => c.notNull())
    .addColumn("criteria", "text", (c) => c.notNull())
    .addColumn("period_days", "integer")
    .addColumn("level_ids", "text", (c) => c.notNull())
    .addColumn("schedule_time", "varchar(5)")
    .addColumn("schedule_days", "text", (c) => c.notNull())
    .addColumn("email_to", "text", (c) => c.notNull())
    .addColumn("last_sent_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("created_by", "varchar(200)", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("updated_by", "varchar(200)", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("saved_reports_facility").on("saved_reports").column("facility_id").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("saved_reports").execute();
}
