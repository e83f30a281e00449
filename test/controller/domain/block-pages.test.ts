import test, { type ExecutionContext } from "ava";
import { type BlockBuildStats, loadBlocks } from "../../../controller/domain/load-snapshot.ts";
import { importBlockedNumbers } from "../../../controller/imports/blocked-numbers.ts";
import { type DomainStore, openDomainStore } from "../../../controller/store/domain-store.ts";
import { type PgCluster, startPostgres } from "../../support/postgres.ts";
import { buildFixture, openSqlite, T0 } from "../store/fixtures.ts";

let cluster: PgCluster | undefined;

// No binaries means this throws and the PostgreSQL test fails: CI installs PostgreSQL.
test.before(async () => {
  cluster = await startPostgres();
});
test.after.always(async () => {
  await cluster?.stop();
});

function csv(first: number, rows: number, reason: string): string {
  const lines = ["number,reason"];
  for (let i = 0; i < rows; i++) lines.push(`+1${first + i},${reason}`);
  return lines.join("\n");
}

/**
 * The facility's own numbers and the agency-wide ones are read page by page, each exactly once;
 * another facility's are not. The imports are interleaved so the pages' keys mix all three.
 */
async function readsEveryPage(t: ExecutionContext, ds: DomainStore): Promise<void> {
  const fx = await buildFixture(ds);
  const own = 2133000000;
  const agency = 2134000000;
  const other = 4153000000;
  for (let part = 0; part < 3; part++) {
    const n = 1_500;
    await importBlockedNumbers(ds, fx.scope, csv(own + part * n, n, "own"), {
      facilityId: fx.facilityId,
      setBy: "t",
      now: T0,
    });
    await importBlockedNumbers(ds, fx.scope, csv(other + part * n, n, "other"), {
      facilityId: fx.otherFacilityId,
      setBy: "t",
      now: T0,
    });
    await importBlockedNumbers(ds, fx.scope, csv(agency + (part * n) / 3, n / 3, "agency"), {
      facilityId: null,
      setBy: "t",
      now: T0,
    });
  }
  const expected = await ds.db
    .selectFrom("blockedNumbers")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("kind", "in", ["number", "range"])
    .where((eb) => eb.or([eb("facilityId", "=", fx.facilityId), eb("facilityId", "is", null)]))
    .executeTakeFirstOrThrow();
  let stats: BlockBuildStats | undefined;
  const idx = await loadBlocks(ds, fx.facilityId, (s) => (stats = s));
  t.log(`${stats?.rows} rows in ${stats?.pages} pages, longest step ${stats?.longestStepMs.toFixed(1)} ms`);
  t.true((stats?.pages ?? 0) > 1, "more than one page");
  // The index holds single numbers and ranges: every row was read once, none twice.
  t.true(Number(expected.n) >= 6_000, `${expected.n} rows`);
  t.is(idx.size, Number(expected.n));
  let missing = 0;
  for (let i = 0; i < 4_500; i++) if (idx.specific(`+1${own + i}`)?.reason !== "own") missing++;
  for (let i = 0; i < 1_500; i++) if (idx.specific(`+1${agency + i}`)?.reason !== "agency") missing++;
  t.is(missing, 0);
  let foreign = 0;
  for (let i = 0; i < 4_500; i++) if (idx.specific(`+1${other + i}`)) foreign++;
  t.is(foreign, 0);
}

test("sqlite: the block index reads the facility's and the agency's numbers in pages, each once", async (t) => {
  const { ds, cleanup } = await openSqlite();
  try {
    await readsEveryPage(t, ds);
  } finally {
    await cleanup();
  }
});

test("postgres: the block index reads the facility's and the agency's numbers in pages, each once", async (t) => {
  if (!cluster) throw new Error("PostgreSQL did not start");
  const ds = await openDomainStore({ kind: "postgres", connectionString: cluster.createDatabase("blockpages") });
  try {
    await readsEveryPage(t, ds);
  } finally {
    await ds.close();
  }
});
