/**
 * The store side of imports that run in a worker thread (controller/imports/import-worker.ts):
 * the worker's own connection to the agency's database, and the journal of imports still
 * writing (table import_runs), which lets an import that fails or is cut off part-way be taken
 * out whole. Why imports write in short transactions rather than one: docs/controller-domain.md
 * "Imports".
 */
import { CamelCasePlugin, Kysely, SqliteDialect } from "kysely";
import type { BulkStore } from "./bulk.ts";
import { createKysely, type Dialect, openSqlite, type StoreConfig } from "./database.ts";
import type { DomainDb } from "./schema.ts";

/** What an import needs from a store: the typed query builder and the bulk path. */
export interface ImportStore extends BulkStore {
  readonly db: Kysely<DomainDb>;
  readonly dialect: Dialect;
}

/**
 * Waiting for SQLite's write lock in the worker blocks nothing else (the main thread has its
 * own connection), so the worker waits longer than the main thread's 5 s before giving up.
 */
const workerBusyTimeoutMs = 60_000;

/**
 * SQLite checkpoints the WAL in whichever connection's commit takes it past its threshold
 * (1,000 pages by default); left to that, the commit could be a small write on the main thread,
 * which would then copy the import's pages on its event loop. The worker's connection
 * checkpoints at a quarter of that, so the WAL is copied back by the worker's own commits.
 */
const workerAutocheckpointPages = 250;

/**
 * A connection of the worker's own. It does not migrate: the controller that started the
 * import opened the same database and brought it up to date first.
 */
export function openImportStore(cfg: StoreConfig): ImportStore & { close(): Promise<void> } {
  if (cfg.kind === "sqlite") {
    const sqlite = openSqlite(cfg.file);
    sqlite.pragma(`busy_timeout = ${workerBusyTimeoutMs}`);
    sqlite.pragma(`wal_autocheckpoint = ${workerAutocheckpointPages}`);
    const raw = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    return {
      db: (raw as Kysely<DomainDb>).withPlugin(new CamelCasePlugin()),
      raw,
      sqlite,
      dialect: "sqlite",
      close: () => raw.destroy(),
    };
  }
  const raw = createKysely<unknown>(cfg);
  return {
    db: (raw as Kysely<DomainDb>).withPlugin(new CamelCasePlugin()),
    raw,
    dialect: "postgres",
    close: () => raw.destroy(),
  };
}

/** The tables whose rows an import run writes, by the run's kind. */
const runTables = { "blocked numbers": "blockedNumbers" } as const;
export type ImportRunKind = keyof typeof runTables;

/** Rows removed per statement when an import is taken out (each its own short transaction). */
const removeBatch = 5000;

/**
 * Records an import about to write rows whose ids all start with `${id}-` (the id is plain
 * hex, so it is also safe inside a LIKE pattern).
 */
export async function beginImportRun(
  db: Kysely<DomainDb>,
  run: { id: string; kind: ImportRunKind; facilityId: string | null; startedAt: number },
): Promise<void> {
  if (!/^[0-9a-f]+$/.test(run.id)) throw new Error(`import run id ${run.id} is not plain hex`);
  await db.insertInto("importRuns").values(run).execute();
}

/**
 * Takes out every row the run wrote, a batch at a time so no transaction holds SQLite's write
 * lock for long, then forgets the run. Returns how many rows were removed.
 */
export async function removeImportRun(db: Kysely<DomainDb>, id: string, kind: ImportRunKind): Promise<number> {
  const table = runTables[kind];
  let removed = 0;
  for (;;) {
    const r = await db
      .deleteFrom(table)
      .where("id", "in", (eb) => eb.selectFrom(table).select("id").where("id", "like", `${id}-%`).limit(removeBatch))
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    removed += n;
    if (n === 0) break;
  }
  await db.deleteFrom("importRuns").where("id", "=", id).execute();
  return removed;
}

/**
 * Takes out the rows of imports a stopped controller left writing. Run it once at start,
 * before any import begins: a run of an import still in progress would be removed too.
 */
export async function recoverInterruptedImports(
  db: Kysely<DomainDb>,
): Promise<Array<{ id: string; kind: string; facilityId: string | null; removed: number }>> {
  const runs = await db.selectFrom("importRuns").selectAll().execute();
  const out: Array<{ id: string; kind: string; facilityId: string | null; removed: number }> = [];
  for (const r of runs) {
    const kind = r.kind in runTables ? (r.kind as ImportRunKind) : undefined;
    if (!kind) continue;
    out.push({ id: r.id, kind: r.kind, facilityId: r.facilityId, removed: await removeImportRun(db, r.id, kind) });
  }
  return out;
}
