/**
 * The reporting tools' API: each report's validation, the permission that runs it, the
 * caller's facility scope (a facility user never sees another facility's calls, and naming
 * one reads as missing), and the figures over a known set of call records, CSV included.
 */
import test from "ava";
import type { ReportResult } from "../../../controller/api/schemas/reports.ts";
import { DEMO_INMATES, DEMO_NUMBERS } from "../../../controller/domain/seed.ts";
import type { DomainStore } from "../../../controller/store/domain-store.ts";
import type { NewCallRecord } from "../../../controller/store/schema.ts";
import {
  adminName,
  adminPassword,
  type Client,
  facilityA,
  facilityB,
  type Harness,
  inmateB,
  makeUser,
  signIn,
  startDomainHarness,
} from "./app-harness.ts";
import { insertCallRecord } from "./call-record-fixture.ts";

let h: Harness & { ds: DomainStore };
let admin: Client;
let faA: Client;
let investigatorA: Client;
let clerkA: Client;

/** 2026-03-02 and 03-03, 12:00 in Los Angeles (20:00 UTC). */
const day1 = Date.UTC(2026, 2, 2, 20, 0, 0);
const day2 = Date.UTC(2026, 2, 3, 20, 0, 0);
const period = "from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z";
const shared = "+15105550100";

let n = 0;
function call(over: Partial<NewCallRecord> & { startedAt: number }): Promise<void> {
  return insertCallRecord(h.ds, `rep-${++n}`, over);
}

test.before(async () => {
  h = await startDomainHarness();
  admin = await signIn(h.app, adminName, adminPassword);
  faA = await makeUser(h, admin, { username: "fa-a", level: "Facility Administrator", facilityIds: [facilityA] });
  investigatorA = await makeUser(h, admin, {
    username: "inv-a",
    level: "Investigator (LEIU/ISU)",
    facilityIds: [facilityA],
  });
  clerkA = await makeUser(h, admin, { username: "clerk-a", level: "Data Entry Clerk", facilityIds: [facilityA] });
  // Facility A: three completed calls to the family number (two inmates), one interstate call,
  // one refused by the schedule, one privileged call, one to a hot number; facility B: one call.
  await call({ startedAt: day1 });
  await call({ startedAt: day1 + 600_000, durationSec: 125, chargeCents: 63 });
  await call({
    startedAt: day2,
    inmateId: DEMO_INMATES[1].id,
    inmateName: "María García",
    stationId: "demo-st-2",
    stationSetNumber: 2,
    stationLocation: "Unit A dayroom, set 2",
  });
  await call({
    startedAt: day2 + 60_000,
    destination: "+13125550123",
    dialledDigits: "3125550123",
    callType: "interstate",
    trunk: "long distance",
    durationSec: 300,
    chargeCents: 105,
  });
  await call({
    startedAt: day2 + 120_000,
    status: "not-completed",
    durationSec: 0,
    chargeCents: null,
    acceptedAt: null,
    answeredAt: null,
    denialRule: "schedule",
    notCompletedReason: "Calls are not allowed at this time.",
  });
  await call({ startedAt: day2 + 180_000, destination: DEMO_NUMBERS.attorney, privileged: 1, chargeCents: 21 });
  await call({
    startedAt: day2 + 240_000,
    destination: DEMO_NUMBERS.hot,
    alert: 1,
    alertType: "hot number",
    durationSec: 30,
    chargeCents: 21,
  });
  await call({ startedAt: day1, inmateId: DEMO_INMATES[2].id, inmateName: "Darnell Brooks", destination: shared });
  await call({ startedAt: day2, inmateId: DEMO_INMATES[3].id, inmateName: "Luis Hernández", destination: shared });
  await call({
    startedAt: day2,
    facilityId: facilityB,
    facilityName: "North State Prison",
    stationId: "north-st-1",
    inmateId: inmateB,
    inmateName: "Nora North",
    destination: shared,
    chargeCents: 40,
  });
});
test.after.always(async () => {
  await h?.close();
});

const get = async (c: Client, url: string) => {
  const res = await c.get(url);
  return { status: res.statusCode, body: res.json() as ReportResult & { error?: { code: string } } };
};
const column = (r: ReportResult, key: string) => {
  const i = r.columns.findIndex((c) => c.key === key);
  return r.rows.map((row) => row[i]);
};

