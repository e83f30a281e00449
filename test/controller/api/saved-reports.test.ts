/**
 * Saved report layouts over the API: a layout's columns and five-level sort applied on the
 * server (JSON and CSV), its validation (unknown columns or sort keys refused with a 400 that
 * names them), who may save, see, change and run one (Central Office for every facility and
 * for chosen access levels, facility users for their own facilities), and the audit entries.
 */
import test from "ava";
import type { ReportResult } from "../../../controller/api/schemas/reports.ts";
import type { SavedReportBody, SavedReportInfo } from "../../../controller/api/schemas/saved-reports.ts";
import { DEMO_INMATES } from "../../../controller/domain/seed.ts";
import type { DomainStore } from "../../../controller/store/domain-store.ts";
import type { NewCallRecord } from "../../../controller/store/schema.ts";
import {
  adminName,
  adminPassword,
  type Client,
  facilityA,
  facilityB,
  type Harness,
  levelId,
  makeUser,
  signIn,
  startDomainHarness,
} from "./app-harness.ts";
import { insertCallRecord } from "./call-record-fixture.ts";

let h: Harness & { ds: DomainStore };
let admin: Client;
let faA: Client;
let faB: Client;
let investigatorA: Client;
let clerkA: Client;

/** 2026-03-02 and 03-03, 12:00 in Los Angeles (20:00 UTC); the harness clock is 03-04 10:00 there. */
const day1 = Date.UTC(2026, 2, 2, 20, 0, 0);
const day2 = Date.UTC(2026, 2, 3, 20, 0, 0);
const period = { from: "2026-03-01T00:00:00Z", to: "2026-03-05T00:00:00Z" };

let n = 0;
function call(over: Partial<NewCallRecord> & { startedAt: number }): Promise<void> {
  return insertCallRecord(h.ds, `saved-${++n}`, over);
}

test.before(async () => {
  h = await startDomainHarness();
  admin = await signIn(h.app, adminName, adminPassword);
  faA = await makeUser(h, admin, { username: "fa-a", level: "Facility Administrator", facilityIds: [facilityA] });
  faB = await makeUser(h, admin, { username: "fa-b", level: "Facility Administrator", facilityIds: [facilityB] });
  investigatorA = await makeUser(h, admin, {
    username: "inv-a",
    level: "Investigator (LEIU/ISU)",
    facilityIds: [facilityA],
  });
  clerkA = await makeUser(h, admin, { username: "clerk-a", level: "Data Entry Clerk", facilityIds: [facilityA] });
  await call({ startedAt: day1, durationSec: 60, chargeCents: 21 });
  await call({ startedAt: day1 + 600_000, durationSec: 125, chargeCents: 63 });
  await call({
    startedAt: day2,
    inmateId: DEMO_INMATES[1].id,
    inmateName: "María García",
    durationSec: 300,
    chargeCents: 105,
  });
  await call({ startedAt: day2 + 60_000, inmateId: DEMO_INMATES[2].id, inmateName: "Darnell Brooks", durationSec: 30 });
  await call({
    startedAt: day2,
    facilityId: facilityB,
    facilityName: "North State Prison",
    stationId: "north-st-1",
    inmateId: "N-2001",
    inmateName: "Nora North",
    durationSec: 45,
  });
});
test.after.always(async () => {
  await h?.close();
});

const layout = (over: Partial<SavedReportBody> = {}): SavedReportBody => ({
  name: "Calls by inmate",
  category: "Investigations",
  baseReport: "chronological",
  facilityId: null,
  columns: ["inmate", "date", "duration", "charge"],
  sort: [
    { key: "inmate", dir: "asc" },
    { key: "duration", dir: "desc" },
  ],
  criteria: period,
  periodDays: null,
  levelIds: [],
  scheduleTime: null,
  scheduleDays: [],
  emailTo: [],
  ...over,
});

async function save(c: Client, body: SavedReportBody): Promise<SavedReportInfo> {
  const res = await c.post("/api/reports/saved", body);
  if (res.statusCode !== 200) throw new Error(`save: ${res.statusCode} ${res.body}`);
  return res.json() as SavedReportInfo;
}

const column = (r: ReportResult, key: string) => {
  const i = r.columns.findIndex((c) => c.key === key);
  return r.rows.map((row) => row[i]);
};

