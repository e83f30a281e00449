/**
 * The domain schema: facilities and their equipment, inmates, classes of service, number lists,
 * NPA-NXX data, rate tables and call records. Times are epoch milliseconds (bigint), money is
 * integer tenths of a cent ("mills") for rates and integer cents for charges, booleans are 0/1
 * integers so both engines read them alike.
 */
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("domain_meta")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("feature_groups")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("features", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("classes_of_service")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("feature_group_id", "text", (c) => c.notNull().references("feature_groups.id"))
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("params", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("facility_groups")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("cos_id", "text", (c) => c.references("classes_of_service.id"))
    .execute();

  await db.schema
    .createTable("facilities")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("time_zone", "text", (c) => c.notNull())
    .addColumn("facility_type", "text", (c) => c.notNull())
    .addColumn("average_daily_population", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("npa", "text", (c) => c.notNull())
    .addColumn("nxx", "text", (c) => c.notNull())
    .addColumn("lata", "text", (c) => c.notNull())
    .addColumn("rate_center", "text", (c) => c.notNull())
    .addColumn("local_rate_centers", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("group_id", "text", (c) => c.references("facility_groups.id"))
    .addColumn("cos_id", "text", (c) => c.references("classes_of_service.id"))
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("housing_units")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("facility_id", "text", (c) => c.notNull().references("facilities.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("cos_id", "text", (c) => c.references("classes_of_service.id"))
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable("phone_banks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("facility_id", "text", (c) => c.notNull().references("facilities.id"))
    .addColumn("housing_unit_id", "text", (c) => c.references("housing_units.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("location", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable("stations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("phone_bank_id", "text", (c) => c.notNull().references("phone_banks.id"))
    .addColumn("facility_id", "text", (c) => c.notNull().references("facilities.id"))
    .addColumn("set_number", "integer", (c) => c.notNull())
    .addColumn("location", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable("inmates")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("facility_id", "text", (c) => c.notNull().references("facilities.id"))
    .addColumn("housing_unit_id", "text", (c) => c.references("housing_units.id"))
    .addColumn("first_name", "text", (c) => c.notNull())
    .addColumn("last_name", "text", (c) => c.notNull())
    .addColumn("pin_hash", "text", (c) => c.unique())
    .addColumn("language", "text", (c) => c.notNull().defaultTo("en"))
    .addColumn("recorded_name", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("cos_id", "text", (c) => c.references("classes_of_service.id"))
    .addColumn("booked_at", "bigint", (c) => c.notNull())
    .addColumn("released_at", "bigint")
    .execute();
  await db.schema.createIndex("inmates_facility").on("inmates").columns(["facility_id", "status"]).execute();

  await db.schema
    .createTable("inmate_transfers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("inmate_id", "text", (c) => c.notNull().references("inmates.id"))
    .addColumn("from_facility_id", "text", (c) => c.notNull())
    .addColumn("to_facility_id", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull().defaultTo(""))
    .execute();

  await db.schema
    .createTable("approved_numbers")
    .addColumn("inmate_id", "text", (c) => c.notNull().references("inmates.id"))
    .addColumn("number", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("relationship", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("language", "text", (c) => c.notNull().defaultTo("en"))
    .addPrimaryKeyConstraint("approved_numbers_pk", ["inmate_id", "number"])
    .execute();

  await db.schema
    .createTable("schedule_windows")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("scope_kind", "text", (c) => c.notNull())
    .addColumn("scope_id", "text", (c) => c.notNull())
    .addColumn("day", "integer", (c) => c.notNull())
    .addColumn("start_min", "integer", (c) => c.notNull())
    .addColumn("end_min", "integer", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("schedule_windows_scope")
    .on("schedule_windows")
    .columns(["scope_kind", "scope_id"])
    .execute();

  await db.schema
    .createTable("blocked_numbers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("facility_id", "text")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("number", "text")
    .addColumn("range_end", "text")
    .addColumn("pattern", "text")
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("set_by", "text", (c) => c.notNull())
    .addColumn("by_called_party", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("blocked_numbers_lookup")
    .on("blocked_numbers")
    .columns(["facility_id", "number"])
    .execute();

  await db.schema
    .createTable("hot_numbers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("facility_id", "text")
    .addColumn("number", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("alert_targets", "text", (c) => c.notNull())
    .addColumn("set_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("hot_numbers_lookup").on("hot_numbers").columns(["facility_id", "number"]).execute();

  await db.schema
    .createTable("privileged_numbers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("facility_id", "text")
    .addColumn("number", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("passive_acceptance", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("free", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("set_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("npa_nxx")
    .addColumn("npa", "text", (c) => c.notNull())
    .addColumn("nxx", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("lata", "text", (c) => c.notNull())
    .addColumn("rate_center", "text", (c) => c.notNull())
    .addColumn("city", "text", (c) => c.notNull())
    .addColumn("country", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("npa_nxx_pk", ["npa", "nxx"])
    .execute();

  await db.schema
    .createTable("rates")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("facility_id", "text", (c) => c.notNull().references("facilities.id"))
    .addColumn("call_type", "text", (c) => c.notNull())
    .addColumn("effective_from", "text", (c) => c.notNull())
    .addColumn("per_minute_mills", "integer", (c) => c.notNull())
    .addColumn("billing_increment_sec", "integer", (c) => c.notNull())
    .addColumn("termination_mills", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("cap_checked", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addUniqueConstraint("rates_unique", ["facility_id", "call_type", "effective_from"])
    .execute();

  await db.schema
    .createTable("call_records")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("facility_id", "text", (c) => c.notNull())
    .addColumn("facility_name", "text", (c) => c.notNull())
    .addColumn("time_zone", "text", (c) => c.notNull())
    .addColumn("station_id", "text", (c) => c.notNull())
    .addColumn("station_set_number", "integer")
    .addColumn("station_location", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("phone_bank_id", "text")
    .addColumn("housing_unit_id", "text")
    .addColumn("inmate_id", "text")
    .addColumn("inmate_name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("dialled_digits", "text", (c) => c.notNull())
    .addColumn("destination", "text")
    .addColumn("destination_place", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("call_type", "text")
    .addColumn("trunk", "text")
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("local_date", "text", (c) => c.notNull())
    .addColumn("local_time", "text", (c) => c.notNull())
    .addColumn("answered_at", "bigint")
    .addColumn("accepted_at", "bigint")
    .addColumn("ended_at", "bigint")
    .addColumn("duration_sec", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("decision", "text", (c) => c.notNull())
    .addColumn("denial_rule", "text")
    .addColumn("not_completed_reason", "text")
    .addColumn("acceptance", "text")
    .addColumn("ending", "text")
    .addColumn("privileged", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("recorded", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("alert", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("alert_type", "text")
    .addColumn("recorder_channel", "text")
    .addColumn("recording_file", "text")
    .addColumn("recording_hash", "text")
    .addColumn("recording_signature", "text")
    .addColumn("rate_id", "text")
    .addColumn("rate_per_minute_mills", "integer")
    .addColumn("rate_effective_from", "text")
    .addColumn("billing_increment_sec", "integer")
    .addColumn("billed_units", "integer")
    .addColumn("charge_cents", "integer")
    .addColumn("charge_explanation", "text")
    .addColumn("billing_name_address", "text")
    .addColumn("language", "text", (c) => c.notNull().defaultTo("en"))
    .execute();
  await db.schema
    .createIndex("call_records_facility_time")
    .on("call_records")
    .columns(["facility_id", "started_at"])
    .execute();
  await db.schema
    .createIndex("call_records_inmate_time")
    .on("call_records")
    .columns(["inmate_id", "started_at"])
    .execute();
  await db.schema.createIndex("call_records_status").on("call_records").columns(["status"]).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    "call_records",
    "rates",
    "npa_nxx",
    "privileged_numbers",
    "hot_numbers",
    "blocked_numbers",
    "schedule_windows",
    "approved_numbers",
    "inmate_transfers",
    "inmates",
    "stations",
    "phone_banks",
    "housing_units",
    "facilities",
    "facility_groups",
    "classes_of_service",
    "feature_groups",
    "domain_meta",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
