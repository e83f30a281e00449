import test from "ava";
import { sql } from "kysely";
import { adminName, adminPassword, type Harness, signIn, startHarness } from "./app-harness.ts";

let h: Harness;
test.beforeEach(async () => {
  h = await startHarness();
});
test.afterEach.always(async () => {
  await h?.close();
});

async function someHistory(n: number) {
  const admin = await signIn(h.app, adminName, adminPassword);
  for (let i = 0; i < n; i++) {
    await admin.post("/api/levels", {
      name: `Level ${i}`,
      rank: 10 + i,
      permissions: ["menu.dashboard"],
      allFacilities: false,
    });
  }
  return admin;
}

test.serial("editing one audit entry breaks verification at that entry", async (t) => {
  const admin = await someHistory(4);
  const ok = (await admin.get("/api/audit/verify")).json();
  t.true(ok.ok);
  t.true(ok.checked >= 6);
  await sql`update audit_log set actor_name = 'someone-else' where seq = 3`.execute(h.db);
  const bad = (await admin.get("/api/audit/verify")).json();
  t.false(bad.ok);
  t.is(bad.brokenAt, 3);
});

test.serial("deleting an audit entry breaks verification where the gap is", async (t) => {
  const admin = await someHistory(4);
  await h.db.deleteFrom("audit_log").where("seq", "=", 4).execute();
  const gap = (await admin.get("/api/audit/verify")).json();
  t.false(gap.ok);
  t.is(gap.brokenAt, 4);
});

test.serial("archiving moves old entries out of the live log and the chain still verifies across both", async (t) => {
  const old = await someHistory(3);
  const before = (await old.get("/api/audit")).json().total as number;
  h.clock.advance(400 * 86_400_000);
  const recent = await signIn(h.app, adminName, adminPassword);
  await recent.post("/api/levels", { name: "Recent", rank: 30, permissions: [], allFacilities: false });
  // The archiver runs on its own once a day.
  h.access.audit.startAutoArchive(86_400_000, 365);
  h.clock.advance(86_400_000);
  h.access.audit.stopAutoArchive();
  await h.access.audit.flush();
  const admin = await signIn(h.app, adminName, adminPassword);
  const live = (await admin.get("/api/audit")).json();
  t.true(live.total < before, `live ${live.total} before ${before}`);
  t.true(live.entries.some((e: { action: string }) => e.action === "level.create"));
  const all = (await admin.get("/api/audit?includeArchived=true")).json();
  t.true(all.entries.some((e: { archived: boolean }) => e.archived));
  t.true((await admin.get("/api/audit/verify")).json().ok);
});

test.serial("passwords never enter the audit trail", async (t) => {
  const admin = await someHistory(0);
  const officer = (await h.access.levels.list()).find((l) => l.name === "Monitoring Officer")!;
  await admin.post("/api/users", {
    username: "quiet",
    displayName: "Quiet",
    levelId: officer.id,
    kind: "state",
    facilityIds: ["fac-a"],
    password: "very-secret-phrase",
  });
  const rows = await h.db.selectFrom("audit_log").selectAll().execute();
  t.false(JSON.stringify(rows).includes("very-secret-phrase"));
});

test.serial("the audit search filters by actor, outcome and time", async (t) => {
  const admin = await someHistory(1);
  const from = new Date(h.clock.now()).toISOString();
  h.clock.advance(60_000);
  await h.app.inject({ method: "POST", url: "/api/session", payload: { username: "ghost", password: "x" } });
  const res = (await admin.get(`/api/audit?actor=ghost&outcome=failure&from=${encodeURIComponent(from)}`)).json();
  t.is(res.total, 1);
  t.is(res.entries[0].action, "sign-on");
  const bad = await admin.get("/api/audit?from=yesterday");
  t.is(bad.statusCode, 400);
});
