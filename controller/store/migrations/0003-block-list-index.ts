/**
 * Ranges and patterns are a handful of rows among 500,000 single numbers: a partial index finds
 * them without visiting the numbers (the snapshot loader reads them apart).
 */
import { type Kysely, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex("blocked_numbers_not_single")
    .on("blocked_numbers")
    .column("facility_id")
    .where(sql.ref("kind"), "<>", sql.lit("number"))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("blocked_numbers_not_single").execute();
}
