/**
 * Extra dialled digits per telephone number: "The system shall be capable of enabling or
 * disabling this feature for individual inmate/wards and individual telephone numbers"
 * (Extra Dialed Digits Prevention). Null: the class of service decides.
 */
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("approved_numbers").addColumn("extra_digits_limit", "integer").execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("approved_numbers").dropColumn("extra_digits_limit").execute();
}
