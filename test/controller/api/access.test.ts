import test from "ava";
import { iwtsPolicy } from "../../../controller/access/password-policy.ts";
import { adminName, adminPassword, type Harness, levelId, makeUser, signIn, startHarness } from "./app-harness.ts";

let h: Harness;
test.before(async () => {
  h = await startHarness();
});
test.after.always(async () => {
  await h?.close();
});

test.serial("sign-on sets an httpOnly SameSite=Strict session cookie and returns a CSRF token", async (t) => {
  const res = await h.app.inject({
    method: "POST",
    url: "/api/session",
    payload: { username: adminName, password: adminPassword },
  });
  t.is(res.statusCode, 200);
  const c = res.cookies.find((x) => x.name === "yl_session");
  t.truthy(c);
  t.true(c?.httpOnly);
  t.is(c?.sameSite, "Strict");
  t.truthy(res.json().csrfToken);
  t.true(res.json().facilities.all);
});

test.serial("passwords are stored as Argon2id hashes", async (t) => {
  const row = await h.db
    .selectFrom("users")
    .select("password_hash")
    .where("username", "=", adminName)
    .executeTakeFirstOrThrow();
  t.true(row.password_hash.startsWith("$argon2id$"));
  t.false(row.password_hash.includes(adminPassword));
});

test.serial("the audit trail shall include, at a minimum, failed access attempts", async (t) => {
  const res = await h.app.inject({
    method: "POST",
    url: "/api/session",
    payload: { username: adminName, password: "wrong" },
  });
  t.is(res.statusCode, 401);
  t.is(res.json().error.code, "bad_credentials");
  const admin = await signIn(h.app, adminName, adminPassword);
  const audit = await admin.get("/api/audit?action=sign-on&outcome=failure");
  t.is(audit.statusCode, 200);
  t.true(audit.json().entries.some((e: { actorName: string }) => e.actorName === adminName));
});

test.serial("a state-changing request without the session's CSRF token is refused", async (t) => {
  const admin = await signIn(h.app, adminName, adminPassword);
  const without = await h.app.inject({
    method: "POST",
    url: "/api/levels",
    headers: { cookie: admin.cookie },
    payload: { name: "X", rank: 7, permissions: [], allFacilities: false },
  });
  t.is(without.statusCode, 403);
  t.is(without.json().error.code, "csrf_failed");
  const wrong = await admin.request({
    method: "POST",
    url: "/api/levels",
    headers: { "x-csrf-token": "forged" },
    payload: { name: "X", rank: 7, permissions: [], allFacilities: false },
  });
  t.is(wrong.json().error.code, "csrf_failed");
});

test.serial("every route but sign-on needs a session", async (t) => {
  for (const url of ["/api/users", "/api/levels", "/api/audit", "/api/session"]) {
    const res = await h.app.inject({ method: "GET", url });
    t.is(res.statusCode, 401, url);
    t.is(res.json().error.code, "unauthenticated");
  }
});

test.serial("the Central Office is the highest level and starts with six levels", async (t) => {
  const admin = await signIn(h.app, adminName, adminPassword);
  const levels = (await admin.get("/api/levels")).json() as { name: string; rank: number }[];
  t.true(levels.length >= 6);
  t.is(levels[0]?.name, "Central Office");
  t.is(levels[0]?.rank, 1);
});

test.serial("the Central Office creates lower levels and chooses what each may use", async (t) => {
  const admin = await signIn(h.app, adminName, adminPassword);
  const res = await admin.post("/api/levels", {
    name: "Night Sergeant",
    rank: 7,
    permissions: ["menu.dashboard", "action.terminate"],
    allFacilities: false,
  });
  t.is(res.statusCode, 200, res.body);
  t.deepEqual(res.json().permissions, ["menu.dashboard", "action.terminate"]);
  const same = await admin.post("/api/levels", {
    name: "Night Sergeant",
    rank: 8,
    permissions: [],
    allFacilities: false,
  });
  t.is(same.statusCode, 409);
  const bad = await admin.post("/api/levels", { name: "Y", rank: 8, permissions: ["menu.nope"], allFacilities: false });
  t.is(bad.statusCode, 400);
});

