/**
 * The saved report store on both engines: a layout's lists come back as they were saved, times
 * as numbers (PostgreSQL answers bigint as text), an unknown facility is refused by the
 * foreign key, and update, mark-sent and delete touch the one row named.
 */
import os from "node:os";
import path from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import test, { type ExecutionContext } from "ava";
import { type Store, openStore, type StoreConfig } from "../../../controller/store/database.ts";
import { domainStoreOf } from "../../../controller/store/domain-store.ts";
import { type SavedReportInput, SavedReportStore } from "../../../controller/store/saved-report-store.ts";
import { facilityA, seedDomain } from "../api/app-harness.ts";
import { type PgCluster, startPostgres } from "../../support/postgres.ts";

let pg: PgCluster | undefined;
test.before(async () => {
  pg = await startPostgres();
});
test.after.always(async () => {
  await pg?.stop();
});

const input: SavedReportInput = {
  name: "Calls by inmate",
  category: "Investigations",
  baseReport: "chronological",
  facilityId: facilityA,
  columns: ["inmate", "date", "duration"],
  sort: [
    { key: "inmate", dir: "asc" },
    { key: "duration", dir: "desc" },
  ],
  criteria: { callType: "local", from: "2026-03-01T00:00:00Z" },
  periodDays: 7,
  levelIds: ["level-1"],
  scheduleTime: "06:30",
  scheduleDays: [1, 3, 5],
  emailTo: ["lt@example.org", "captain@example.org"],
};

async function exercise(t: ExecutionContext, cfg: StoreConfig): Promise<void> {
  const store = (await openStore<unknown>(cfg)) as Store<unknown>;
  t.teardown(() => store.close());
  const ds = await domainStoreOf(store);
  const now = Date.UTC(2026, 2, 4, 18, 0, 0);
  await seedDomain(ds, now);
  const s = new SavedReportStore(ds);

  const made = await s.create(input, "central", now);
  t.like(made, { ...input, lastSentAt: null, createdAt: now, createdBy: "central", updatedAt: now });
  const other = await s.create(
    { ...input, name: "Agency totals", category: "Agency", facilityId: null },
    "central",
    now,
  );
  t.deepEqual(
    (await s.list()).map((r) => r.name),
    ["Agency totals", "Calls by inmate"],
  );

  const changed = await s.update(made.id, { ...input, sort: [], scheduleTime: null }, "fa-a", now + 1000);
  t.deepEqual(changed?.sort, []);
  t.is(changed?.scheduleTime, null);
  t.is(changed?.updatedAt, now + 1000);
  t.is(changed?.updatedBy, "fa-a");
  t.is(changed?.createdAt, now);
  t.is(await s.update("missing", input, "x", now), undefined);

  await s.markSent(other.id, now + 60_000);
  t.is((await s.get(other.id))?.lastSentAt, now + 60_000);
  t.is((await s.get(made.id))?.lastSentAt, null);

  const refused = await s.create({ ...input, facilityId: "no-such-facility" }, "central", now).then(
    () => null,
    (e: unknown) => e,
  );
  t.regex(String((refused as { message?: string } | null)?.message), /foreign key/i);

  t.true(await s.remove(made.id));
  t.false(await s.remove(made.id));
  t.deepEqual(
    (await s.list()).map((r) => r.id),
    [other.id],
  );
}

test("on SQLite, saved layouts keep their columns, sort, criteria and schedule", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-saved-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await exercise(t, { kind: "sqlite", file: path.join(dir, "db.sqlite") });
});

test("on PostgreSQL, saved layouts keep their columns, sort, criteria and schedule", async (t) => {
  if (!pg) throw new Error("no cluster");
  await exercise(t, { kind: "postgres", connectionString: pg.createDatabase("saved_reports") });
});