test("the report list shows only the reports the caller's level may run", async (t) => {
  const all = (await admin.get("/api/reports")).json() as { id: string }[];
  t.true(all.length >= 15);
  const inv = ((await investigatorA.get("/api/reports")).json() as { id: string; permission: string }[]).map(
    (r) => r.permission,
  );
  t.true(inv.length > 0);
  t.true(inv.every((p) => p === "report.call-detail" || p === "report.fraud"));
  t.is((await clerkA.get("/api/reports")).statusCode, 403);
});

test("a level without a report's permission is refused it on the server", async (t) => {
  const revenue = await get(investigatorA, `/api/reports/revenue?${period}`);
  t.is(revenue.status, 403);
  t.is(revenue.body.error?.code, "forbidden");
  t.is((await get(investigatorA, `/api/reports/chronological?${period}`)).status, 200);
  t.is((await get(clerkA, `/api/reports/chronological?${period}`)).status, 403);
  t.is((await clerkA.get(`/api/reports/chronological/csv?${period}`)).statusCode, 403);
});

test("report queries are validated: missing period, bad dates, unknown parameters, bad numbers", async (t) => {
  for (const url of [
    "/api/reports/chronological",
    "/api/reports/chronological?from=yesterday&to=2026-03-05T00:00:00Z",
    `/api/reports/chronological?${period}&sortBy=cost`,
    `/api/reports/frequent-numbers?${period}`,
    `/api/reports/frequent-numbers?${period}&minCalls=0`,
    "/api/reports/number-usage?number=drop%20table",
    `/api/reports/call-summary?${period}&groupBy=color`,
    `/api/reports/grade-of-blocking?${period}&intervalMin=60&by=weather`,
    `/api/reports/chronological?${period}&facilityIds=a,,b`,
  ]) {
    const r = await get(admin, url);
    t.is(r.status, 400, url);
    t.is(r.body.error?.code, "validation_failed", url);
  }
  const odd = await get(admin, `/api/reports/grade-of-blocking?${period}&intervalMin=25&by=station`);
  t.is(odd.status, 400);
  t.regex(JSON.stringify(odd.body), /divide a day/);
});

test("a facility user's reports cover only their facility, and naming another reads as missing", async (t) => {
  const mine = await get(faA, `/api/reports/chronological?${period}`);
  t.is(mine.status, 200);
  t.deepEqual(
    mine.body.facilities.map((f) => f.id),
    [facilityA],
  );
  t.false(column(mine.body, "site").includes(facilityB));
  const other = await get(faA, `/api/reports/chronological?${period}&facilityIds=${facilityB}`);
  t.is(other.status, 404);
  t.is(other.body.error?.code, "not_found");
  const both = await get(faA, `/api/reports/daily-volume?${period}&facilityIds=${facilityA},${facilityB}`);
  t.is(both.status, 404);
  // The shared number reaches three inmates agency-wide, two within facility A.
  const sharedA = await get(faA, `/api/reports/shared-numbers?${period}`);
  const row = sharedA.body.rows.find((r) => r[0] === shared);
  t.is(row?.[1], 2);
  const sharedAll = await get(admin, `/api/reports/shared-numbers?${period}&minInmates=3`);
  t.deepEqual(column(sharedAll.body, "number"), [shared]);
  t.is((await get(faA, `/api/reports/usage-against-limits?facilityIds=${facilityB}`)).status, 404);
  t.is((await get(faA, `/api/reports/approved-numbers?number=*&facilityIds=${facilityB}`)).status, 404);
});

test("the chronological list is in order, leaves privileged calls out and totals its columns", async (t) => {
  const r = (await get(admin, `/api/reports/chronological?${period}&facilityIds=${facilityA}`)).body;
  const dates = r.rows.map((row) => `${row[0]} ${row[1]}`);
  t.deepEqual(dates, [...dates].sort());
  t.false(column(r, "destination").includes(DEMO_NUMBERS.attorney));
  t.is(r.rows.length, 8);
  t.is(r.totals.charge, 21 + 63 + 21 + 105 + 21 + 21 + 21);
  t.is(r.totals.duration, 60 + 125 + 60 + 300 + 0 + 30 + 60 + 60);
  t.is(r.inmateCount, 4);
  t.is(r.generatedBy, adminName);
  t.is(r.criteria.from, "2026-03-01T00:00:00Z");
  const byInmate = (await get(admin, `/api/reports/chronological?${period}&inmateId=${DEMO_INMATES[1].id}`)).body;
  t.deepEqual(column(byInmate, "inmate"), ["María García"]);
});

