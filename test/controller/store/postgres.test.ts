import test from "ava";
import { openDomainStore } from "../../../controller/store/domain-store.ts";
import { type PgCluster, startPostgres } from "../../support/postgres.ts";
import { storeSuite } from "./store-suite.ts";

let cluster: PgCluster | undefined;
let n = 0;

// No binaries means this throws and every test fails: CI installs PostgreSQL, so a skip would hide a broken setup.
test.before(async () => {
  cluster = await startPostgres();
});
test.after.always(async () => {
  await cluster?.stop();
});

storeSuite(test, "postgres", async () => {
  if (!cluster) throw new Error("PostgreSQL did not start");
  const ds = await openDomainStore({ kind: "postgres", connectionString: cluster.createDatabase(`t${++n}`) });
  return { ds, cleanup: () => ds.close() };
});
