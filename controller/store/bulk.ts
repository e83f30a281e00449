/**
 * Bulk writes and reads for the large lists (500,000 blocked numbers per facility). The query
 * builder compiles and the camelCase plugin renames every row, which at this size costs more
 * than the database itself; here the SQL is built once per batch shape and rows travel as
 * plain arrays. Same SQL on both engines apart from the placeholder style.
 */
import { CompiledQuery, type QueryResult } from "kysely";
import type { Dialect } from "./database.ts";

/** Anything that runs a compiled query: a Kysely instance or a transaction. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

function placeholders(dialect: Dialect, rows: number, cols: number): string {
  const out: string[] = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const one: string[] = [];
    for (let c = 0; c < cols; c++) one.push(dialect === "postgres" ? `$${n++}` : "?");
    out.push(`(${one.join(",")})`);
  }
  return out.join(",");
}

/**
 * Inserts `rows` (arrays in `columns` order) into `table` in batches; run it inside the
 * caller's transaction so an import stays all or nothing. Names are trusted identifiers.
 */
export async function bulkInsert(
  db: QueryRunner,
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  batchSize = 2000,
): Promise<void> {
  const head = `insert into ${table} (${columns.join(",")}) values `;
  let cachedFor = -1;
  let sqlText = "";
  for (let i = 0; i < rows.length; i += batchSize) {
    const part = rows.slice(i, i + batchSize);
    if (part.length !== cachedFor) {
      sqlText = head + placeholders(dialect, part.length, columns.length);
      cachedFor = part.length;
    }
    const params: unknown[] = [];
    for (const r of part) for (const v of r) params.push(v);
    await db.executeQuery(CompiledQuery.raw(sqlText, params));
  }
}

/** Runs a read and returns rows exactly as the driver gives them (no renaming). */
export async function rawRows<R>(db: QueryRunner, sqlText: string, params: readonly unknown[]): Promise<R[]> {
  const r = await db.executeQuery(CompiledQuery.raw(sqlText, [...params]) as CompiledQuery<R>);
  return r.rows as R[];
}