test.serial("a lower level cannot create a level at or above itself, nor grant what it lacks", async (t) => {
  const admin = await signIn(h.app, adminName, adminPassword);
  const fa = await makeUser(h, admin, { username: "fa-a", level: "Facility Administrator", facilityIds: ["fac-a"] });
  // Facility Administrators lack admin.access-levels entirely.
  const res = await fa.post("/api/levels", { name: "Z", rank: 9, permissions: [], allFacilities: false });
  t.is(res.statusCode, 403);
  t.is(res.json().error.code, "forbidden");
  // The Central Office cannot create a second rank-1 level.
  const top = await admin.post("/api/levels", { name: "Rival", rank: 1, permissions: [], allFacilities: true });
  t.is(top.statusCode, 403);
});

test.serial(
  "users are limited to their facilities: a facility administrator cannot see or create users elsewhere",
  async (t) => {
    const admin = await signIn(h.app, adminName, adminPassword);
    const faB = await makeUser(h, admin, { username: "fa-b", level: "Facility Administrator", facilityIds: ["fac-b"] });
    const officerA = await admin.post("/api/users", {
      username: "officer-a",
      displayName: "Officer A",
      levelId: await levelId(h.access, "Monitoring Officer"),
      kind: "state",
      facilityIds: ["fac-a"],
      password: "officer-a-pass",
    });
    t.is(officerA.statusCode, 200);
    const idA = officerA.json().id as string;

    const list = (await faB.get("/api/users")).json() as { username: string }[];
    t.false(list.some((u) => u.username === "officer-a"));
    const read = await faB.get(`/api/users/${idA}`);
    t.is(read.statusCode, 403);
    t.is(read.json().error.code, "facility_forbidden");
    const patch = await faB.patch(`/api/users/${idA}`, { displayName: "hijacked" });
    t.is(patch.statusCode, 403);
    const create = await faB.post("/api/users", {
      username: "sneaky",
      displayName: "Sneaky",
      levelId: await levelId(h.access, "Monitoring Officer"),
      kind: "state",
      facilityIds: ["fac-a"],
      password: "sneaky-pass-1",
    });
    t.is(create.statusCode, 403);
    t.is(create.json().error.code, "facility_forbidden");
    // In its own facility it may.
    const own = await faB.post("/api/users", {
      username: "officer-b",
      displayName: "Officer B",
      levelId: await levelId(h.access, "Monitoring Officer"),
      kind: "contractor",
      facilityIds: ["fac-b"],
      password: "officer-b-pass",
    });
    t.is(own.statusCode, 200, own.body);
    t.is(own.json().kind, "contractor");
  },
);

test.serial("a user without a permission is refused on the server, and the refusal is audited", async (t) => {
  const admin = await signIn(h.app, adminName, adminPassword);
  const clerk = await makeUser(h, admin, { username: "clerk-a", level: "Data Entry Clerk", facilityIds: ["fac-a"] });
  const res = await clerk.get("/api/audit");
  t.is(res.statusCode, 403);
  const denied = await admin.get("/api/audit?action=access.denied&actor=clerk-a");
  t.true(denied.json().total >= 1);
});

test.serial("a new user must change the assigned password before doing anything else", async (t) => {
  const admin = await signIn(h.app, adminName, adminPassword);
  await admin.post("/api/users", {
    username: "fresh",
    displayName: "Fresh",
    levelId: await levelId(h.access, "Investigator (LEIU/ISU)"),
    kind: "state",
    facilityIds: ["fac-a"],
    password: "first-pass-1",
  });
  const fresh = await signIn(h.app, "fresh", "first-pass-1");
  t.true((await fresh.get("/api/session")).json().mustChangePassword);
  const blocked = await fresh.get("/api/users");
  t.is(blocked.statusCode, 403);
  t.is(blocked.json().error.code, "password_expired");
  const weak = await fresh.post("/api/session/password", { currentPassword: "first-pass-1", newPassword: "short" });
  t.is(weak.statusCode, 400);
  t.is(weak.json().error.code, "password_policy");
  const ok = await fresh.post("/api/session/password", {
    currentPassword: "first-pass-1",
    newPassword: "a much longer one",
  });
  t.is(ok.statusCode, 200);
  t.false((await fresh.get("/api/session")).json().mustChangePassword);
});

