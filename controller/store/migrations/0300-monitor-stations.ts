/**
 * Monitoring stations (controller/calls/monitor-station-directory.ts): the officers' SIP phones
 * an administrator has set up, each for one or more facilities, each with its own credential.
 * Only H(A1) digests of the password are kept (MD5 and SHA-256, RFC 7616 §3.4.2), so the
 * registrar can check a station without the password being stored anywhere.
 *
 * Live monitoring owns the migration range 0300–0399.
 */
import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("monitor_stations")
    .addColumn("id", "varchar(64)", (c) => c.primaryKey())
    .addColumn("name", "varchar(100)", (c) => c.notNull())
    .addColumn("account", "varchar(64)", (c) => c.notNull().unique())
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("ha1_md5", "varchar(64)", (c) => c.notNull())
    .addColumn("ha1_sha256", "varchar(64)", (c) => c.notNull())
    .addColumn("realm", "varchar(100)", (c) => c.notNull())
    .addColumn("credential_set_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("created_by", "varchar(200)", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("updated_by", "varchar(200)", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("monitor_station_facilities")
    .addColumn("station_id", "varchar(64)", (c) => c.notNull().references("monitor_stations.id").onDelete("cascade"))
    .addColumn("facility_id", "varchar(64)", (c) => c.notNull().references("facilities.id"))
    .addPrimaryKeyConstraint("monitor_station_facilities_pk", ["station_id", "facility_id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("monitor_station_facilities").execute();
  await db.schema.dropTable("monitor_stations").execute();
}
