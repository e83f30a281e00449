/**
 * A class of service's calling hours and allowed call types through the API: what is saved is
 * what the next call decision uses; a window or call type outside the domain's rules is
 * refused with the reason; only a level with class-of-service data entry may change a class,
 * and only when it reaches every facility where the class is assigned.
 */
import test from "ava";
import { authorize, NO_USAGE } from "../../../controller/domain/authorize.ts";
import type { CosParams } from "../../../controller/domain/cos.ts";
import { loadFacilitySnapshot } from "../../../controller/domain/load-snapshot.ts";
import { DEMO_NUMBERS, DEMO_STATION_IDS } from "../../../controller/domain/seed.ts";
import type { DomainStore } from "../../../controller/store/domain-store.ts";
import {
  adminName,
  adminPassword,
  type Client,
  facilityA,
  facilityB,
  type Harness,
  makeUser,
  signIn,
  startDomainHarness,
} from "./app-harness.ts";

let h: Harness & { ds: DomainStore };
let admin: Client;
let faA: Client;
let clerkA: Client;
let general: CosParams;

/** Wednesday 2026-03-04, 12:00 in Los Angeles. */
const noonLa = Date.UTC(2026, 2, 4, 20, 0, 0);

test.before(async () => {
  h = await startDomainHarness();
  admin = await signIn(h.app, adminName, adminPassword);
  faA = await makeUser(h, admin, { username: "fa-a", level: "Facility Administrator", facilityIds: [facilityA] });
  clerkA = await makeUser(h, admin, { username: "clerk-a", level: "Data Entry Clerk", facilityIds: [facilityA] });
  const list = (await admin.get("/api/classes-of-service")).json() as { classes: { id: string; params: CosParams }[] };
  general = list.classes.find((c) => c.id === "cos-general")!.params;
});
test.after.always(async () => {
  await h?.close();
});

/** D-1002 (facility class "General population") calls the family number at noon on a Wednesday. */
async function decide() {
  const s = await loadFacilitySnapshot(h.ds, facilityA, { now: noonLa });
  return authorize(s, {
    stationId: DEMO_STATION_IDS[1]!,
    inmate: { pin: "2222" },
    dialled: DEMO_NUMBERS.family.slice(2),
    at: noonLa,
    usage: NO_USAGE,
  });
}

const put = (c: Client, params: CosParams, id = "cos-general") => c.put(`/api/classes-of-service/${id}`, { params });

test.serial("calling hours and call types saved through the API decide the next call", async (t) => {
  t.true((await decide()).allowed);
  const evening: CosParams = {
    ...general,
    schedule: { enabled: true, windows: [{ day: 3, startMin: 18 * 60, endMin: 22 * 60 }] },
  };
  const res = await put(faA, evening);
  t.is(res.statusCode, 200, res.body);
  t.deepEqual(res.json().params.schedule, evening.schedule);
  const closed = await decide();
  t.false(closed.allowed);
  if (!closed.allowed) t.is(closed.rule, "schedule");

  // Past midnight: Tuesday 20:00 to Wednesday 13:00 covers Wednesday noon.
  const overnight: CosParams = {
    ...general,
    schedule: { enabled: true, windows: [{ day: 2, startMin: 20 * 60, endMin: 13 * 60 }] },
    callTypes: { enabled: true, allowed: ["interstate", "international-canada"] },
  };
  t.is((await put(faA, overnight)).statusCode, 200);
  const local = await decide();
  t.false(local.allowed, "open hours, but local calls are not allowed");
  if (!local.allowed) t.is(local.rule, "call-type-not-allowed");

  t.is((await put(faA, { ...overnight, callTypes: { enabled: true, allowed: ["local"] } })).statusCode, 200);
  const open = await decide();
  t.true(open.allowed, JSON.stringify(open));

  t.is((await put(admin, general)).statusCode, 200);
  t.true((await decide()).allowed);
});

test.serial("windows and call types outside the domain's rules are refused with the reason", async (t) => {
  const cases: [string, CosParams, RegExp][] = [
    ["day 8", { schedule: { enabled: true, windows: [{ day: 8, startMin: 0, endMin: 60 }] } }, /day/],
    ["an empty window", { schedule: { enabled: true, windows: [{ day: 1, startMin: 600, endMin: 600 }] } }, /empty/],
    [
      "end past 24:00",
      { schedule: { enabled: true, windows: [{ day: 1, startMin: 0, endMin: 1441 }] } },
      /endMin|1440/,
    ],
    [
      "an unknown call type",
      { callTypes: { enabled: true, allowed: ["collect-moon" as "local"] } },
      /callTypes|allowed/,
    ],
    ["a schedule without 'enabled'", { schedule: { windows: [] } as unknown as CosParams["schedule"] }, /enabled/],
  ];
  for (const [what, params, reason] of cases) {
    const res = await put(admin, { ...general, ...params });
    t.is(res.statusCode, 400, what);
    t.is(res.json().error.code, "validation_failed", what);
    t.regex(res.body, reason, what);
  }
  // "Restricted housing" is in a feature group without calling schedules.
  const restricted = await put(
    admin,
    { schedule: { enabled: true, windows: [{ day: 1, startMin: 0, endMin: 60 }] } },
    "cos-restricted",
  );
  t.is(restricted.statusCode, 400);
  t.regex(restricted.body, /not in this class's feature group/);
  // Nothing of the refused changes was kept.
  const after = (await admin.get("/api/classes-of-service")).json() as { classes: { id: string; params: CosParams }[] };
  t.deepEqual(after.classes.find((c) => c.id === "cos-general")!.params, general);
});

test.serial(
  "only class-of-service data entry may change calling hours, and only over every facility using the class",
  async (t) => {
    const hours: CosParams = {
      ...general,
      schedule: { enabled: true, windows: [{ day: 1, startMin: 0, endMin: 1440 }] },
    };
    const clerk = await put(clerkA, hours);
    t.is(clerk.statusCode, 403);
    t.is(clerk.json().error.code, "forbidden");
    // Assigned in facility B as well: a facility-A administrator may no longer change it.
    t.is(
      (await admin.put("/api/cos-assignments", { level: "facility", id: facilityB, cosId: "cos-general" })).statusCode,
      200,
    );
    const cross = await put(faA, hours);
    t.is(cross.statusCode, 403);
    t.regex(cross.body, /facilities you do not reach/);
    t.is((await put(admin, hours)).statusCode, 200, "the Central Office reaches both");
    t.is((await admin.put("/api/cos-assignments", { level: "facility", id: facilityB, cosId: null })).statusCode, 200);
    t.is((await put(faA, general)).statusCode, 200);
    // Every change is audited with before and after.
    const audit = (await admin.get("/api/audit?action=cos.update&entityId=cos-general")).json() as {
      entries: { before: { params: CosParams }; after: { params: CosParams } }[];
    };
    t.true(audit.entries.some((e) => e.after.params.schedule?.windows[0]?.endMin === 1440));
  },
);