test("a saved layout runs with its columns in its order and its rows in its sort sequence, CSV too", async (t) => {
  const s = await save(admin, layout());
  t.is(s.category, "Investigations");
  t.is(s.baseTitle, "Chronological list of calls");
  const res = await admin.get(`/api/reports/saved/${s.id}/run`);
  t.is(res.statusCode, 200, res.body);
  const r = res.json() as ReportResult;
  t.is(r.title, "Calls by inmate");
  t.deepEqual(
    r.columns.map((c) => c.key),
    ["inmate", "date", "duration", "charge"],
  );
  // Facility A and B (Central Office reaches both), by inmate, then the longest call first.
  t.deepEqual(column(r, "inmate"), ["Darnell Brooks", "John Miller", "John Miller", "María García", "Nora North"]);
  t.deepEqual(column(r, "duration"), [30, 125, 60, 300, 45]);
  t.deepEqual(r.totals, { duration: 560, charge: 21 + 63 + 105 + 21 + 21 });
  t.is(r.criteria.from, period.from);

  const csv = await admin.get(`/api/reports/saved/${s.id}/csv`);
  t.is(csv.statusCode, 200);
  const lines = csv.body.trim().split("\r\n");
  t.is(lines[0], "Inmate name,Date,Duration (s),Cost of call ($)");
  t.is(lines[1], "Darnell Brooks,2026-03-03,30,0.21");
  t.is(lines.at(-1), "Total,,560,2.31");

  // A totalled column put first keeps its total beside the line's name.
  const first = await save(admin, layout({ name: "Charges first", columns: ["charge", "inmate"], sort: [] }));
  const firstCsv = (await admin.get(`/api/reports/saved/${first.id}/csv`)).body.trim().split("\r\n");
  t.is(firstCsv[0], "Cost of call ($),Inmate name");
  t.is(firstCsv.at(-1), "Total: 2.31,");

  // A criterion given at run time overrides the saved one.
  const narrowed = (await admin.get(`/api/reports/saved/${s.id}/run?to=2026-03-03T00:00:00Z`)).json() as ReportResult;
  t.deepEqual(column(narrowed, "duration"), [125, 60]);
});

test("unknown columns, sort keys and reports are refused with a 400 that names them", async (t) => {
  const badColumn = await admin.post("/api/reports/saved", layout({ columns: ["inmate", "shoeSize"] }));
  t.is(badColumn.statusCode, 400);
  t.regex(badColumn.json().error.message, /no column shoeSize/);
  t.deepEqual(badColumn.json().error.details, [{ path: "/columns", message: "unknown column shoeSize" }]);

  const badSort = await admin.post("/api/reports/saved", layout({ sort: [{ key: "hairColour", dir: "asc" }] }));
  t.is(badSort.statusCode, 400);
  t.regex(badSort.json().error.message, /cannot be sorted by hairColour/);

  const six = ["inmate", "date", "time", "duration", "charge", "site"].map((key) => ({ key, dir: "asc" as const }));
  t.is((await admin.post("/api/reports/saved", layout({ sort: six }))).statusCode, 400);
  const five = six.slice(0, 5);
  t.is((await admin.post("/api/reports/saved", layout({ sort: five }))).statusCode, 200);

  const twice = await admin.post("/api/reports/saved", layout({ columns: ["inmate", "inmate"] }));
  t.is(twice.statusCode, 400);
  const noReport = await admin.post("/api/reports/saved", layout({ baseReport: "horoscope" }));
  t.is(noReport.statusCode, 400);
  t.regex(noReport.json().error.message, /no report horoscope/);
  // Without a period the chronological list cannot run: refused when saved, not when run.
  const noPeriod = await admin.post("/api/reports/saved", layout({ criteria: {} }));
  t.is(noPeriod.statusCode, 400);
  t.regex(noPeriod.json().error.message, /criteria do not fit/);
  const badCriteria = await admin.post("/api/reports/saved", layout({ criteria: { ...period, callType: "teleport" } }));
  t.is(badCriteria.statusCode, 400);
  const scheduleWithoutAddress = await admin.post(
    "/api/reports/saved",
    layout({ scheduleTime: "06:00", scheduleDays: [1, 2, 3, 4, 5] }),
  );
  t.is(scheduleWithoutAddress.statusCode, 400);
  t.regex(scheduleWithoutAddress.json().error.message, /address/);
  const badTime = await admin.post(
    "/api/reports/saved",
    layout({ scheduleTime: "25:00", scheduleDays: [1], emailTo: ["lt@example.org"] }),
  );
  t.is(badTime.statusCode, 400);
});

