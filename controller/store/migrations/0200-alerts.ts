/**
 * Alerts: the alerts themselves (one row per condition occurrence, repeats counted), the outbox
 * of messages to deliver (kept on disk so an alert raised while a channel is down survives a
 * restart), and the delivery log (one row per attempt).
 *
 * Times are milliseconds since the epoch in bigint columns (PostgreSQL returns them as strings;
 * the alert store converts).
 */
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against whatever schema exists.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("alerts")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("facility_id", "varchar(64)", (c) => c.notNull())
    .addColumn("type", "varchar(40)", (c) => c.notNull())
    .addColumn("category", "varchar(20)", (c) => c.notNull())
    .addColumn("severity", "varchar(10)", (c) => c.notNull())
    .addColumn("condition_key", "varchar(300)", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("listen_url", "text")
    .addColumn("state", "varchar(16)", (c) => c.notNull())
    .addColumn("occurrences", "integer", (c) => c.notNull())
    .addColumn("first_at", "bigint", (c) => c.notNull())
    .addColumn("last_at", "bigint", (c) => c.notNull())
    .addColumn("acknowledged_at", "bigint")
    .addColumn("acknowledged_by", "varchar(200)")
    .addColumn("resolved_at", "bigint")
    .addColumn("steps", "text", (c) => c.notNull())
    .addColumn("escalation_step", "integer", (c) => c.notNull())
    .addColumn("step_started_at", "bigint")
    .execute();
  await db.schema.createIndex("alerts_condition").on("alerts").columns(["condition_key", "state"]).execute();
  await db.schema.createIndex("alerts_state").on("alerts").columns(["state", "last_at"]).execute();

  await db.schema
    .createTable("alert_deliveries")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("alert_id", "varchar(64)", (c) => c.notNull().references("alerts.id"))
    .addColumn("kind", "varchar(16)", (c) => c.notNull())
    .addColumn("step", "integer", (c) => c.notNull())
    .addColumn("recipient_id", "varchar(64)", (c) => c.notNull())
    .addColumn("recipient_name", "varchar(200)", (c) => c.notNull())
    .addColumn("channel", "varchar(16)", (c) => c.notNull())
    .addColumn("address", "varchar(300)", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("short_text", "text", (c) => c.notNull())
    .addColumn("ack_token_hash", "varchar(64)")
    .addColumn("status", "varchar(16)", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("sent_at", "bigint")
    .addColumn("last_error", "text")
    .execute();
  await db.schema
    .createIndex("alert_deliveries_due")
    .on("alert_deliveries")
    .columns(["status", "next_attempt_at"])
    .execute();
  await db.schema.createIndex("alert_deliveries_alert").on("alert_deliveries").column("alert_id").execute();
  await db.schema.createIndex("alert_deliveries_token").on("alert_deliveries").column("ack_token_hash").execute();

  await db.schema
    .createTable("alert_delivery_log")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("delivery_id", "varchar(64)", (c) => c.notNull())
    .addColumn("alert_id", "varchar(64)", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("channel", "varchar(16)", (c) => c.notNull())
    .addColumn("recipient_id", "varchar(64)", (c) => c.notNull())
    .addColumn("address", "varchar(300)", (c) => c.notNull())
    .addColumn("result", "varchar(16)", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("duration_ms", "integer", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("alert_delivery_log_alert")
    .on("alert_delivery_log")
    .columns(["alert_id", "at"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against whatever schema exists.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("alert_delivery_log").execute();
  await db.schema.dropTable("alert_deliveries").execute();
  await db.schema.dropTable("alerts").execute();
}