test.serial("after repeated failed sign-ons the account locks, and unlocks when the time runs out", async (t) => {
  const admin = await signIn(h.app, adminName, adminPassword);
  await makeUser(h, admin, { username: "victim", level: "Monitoring Officer", facilityIds: ["fac-a"] });
  const attempt = (password: string) =>
    h.app.inject({ method: "POST", url: "/api/session", payload: { username: "victim", password } });
  for (let i = 0; i < 4; i++) t.is((await attempt("nope")).statusCode, 401);
  const fifth = await attempt("nope");
  t.is(fifth.statusCode, 423);
  t.is(fifth.json().error.code, "account_locked");
  // Even the right password is refused while locked.
  t.is((await attempt("victim-secret-9")).statusCode, 423);
  h.clock.advance(10 * 60_000);
  t.is((await attempt("victim-secret-9")).statusCode, 200);
});

test.serial("with single logons configured, a new sign-on ends the older session", async (t) => {
  const admin = await signIn(h.app, adminName, adminPassword);
  const settings = (await admin.get("/api/access-settings")).json();
  const put = await admin.put("/api/access-settings", {
    ...settings,
    sessions: { ...settings.sessions, allowMultiple: false },
  });
  t.is(put.statusCode, 200, put.body);
  const first = await signIn(h.app, adminName, adminPassword);
  const second = await signIn(h.app, adminName, adminPassword);
  t.is((await first.get("/api/session")).statusCode, 401);
  t.is((await second.get("/api/session")).statusCode, 200);
  await second.put("/api/access-settings", settings);
});

test.serial(
  "the spec's password policy (4-8, upper, lower, digit, 6 months) can be chosen, and expiry prompts a change",
  async (t) => {
    const admin = await signIn(h.app, adminName, adminPassword);
    const settings = (await admin.get("/api/access-settings")).json();
    t.is(settings.password.minLength, 8, "NIST SP 800-63B default");
    t.is(settings.password.lifetimeDays, null);
    await admin.put("/api/access-settings", { ...settings, password: iwtsPolicy });
    const officer = await levelId(h.access, "Monitoring Officer");
    const tooLong = await admin.post("/api/users", {
      username: "iwts1",
      displayName: "i",
      levelId: officer,
      kind: "state",
      facilityIds: ["fac-a"],
      password: "Abcdefgh9",
    });
    t.is(tooLong.statusCode, 400);
    t.true(tooLong.json().error.details.some((d: { message: string }) => d.message.includes("at most 8")));
    const noDigit = await admin.post("/api/users", {
      username: "iwts1",
      displayName: "i",
      levelId: officer,
      kind: "state",
      facilityIds: ["fac-a"],
      password: "Abcdefg",
    });
    t.is(noDigit.statusCode, 400);
    const fine = await admin.post("/api/users", {
      username: "iwts1",
      displayName: "i",
      levelId: officer,
      kind: "state",
      facilityIds: ["fac-a"],
      password: "Abcd1234",
    });
    t.is(fine.statusCode, 200, fine.body);
    const u = await signIn(h.app, "iwts1", "Abcd1234");
    t.is(
      (await u.post("/api/session/password", { currentPassword: "Abcd1234", newPassword: "Wxyz5678" })).statusCode,
      200,
    );
    const again = await signIn(h.app, "iwts1", "Wxyz5678");
    t.false((await again.get("/api/session")).json().mustChangePassword);
    // Six months later the user is prompted.
    h.clock.advance(182 * 86_400_000);
    const later = await signIn(h.app, "iwts1", "Wxyz5678");
    t.true((await later.get("/api/session")).json().mustChangePassword);
    // The administrator's own password is past six months too now: restore directly.
    await h.access.settings.set(settings);
  },
);

test.serial("every change is audited with who, when, what, before and after", async (t) => {
  const admin = await signIn(h.app, adminName, adminPassword);
  const created = await admin.post("/api/users", {
    username: "renamed",
    displayName: "Before Name",
    levelId: await levelId(h.access, "Data Entry Clerk"),
    kind: "state",
    facilityIds: ["fac-a"],
    password: "renamed-pass-1",
  });
  const id = created.json().id as string;
  await admin.patch(`/api/users/${id}`, { displayName: "After Name" });
  const res = await admin.get(`/api/audit?action=user.update&entityId=${id}`);
  const entry = res.json().entries[0];
  t.is(entry.actorName, adminName);
  t.truthy(Date.parse(entry.at));
  t.is(entry.before.displayName, "Before Name");
  t.is(entry.after.displayName, "After Name");
  // Free-text search finds it too.
  t.true((await admin.get("/api/audit?text=After%20Name")).json().total >= 1);
});