test("facility users save for their own facilities only; Central Office alone saves for all and assigns levels", async (t) => {
  const forAll = await faA.post("/api/reports/saved", layout());
  t.is(forAll.statusCode, 403);
  const forB = await faA.post("/api/reports/saved", layout({ facilityId: facilityB }));
  t.is(forB.statusCode, 404);
  const withLevels = await faA.post(
    "/api/reports/saved",
    layout({ facilityId: facilityA, levelIds: [await levelId(h.access, "Investigator (LEIU/ISU)")] }),
  );
  t.is(withLevels.statusCode, 403);
  // No report permission at all.
  t.is((await clerkA.get("/api/reports/saved")).statusCode, 403);
  t.is((await clerkA.post("/api/reports/saved", layout({ facilityId: facilityA }))).statusCode, 403);
  // The investigator has no usage-report permission: cannot save a layout of one.
  const usage = await investigatorA.post(
    "/api/reports/saved",
    layout({
      baseReport: "daily-volume",
      facilityId: facilityA,
      columns: ["date", "calls"],
      sort: [],
    }),
  );
  t.is(usage.statusCode, 403);
});

test("a facility's layout runs over that facility only and is missing to other facilities", async (t) => {
  const s = await save(faA, layout({ name: "Unit A calls", category: "Daily", facilityId: facilityA }));
  t.true(s.editable);
  // Even the Central Office's run of it covers facility A alone.
  const r = (await admin.get(`/api/reports/saved/${s.id}/run`)).json() as ReportResult;
  t.deepEqual(
    r.facilities.map((f) => f.id),
    [facilityA],
  );
  t.false(column(r, "inmate").includes("Nora North"));
  // The investigator at A (with the base report's permission) sees it; facility B's administrator does not.
  t.true(((await investigatorA.get("/api/reports/saved")).json() as SavedReportInfo[]).some((x) => x.id === s.id));
  t.false(((await faB.get("/api/reports/saved")).json() as SavedReportInfo[]).some((x) => x.id === s.id));
  t.is((await faB.get(`/api/reports/saved/${s.id}/run`)).statusCode, 404);
  t.is((await faB.get(`/api/reports/saved/${s.id}/csv`)).statusCode, 404);
  t.is((await faB.put(`/api/reports/saved/${s.id}`, layout({ facilityId: facilityB }))).statusCode, 404);
  t.is((await faB.del(`/api/reports/saved/${s.id}`)).statusCode, 404);
  // A user at A may not move it to B.
  t.is((await faA.put(`/api/reports/saved/${s.id}`, layout({ facilityId: facilityB }))).statusCode, 404);
});

test("a Central Office layout assigned to a level is offered to that level only, and only the Central Office changes it", async (t) => {
  const faLevel = await levelId(h.access, "Facility Administrator");
  const s = await save(admin, layout({ name: "For administrators", category: "Management", levelIds: [faLevel] }));
  const listA = (await faA.get("/api/reports/saved")).json() as SavedReportInfo[];
  const mine = listA.find((x) => x.id === s.id);
  t.truthy(mine);
  t.false(mine!.editable);
  // Run by facility A's administrator, it covers facility A only.
  const r = (await faA.get(`/api/reports/saved/${s.id}/run`)).json() as ReportResult;
  t.deepEqual(
    r.facilities.map((f) => f.id),
    [facilityA],
  );
  t.is((await faA.put(`/api/reports/saved/${s.id}`, layout({ name: "Mine now" }))).statusCode, 403);
  t.is((await faA.del(`/api/reports/saved/${s.id}`)).statusCode, 403);
  // The investigator's level is not among its levels.
  t.false(((await investigatorA.get("/api/reports/saved")).json() as SavedReportInfo[]).some((x) => x.id === s.id));
  t.is((await investigatorA.get(`/api/reports/saved/${s.id}/run`)).statusCode, 404);
  t.is((await admin.post("/api/reports/saved", layout({ levelIds: ["no-such-level"] }))).statusCode, 400);
});

