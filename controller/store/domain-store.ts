/**
 * The domain's handle on one agency's database: the typed camelCase query builder, the key
 * PINs are hashed with, and a change feed so snapshot caches reload after an edit instead of
 * reading the database on the call path.
 */
import { randomBytes } from "node:crypto";
import type { Database as SQLiteDatabase } from "better-sqlite3";
import { CamelCasePlugin, type Kysely } from "kysely";
import type { BlockRow } from "../domain/number-lists.ts";
import { type Dialect, openStore, type Store, type StoreConfig } from "./database.ts";
import type { DomainDb } from "./schema.ts";

/**
 * What changed: "blocks" (the blocked-number lists, the expensive part of a snapshot) or
 * "rules" (anything else). Snapshot caches rebuild the block index only after a "blocks" change.
 */
export type ChangeKind = "rules" | "blocks";

/** For a "blocks" change that only added single numbers: the rows, so caches can add them in place. */
export interface ChangeDetail {
  addedNumbers?: readonly BlockRow[];
}

/** `facilityId` null means an agency-wide change (a block for all facilities, a COS). */
export type ChangeListener = (facilityId: string | null, kind: ChangeKind, detail?: ChangeDetail) => void;

export interface DomainStore {
  readonly db: Kysely<DomainDb>;
  /** The same connection without the camelCase plugin, for bulk paths (bulk.ts). */
  readonly raw: Kysely<unknown>;
  /** SQLite only: the native handle for prepared-statement bulk paths (bulk.ts). */
  readonly sqlite?: SQLiteDatabase;
  readonly dialect: Dialect;
  /** How the database was opened: imports open their own connection from it in a worker thread. */
  readonly config?: StoreConfig;
  /** Secret for PIN hashing (HMAC-SHA256); see docs/controller-domain.md "PINs". */
  readonly pinKey: Buffer;
  onChange(listener: ChangeListener): () => void;
  changed(facilityId: string | null, kind?: ChangeKind, detail?: ChangeDetail): void;
  close(): Promise<void>;
}

export interface DomainStoreOptions {
  /** Keep the PIN key outside the database (recommended); otherwise one is made and kept in it. */
  pinKey?: Buffer;
}

/** Wraps a store another module opened (same connection pool). */
export async function domainStoreOf<DB>(store: Store<DB>, opts: DomainStoreOptions = {}): Promise<DomainStore> {
  const db = (store.db as unknown as Kysely<DomainDb>).withPlugin(new CamelCasePlugin());
  const pinKey = opts.pinKey ?? (await storedPinKey(db));
  const listeners = new Set<ChangeListener>();
  return {
    db,
    raw: store.db as unknown as Kysely<unknown>,
    ...(store.sqlite ? { sqlite: store.sqlite } : {}),
    dialect: store.dialect,
    ...(store.config ? { config: store.config } : {}),
    pinKey,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    changed(facilityId, kind = "rules", detail) {
      for (const l of listeners) {
        try {
          l(facilityId, kind, detail);
        } catch {
          // A failing observer must not undo the write that was just committed.
        }
      }
    },
    close: () => store.close(),
  };
}

export async function openDomainStore(cfg: StoreConfig, opts: DomainStoreOptions = {}): Promise<DomainStore> {
  const store = await openStore<unknown>(cfg);
  try {
    return await domainStoreOf(store, opts);
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function storedPinKey(db: Kysely<DomainDb>): Promise<Buffer> {
  const row = await db.selectFrom("domainMeta").select("value").where("key", "=", "pin_key").executeTakeFirst();
  if (row) return Buffer.from(row.value, "base64");
  const key = randomBytes(32);
  await db
    .insertInto("domainMeta")
    .values({ key: "pin_key", value: key.toString("base64") })
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
  const again = await db
    .selectFrom("domainMeta")
    .select("value")
    .where("key", "=", "pin_key")
    .executeTakeFirstOrThrow();
  return Buffer.from(again.value, "base64");
}
