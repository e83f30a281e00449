/**
 * Bulk writes and reads for the large lists (500,000 blocked numbers per facility). The query
 * builder compiles every statement and the camelCase plugin renames every row, which at this
 * size costs more than the database itself. On SQLite the native handle runs one prepared
 * statement per row (inside the caller's transaction: it is the same single connection); on
 * PostgreSQL a multi-row INSERT is built once per batch shape and rows travel as plain arrays.
 */
import type { Database as SQLiteDatabase, Statement } from "better-sqlite3";
import { CompiledQuery, type Kysely, type QueryResult } from "kysely";
import type { Dialect } from "./database.ts";

/** Anything that runs a compiled query: a Kysely instance or a transaction. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

export interface BulkStore {
  readonly dialect: Dialect;
  readonly raw: Kysely<unknown>;
  readonly sqlite?: SQLiteDatabase;
}

const statements = new WeakMap<SQLiteDatabase, Map<string, Statement>>();

function prepared(db: SQLiteDatabase, sqlText: string): Statement {
  let m = statements.get(db);
  if (!m) {
    m = new Map();
    statements.set(db, m);
  }
  let st = m.get(sqlText);
  if (!st) {
    st = db.prepare(sqlText);
    m.set(sqlText, st);
  }
  return st;
}

function placeholders(rows: number, cols: number): string {
  const out: string[] = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const one: string[] = [];
    for (let c = 0; c < cols; c++) one.push(`$${n++}`);
    out.push(`(${one.join(",")})`);
  }
  return out.join(",");
}

/**
 * Inserts `rows` (arrays in `columns` order) into `table`. Call it with the transaction `tx`
 * the import runs in, so the import stays all or nothing. Names are trusted identifiers.
 */
export async function bulkInsert(
  store: BulkStore,
  tx: QueryRunner,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  batchSize = 2000,
): Promise<void> {
  if (store.sqlite) {
    // The transaction callback holds Kysely's only SQLite connection: these rows are in its transaction.
    const st = prepared(
      store.sqlite,
      `insert into ${table} (${columns.join(",")}) values (${columns.map(() => "?").join(",")})`,
    );
    for (const r of rows) st.run(...r);
    return;
  }
  const head = `insert into ${table} (${columns.join(",")}) values `;
  let cachedFor = -1;
  let sqlText = "";
  for (let i = 0; i < rows.length; i += batchSize) {
    const part = rows.slice(i, i + batchSize);
    if (part.length !== cachedFor) {
      sqlText = head + placeholders(part.length, columns.length);
      cachedFor = part.length;
    }
    const params: unknown[] = [];
    for (const r of part) for (const v of r) params.push(v);
    await tx.executeQuery(CompiledQuery.raw(sqlText, params));
  }
}

/**
 * Runs a read and returns rows as arrays in column order, without renaming. `sqlText` uses `?`
 * placeholders; they become `$n` on PostgreSQL.
 */
export async function rawRowArrays(
  store: BulkStore,
  sqlText: string,
  params: readonly unknown[],
): Promise<unknown[][]> {
  const sqlite = store.sqlite;
  if (sqlite) {
    // Take Kysely's connection so the read waits for any transaction in progress, as a query would.
    return store.raw.connection().execute(
      async () =>
        prepared(sqlite, sqlText)
          .raw(true)
          .all(...params) as unknown[][],
    );
  }
  let n = 0;
  const pgText = sqlText.replace(/\?/g, () => `$${++n}`);
  const r = await store.raw.executeQuery(
    CompiledQuery.raw(pgText, [...params]) as CompiledQuery<Record<string, unknown>>,
  );
  return r.rows.map((row) => Object.values(row));
}
