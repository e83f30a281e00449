/**
 * One query layer (Kysely) over two engines: SQLite (better-sqlite3, WAL) as the embedded
 * default with zero setup, and PostgreSQL for a central office serving many facilities.
 * Each agency has its own database (its data kept physically apart), so a store is opened per
 * agency. Migrations live in `migrations/`, one file each, applied in name order; modules own
 * their own migration files (`0001-domain.ts`, `0100-access.ts`, ...).
 */
import { promises as fs } from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { FileMigrationProvider, Kysely, type Migration, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";

export type StoreConfig =
  | { kind: "sqlite"; file: string }
  | { kind: "postgres"; connectionString: string; schema?: string };

export type Dialect = StoreConfig["kind"];

export interface Store<DB> {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  /**
   * The better-sqlite3 handle behind `db` (SQLite only), for bulk paths that need prepared
   * statements reused across rows. It is the same single connection Kysely uses, so a bulk
   * write inside a Kysely transaction callback is part of that transaction.
   */
  readonly sqlite?: SQLite.Database;
  /** How it was opened, so a worker thread can open its own connection to the same database. */
  readonly config?: StoreConfig;
  close(): Promise<void>;
}

/** Opens a database and brings its schema to the newest migration. */
export async function openStore<DB>(cfg: StoreConfig): Promise<Store<DB>> {
  const sqlite = cfg.kind === "sqlite" ? openSqlite(cfg.file) : undefined;
  const db = sqlite ? new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) }) : createKysely<DB>(cfg);
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dialect: cfg.kind, ...(sqlite ? { sqlite } : {}), config: cfg, close: () => db.destroy() };
}

export function openSqlite(file: string): SQLite.Database {
  const db = new SQLite(file);
  // WAL: readers (reports, the UI) never block the call path's writes.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  return db;
}

export function createKysely<DB>(cfg: StoreConfig): Kysely<DB> {
  if (cfg.kind === "sqlite") {
    const file = cfg.file;
    return new Kysely<DB>({ dialect: new SqliteDialect({ database: async () => openSqlite(file) }) });
  }
  const pool = new pg.Pool({
    connectionString: cfg.connectionString,
    max: 10,
    // Epoch-millisecond times and counts are int8: read them as numbers (exact below 2^53), as
    // SQLite does, so one query layer returns the same types on both engines.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle pooled connection that the server closes (restart, failover, admin shutdown) is
  // reported here; without a listener Node would crash the controller. The next query gets a
  // fresh connection or a real error.
  pool.on("error", () => {});
  if (cfg.schema) {
    const schema = cfg.schema;
    pool.on("connect", (client) => {
      void client.query(`SET search_path TO "${schema.replaceAll('"', '""')}"`);
    });
  }
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

const INT8_OID = 20;

export const migrationFolder = path.join(import.meta.dirname, "migrations");

class FolderMigrationProvider extends FileMigrationProvider {
  constructor() {
    super({ fs, path, migrationFolder });
  }

  override async getMigrations(): Promise<Record<string, Migration>> {
    // FileMigrationProvider also picks up .d.ts and test files; keep real migrations only.
    const all = await super.getMigrations();
    return Object.fromEntries(Object.entries(all).filter(([name]) => /^\d{4}-[a-z0-9-]+$/.test(name)));
  }
}

export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<void> {
  // Each module owns a range of migration numbers (domain 0001–0099, access 0100–0199, alerts
  // 0200–0299), so a new domain migration sorts before access ones already applied on an
  // installed controller: unordered migrations must be allowed, or upgrades would refuse to run.
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new Error(`store migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
