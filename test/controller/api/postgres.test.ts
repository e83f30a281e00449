import test from "ava";
import { createAccess } from "../../../controller/access/access.ts";
import type { AccessTables } from "../../../controller/access/tables.ts";
import { buildApp } from "../../../controller/api/app.ts";
import { openStore } from "../../../controller/store/database.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { type PgCluster, startPostgres } from "../../support/postgres.ts";
import { adminName, adminPassword, signIn, testHasher } from "./app-harness.ts";

let pg: PgCluster | undefined;
test.before(async () => {
  pg = await startPostgres();
});
test.after.always(async () => {
  await pg?.stop();
});

test("on PostgreSQL, sign-on, lockout, levels, users and the audit chain work as on SQLite", async (t) => {
  if (!pg) throw new Error("no cluster");
  const store = await openStore<AccessTables>({ kind: "postgres", connectionString: pg.createDatabase("access_a") });
  const clock = new VirtualClock();
  const access = createAccess(store.db, clock, testHasher);
  await access.bootstrap({ username: adminName, password: adminPassword, mustChange: false });
  const app = await buildApp({ clock, access });
  t.teardown(async () => {
    await app.close();
    await store.close();
  });
  const admin = await signIn(app, adminName, adminPassword);
  const levels = (await admin.get("/api/levels")).json() as { id: string; name: string }[];
  t.is(levels.length, 6);
  const officer = levels.find((l) => l.name === "Monitoring Officer")!;
  const created = await admin.post("/api/users", {
    username: "pg-officer",
    displayName: "PG Officer",
    levelId: officer.id,
    kind: "contractor",
    facilityIds: ["fac-a", "fac-b"],
    password: "pg-officer-pass",
  });
  t.is(created.statusCode, 200, created.body);
  t.deepEqual(created.json().facilityIds, ["fac-a", "fac-b"]);
  for (let i = 0; i < 5; i++) {
    await app.inject({ method: "POST", url: "/api/session", payload: { username: "pg-officer", password: "wrong" } });
  }
  const locked = await app.inject({
    method: "POST",
    url: "/api/session",
    payload: { username: "pg-officer", password: "pg-officer-pass" },
  });
  t.is(locked.statusCode, 423);
  const audit = (await admin.get("/api/audit?outcome=failure&actor=PG-Officer")).json();
  t.is(audit.total, 6);
  t.is(typeof audit.total, "number");
  const verify = (await admin.get("/api/audit/verify")).json();
  t.true(verify.ok);
  t.true(verify.checked >= 9);
  clock.advance(400 * 86_400_000);
  t.true((await access.audit.archive(365)) > 0);
  t.true((await access.audit.verify()).ok);
});