test("daily volume, minutes by call type and revenue sum every call, privileged ones too", async (t) => {
  const daily = (await get(admin, `/api/reports/daily-volume?${period}&facilityIds=${facilityA}`)).body;
  t.deepEqual(
    daily.rows.map((r) => [r[0], r[2], r[3], r[5]]),
    [
      ["2026-03-02", 3, 3, 21 + 63 + 21],
      ["2026-03-03", 6, 5, 21 + 105 + 21 + 21 + 21],
    ],
  );
  t.is(daily.totals.calls, 9);
  const minutes = (await get(admin, `/api/reports/minutes-by-call-type?${period}`)).body;
  const sub = minutes.subtotalRows.map((i) => minutes.rows[i]);
  t.deepEqual(
    sub.map((r) => [r?.[0], r?.[1], r?.[2]]),
    [
      ["North State Prison", "Subtotal", 1],
      ["Yardline Demo County Jail", "Subtotal", 8],
      ["All facilities", "interstate", 1],
      ["All facilities", "local", 8],
    ],
  );
  t.is(minutes.totals.calls, 9, "subtotal lines are not counted twice");
  const revenue = (await get(admin, `/api/reports/revenue?${period}&statePercent=10`)).body;
  const interstate = revenue.rows.find((r) => r[0] === "Yardline Demo County Jail" && r[1] === "interstate")!;
  t.is(interstate[5], 105);
  t.is(interstate[6], 11);
  t.is(interstate[4], 210, "$1.05 for 5 minutes: 21 cents (210 mills) a minute");
  t.is(revenue.totals.gross, 21 + 63 + 21 + 105 + 21 + 21 + 21 + 21 + 40);
});

test("number usage takes wildcards; frequent numbers, alerts and refusals list what they should", async (t) => {
  const usage = (await get(admin, `/api/reports/number-usage?number=213201*&${period}`)).body;
  t.true(usage.rows.length > 0);
  t.true(column(usage, "number").every((v) => String(v).startsWith("+1213201")));
  const one = (await get(admin, `/api/reports/number-usage?number=(312)%20555-0123`)).body;
  t.deepEqual(column(one, "number"), ["+13125550123"]);
  const frequent = (await get(admin, `/api/reports/frequent-numbers?${period}&minCalls=3`)).body;
  t.deepEqual([...new Set(column(frequent, "number"))].sort(), [DEMO_NUMBERS.family, shared].sort());
  const alerts = (await get(admin, `/api/reports/alert-notifications?${period}`)).body;
  t.deepEqual(column(alerts, "destination"), [DEMO_NUMBERS.hot]);
  const denied = (await get(admin, `/api/reports/denied-by-reason?${period}`)).body;
  t.deepEqual(denied.rows, [["Yardline Demo County Jail", "Calls are not allowed at this time.", "schedule", 1]]);
  const blocking = (await get(admin, `/api/reports/grade-of-blocking?${period}&intervalMin=60&by=call-type`)).body;
  const noon = blocking.rows.find(
    (r) => r[0] === "Yardline Demo County Jail" && r[1] === "12:00–13:00" && r[2] === "local",
  );
  t.deepEqual(noon?.slice(3), [8, 1, 12.5]);
});

