/**
 * The monitoring stations' table on both engines: a station set up, listed by facility,
 * changed, disabled and given a new password survives a reload from the store the same way on
 * SQLite and PostgreSQL.
 */
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { MonitorStationDirectory } from "../../../controller/calls/monitor-station-directory.ts";
import { seedDemoAgency } from "../../../controller/domain/seed.ts";
import { type DomainStore, openDomainStore } from "../../../controller/store/domain-store.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { type PgCluster, startPostgres } from "../../support/postgres.ts";

let cluster: PgCluster | undefined;

// No binaries means this throws and the PostgreSQL case fails: a skip would hide a broken setup.
test.before(async () => {
  cluster = await startPostgres();
});
test.after.always(async () => {
  await cluster?.stop();
});

async function roundTrip(t: import("ava").ExecutionContext, ds: DomainStore) {
  const clock = new VirtualClock(1_700_000_000_000);
  await seedDemoAgency(ds, clock.now());
  const facility = (await ds.db.selectFrom("facilities").select("id").executeTakeFirstOrThrow()).id;
  const dir = await MonitorStationDirectory.open(ds, "yardline", clock);
  const { station, password } = await dir.create({ name: "Control Room", facilityIds: [facility] }, "admin");
  clock.advance(1000);
  await dir.update(station.id, { name: "Control room 2", enabled: false }, "fadmin");
  clock.advance(1000);
  const reset = await dir.resetCredential(station.id, "fadmin");
  t.not(reset.password, password);

  const again = await MonitorStationDirectory.open(ds, "yardline", clock);
  t.deepEqual(again.list(), [
    {
      id: station.id,
      name: "Control room 2",
      account: "monitor-control-room",
      facilityIds: [facility],
      enabled: false,
      credentialSetAt: 1_700_000_002_000,
      createdAt: 1_700_000_000_000,
      createdBy: "admin",
      updatedAt: 1_700_000_002_000,
      updatedBy: "fadmin",
    },
  ]);
  t.deepEqual(again.list(new Set(["elsewhere"])), []);
  t.is(again.credential("monitor-control-room", "yardline"), undefined, "disabled");
  await again.update(station.id, { enabled: true }, "fadmin");
  t.truthy(again.credential("monitor-control-room", "yardline"));
  t.is(again.credential("monitor-control-room", "another-realm"), undefined);
}

test("sqlite", async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-stations-"));
  const ds = await openDomainStore({ kind: "sqlite", file: path.join(dir, "db.sqlite") });
  t.teardown(() => ds.close());
  await roundTrip(t, ds);
});

test("postgres", async (t) => {
  if (!cluster) throw new Error("PostgreSQL did not start");
  const ds = await openDomainStore({ kind: "postgres", connectionString: cluster.createDatabase("stations") });
  t.teardown(() => ds.close());
  await roundTrip(t, ds);
});