test("saving, changing and deleting a layout are audited with before and after", async (t) => {
  const s = await save(admin, layout({ name: "Audited", category: "Audit" }));
  const changed = await admin.put(`/api/reports/saved/${s.id}`, layout({ name: "Audited", category: "Audit 2" }));
  t.is(changed.statusCode, 200, changed.body);
  t.is((changed.json() as SavedReportInfo).category, "Audit 2");
  t.is((await admin.del(`/api/reports/saved/${s.id}`)).statusCode, 200);
  t.is((await admin.get(`/api/reports/saved/${s.id}/run`)).statusCode, 404);
  const rows = await h.db
    .selectFrom("audit_log")
    .select(["action", "before_json", "after_json", "actor_name"])
    .where("entity_id", "=", s.id)
    .orderBy("seq")
    .execute();
  t.deepEqual(
    rows.map((r) => r.action),
    ["saved-report.create", "saved-report.update", "saved-report.delete"],
  );
  t.is(JSON.parse(rows[0]!.before_json ?? "null"), null);
  t.is(JSON.parse(rows[0]!.after_json!).category, "Audit");
  t.is(JSON.parse(rows[1]!.before_json!).category, "Audit");
  t.is(JSON.parse(rows[1]!.after_json!).category, "Audit 2");
  t.is(JSON.parse(rows[2]!.before_json!).category, "Audit 2");
  t.is(JSON.parse(rows[2]!.after_json ?? "null"), null);
  t.is(rows[0]!.actor_name, adminName);
});

test("a layout over the last N days covers the whole days before today in the facility's time zone", async (t) => {
  const s = await save(
    faA,
    layout({
      name: "Last two days",
      category: "Daily",
      baseReport: "daily-volume",
      facilityId: facilityA,
      columns: ["date", "calls", "duration"],
      sort: [{ key: "date", dir: "desc" }],
      criteria: {},
      periodDays: 2,
    }),
  );
  const r = (await faA.get(`/api/reports/saved/${s.id}/run`)).json() as ReportResult;
  // The clock is 2026-03-04 10:00 in Los Angeles (UTC-8): 03-02 and 03-03, midnight to midnight.
  t.is(r.criteria.from, "2026-03-02T08:00:00.000Z");
  t.is(r.criteria.to, "2026-03-04T08:00:00.000Z");
  t.deepEqual(column(r, "date"), ["2026-03-03", "2026-03-02"]);
  t.deepEqual(column(r, "calls"), [2, 2]);
});

/** `run` is `declared` with some left out (a report whose columns depend on its query), order kept. */
function within(run: string[], declared: string[]): boolean {
  let at = 0;
  for (const k of run) {
    at = declared.indexOf(k, at);
    if (at < 0) return false;
    at++;
  }
  return true;
}

test("every report declares the columns its run answers, in order", async (t) => {
  const list = (await admin.get("/api/reports")).json() as { id: string; columns: string[] }[];
  t.is(list.length, 15);
  const q = `from=${period.from}&to=${period.to}`;
  const queries: Record<string, string[]> = {
    "call-summary": [`${q}&groupBy=facility`],
    "frequent-numbers": [`${q}&minCalls=1`],
    "grade-of-blocking": [`${q}&intervalMin=60&by=station`, `${q}&intervalMin=60&by=call-type`],
    "number-usage": ["number=5105550100"],
    "approved-numbers": ["number=5105550100"],
    "local-exchanges": [""],
    "usage-against-limits": [""],
    "blocked-numbers": [""],
  };
  for (const info of list) {
    const seen = new Set<string>();
    for (const query of queries[info.id] ?? [q]) {
      const res = await admin.get(`/api/reports/${info.id}${query ? `?${query}` : ""}`);
      t.is(res.statusCode, 200, `${info.id}: ${res.body}`);
      const keys = (res.json() as ReportResult).columns.map((c) => c.key);
      t.true(within(keys, info.columns), `${info.id}: ${keys.join()} not within ${info.columns.join()}`);
      for (const k of keys) seen.add(k);
    }
    t.deepEqual([...seen].sort(), [...info.columns].sort(), info.id);
  }
});