test("list reports: approved numbers, blocked numbers, local exchanges, usage against limits", async (t) => {
  const approved = (await get(admin, `/api/reports/approved-numbers?number=${encodeURIComponent(DEMO_NUMBERS.family)}`))
    .body;
  t.true(column(approved, "inmateId").includes("D-1004"));
  const blocked = (await get(faA, "/api/reports/blocked-numbers")).body;
  t.true(column(blocked, "number").includes(DEMO_NUMBERS.victim));
  const local = (await get(admin, `/api/reports/local-exchanges?facilityIds=${facilityA}`)).body;
  t.true(local.rows.length > 0);
  t.true(
    column(local, "rateCenter").every((c) => c === "LOS ANGELES" || c === "PASADENA"),
    JSON.stringify(local.rows.slice(0, 3)),
  );
  // The harness clock reads 2026-03-04 10:00 in Los Angeles: the calls of 03-02 and 03-03 count for the week.
  const limits = (await get(faA, "/api/reports/usage-against-limits")).body;
  const miller = limits.rows.find((r) => r[0] === "D-1001")!;
  const at = (k: string) => miller[limits.columns.findIndex((c) => c.key === k)];
  t.is(at("callsDay"), 0);
  // Completed and not privileged: two on 03-02, the interstate and the hot-number call on 03-03.
  t.is(at("callsWeek"), 4, "refused and privileged calls do not count against limits");
  t.is(at("maxCallsWeek"), 50);
  t.is(at("maxMinutesMonth"), 1500);
  t.is(limits.inmateCount, limits.rows.length);
});

test("CSV export: one header line, the rows, a total line; dollars with cents; audited", async (t) => {
  const res = await admin.get(`/api/reports/daily-volume/csv?${period}&facilityIds=${facilityA}`);
  t.is(res.statusCode, 200);
  t.regex(res.headers["content-type"] as string, /text\/csv/);
  t.regex(res.headers["content-disposition"] as string, /daily-volume-/);
  const lines = res.body.trim().split("\r\n");
  t.is(lines[0], "Date,Facility,Calls attempted,Calls completed,Duration (s),Charges ($)");
  t.is(lines[1], "2026-03-02,Yardline Demo County Jail,3,3,245,1.05");
  t.is(lines[lines.length - 1], "Total,,9,8,755,2.94");
  const entries = await h.access.audit.search({ action: "report.export" });
  t.true(entries.entries.some((e) => e.entityId === "daily-volume"));
});

test("the OpenAPI document describes every report with its query parameters", async (t) => {
  const doc = (await h.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as {
    paths: Record<string, { get?: { parameters?: { name: string; required?: boolean }[] } }>;
  };
  const ids = ((await admin.get("/api/reports")).json() as { id: string }[]).map((r) => r.id);
  for (const id of ids) {
    t.truthy(doc.paths[`/api/reports/${id}`]?.get, id);
    t.truthy(doc.paths[`/api/reports/${id}/csv`]?.get, `${id} csv`);
  }
  const frequent = doc.paths["/api/reports/frequent-numbers"]?.get?.parameters ?? [];
  t.deepEqual(frequent.find((p) => p.name === "minCalls")?.required, true);
  t.deepEqual(frequent.find((p) => p.name === "facilityIds")?.required ?? false, false);
});

test("calls summed by inmate, by number, by phone bank and by facility", async (t) => {
  const byInmate = (await get(faA, `/api/reports/call-summary?${period}&groupBy=inmate`)).body;
  const miller = byInmate.rows.find((r) => r[0] === "John Miller (D-1001)");
  // Not privileged: two on 03-02, the interstate, the refused and the hot-number call on 03-03.
  t.deepEqual(miller?.slice(2), [5, 4, 60 + 125 + 300 + 0 + 30, 21 + 63 + 105 + 21]);
  t.is(byInmate.inmateCount, 4);
  t.is(byInmate.totals.calls, 8);
  const byNumber = (await get(faA, `/api/reports/call-summary?${period}&groupBy=number`)).body;
  t.false(column(byNumber, "group").includes(DEMO_NUMBERS.attorney), "privileged numbers are not listed");
  t.deepEqual(
    byNumber.rows.find((r) => r[0] === DEMO_NUMBERS.family),
    [DEMO_NUMBERS.family, "Yardline Demo County Jail", 4, 3, 60 + 125 + 60 + 0, 21 + 63 + 21],
  );
  const byFacility = (await get(admin, `/api/reports/call-summary?${period}&groupBy=facility`)).body;
  t.deepEqual(
    byFacility.rows.map((r) => [r[0], r[2]]),
    [
      ["Yardline Demo County Jail", 9],
      ["North State Prison", 1],
    ],
  );
  const byBank = (await get(faA, `/api/reports/call-summary?${period}&groupBy=phone-bank`)).body;
  t.is(byBank.rows.length, 1);
  t.is(byBank.rows[0]?.[2], 9, "privileged calls count in sums by phone bank");
  t.not(byBank.rows[0]?.[0], "demo-bank-a", "the phone bank's name, not its id");
});
