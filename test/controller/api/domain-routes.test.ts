import test from "ava";
import { DEMO_INMATES } from "../../../controller/domain/seed.ts";
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

let h: Harness;
let admin: Client;
/** A facility administrator of facility A only. */
let faA: Client;
/** A data entry clerk of facility A (no COS, rates, call records). */
let clerkA: Client;
const inmateA = DEMO_INMATES[0].id;

test.before(async () => {
  h = await startDomainHarness();
  admin = await signIn(h.app, adminName, adminPassword);
  faA = await makeUser(h, admin, { username: "fa-a", level: "Facility Administrator", facilityIds: [facilityA] });
  clerkA = await makeUser(h, admin, { username: "clerk-a", level: "Data Entry Clerk", facilityIds: [facilityA] });
});
test.after.always(async () => {
  await h?.close();
});

test("a facility user lists only their own facility", async (t) => {
  const mine = (await faA.get("/api/facilities")).json() as { id: string }[];
  t.deepEqual(
    mine.map((f) => f.id),
    [facilityA],
  );
  const all = (await admin.get("/api/facilities")).json() as { id: string }[];
  t.is(all.length, 2);
});

/** Every read a facility-A user might aim at facility B. The domain answers as if it did not exist. */
const crossReads = [
  `/api/facilities/${facilityB}/structure`,
  `/api/inmates/${inmateB}`,
  `/api/rates?facilityId=${facilityB}`,
  `/api/schedules/facility/${facilityB}`,
  `/api/schedules/inmate/${inmateB}`,
];

for (const url of crossReads) {
  test(`a facility user cannot read another facility's data: GET ${url.replace(/\?.*/, "")}`, async (t) => {
    const res = await faA.get(url);
    t.is(res.statusCode, 404, res.body);
    t.is(res.json().error.code, "not_found");
    t.is((await admin.get(url)).statusCode, 200, "the Central Office can");
  });
}

test("inmate search never returns another facility's inmates, even when asked by facility", async (t) => {
  const asked = (await faA.get(`/api/inmates?facilityId=${facilityB}`)).json() as unknown[];
  t.deepEqual(asked, []);
  const all = (await faA.get("/api/inmates")).json() as { facilityId: string }[];
  t.true(all.length >= 5);
  t.true(all.every((i) => i.facilityId === facilityA));
});

const crossWrites: { name: string; method: "POST" | "PUT" | "PATCH" | "DELETE"; url: string; body?: unknown }[] = [
  { name: "edit an inmate", method: "PATCH", url: `/api/inmates/${inmateB}`, body: { firstName: "X" } },
  { name: "reset a PIN", method: "POST", url: `/api/inmates/${inmateB}/pin-reset` },
  {
    name: "set approved numbers",
    method: "PUT",
    url: `/api/inmates/${inmateB}/approved-numbers`,
    body: [{ number: "2135550100" }],
  },
  { name: "flip a kill switch", method: "PUT", url: `/api/facilities/${facilityB}/enabled`, body: { enabled: false } },
  {
    name: "flip a housing unit switch",
    method: "PUT",
    url: "/api/housing-units/north-unit-1/enabled",
    body: { enabled: false },
  },
  {
    name: "assign a COS",
    method: "PUT",
    url: "/api/cos-assignments",
    body: { level: "inmate", id: inmateB, cosId: null },
  },
  {
    name: "block a number",
    method: "POST",
    url: "/api/blocked-numbers",
    body: { facilityId: facilityB, kind: "number", number: "2135550100", category: "specific", reason: "x" },
  },
  {
    name: "add an agency-wide hot number",
    method: "POST",
    url: "/api/hot-numbers",
    body: { facilityId: null, number: "2135550100", reason: "x", alertTargets: ["desk"] },
  },
  {
    name: "add a rate",
    method: "POST",
    url: "/api/rates",
    body: { facilityId: facilityB, callType: "local", effectiveFrom: "2026-01-01", perMinuteMills: 10 },
  },
  { name: "set a schedule", method: "PUT", url: `/api/schedules/facility/${facilityB}`, body: [] },
];

for (const w of crossWrites) {
  test(`a facility user cannot change another facility's data: ${w.name}`, async (t) => {
    const res = await faA.request({
      method: w.method,
      url: w.url,
      ...(w.body === undefined ? {} : { payload: w.body as object }),
    });
    t.true(res.statusCode === 404 || res.statusCode === 403, `${res.statusCode} ${res.body}`);
  });
}

test("an import into another facility is refused before it starts", async (t) => {
  const res = await faA.request({
    method: "POST",
    url: `/api/imports/blocked-numbers?facilityId=${facilityB}`,
    headers: { "content-type": "text/csv" },
    payload: "number,reason\n2135550100,test\n",
  });
  t.is(res.statusCode, 404);
});

test("call records of another facility are not listed and not readable", async (t) => {
  const rows = (await faA.get(`/api/call-records?facilityId=${facilityB}`)).json() as unknown[];
  t.deepEqual(rows, []);
  t.is((await faA.get("/api/call-records/no-such-record")).statusCode, 404);
});

test("routes refuse users whose level lacks the permission", async (t) => {
  for (const [method, url, body] of [
    ["GET", "/api/call-records"],
    ["GET", `/api/rates?facilityId=${facilityA}`],
    ["PUT", "/api/classes-of-service/cos-standard", { params: {} }],
    ["PUT", `/api/facilities/${facilityA}/enabled`, { enabled: false }],
  ] as const) {
    const res = await clerkA.request({ method, url, ...(body ? { payload: body } : {}) });
    t.is(res.statusCode, 403, `${method} ${url}: ${res.body}`);
  }
  // The clerk may do what the level allows.
  t.is((await clerkA.get(`/api/inmates/${inmateA}`)).statusCode, 200);
});

test("every domain route needs a session", async (t) => {
  for (const url of [
    "/api/facilities",
    "/api/inmates",
    "/api/classes-of-service",
    "/api/blocked-numbers",
    "/api/call-records",
  ]) {
    t.is((await h.app.inject({ method: "GET", url })).statusCode, 401, url);
  }
});

test("inputs are validated: unknown fields, bad types and bad numbers are 400s naming the field", async (t) => {
  const cases: [string, string, unknown, string][] = [
    ["PATCH", `/api/inmates/${inmateA}`, { firstName: "" }, "firstName"],
    ["PATCH", `/api/inmates/${inmateA}`, { shoeSize: 12 }, "shoeSize"],
    ["PUT", `/api/inmates/${inmateA}/approved-numbers`, [{ number: "not a number" }], "number"],
    ["PUT", "/api/cos-assignments", { level: "planet", id: "x", cosId: null }, "level"],
    ["PUT", `/api/facilities/${facilityA}/enabled`, { enabled: "off" }, "enabled"],
    ["POST", "/api/blocked-numbers", { facilityId: facilityA, kind: "number", category: "specific" }, "reason"],
    [
      "POST",
      "/api/rates",
      { facilityId: facilityA, callType: "local", effectiveFrom: "yesterday", perMinuteMills: 1 },
      "effectiveFrom",
    ],
    ["GET", "/api/call-records?from=last-week", undefined, "from"],
    ["GET", "/api/inmates?limit=100000", undefined, "limit"],
  ];
  for (const [method, url, body, field] of cases) {
    const res = await admin.request({
      method: method as "GET",
      url,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    t.is(res.statusCode, 400, `${method} ${url}: ${res.body}`);
    t.is(res.json().error.code, "validation_failed");
    t.true(res.body.includes(field), `${url} names ${field}: ${res.body}`);
  }
});

test("an inmate's detail shows the effective class of service, where each value comes from, and usage", async (t) => {
  const res = await faA.get(`/api/inmates/${inmateA}`);
  t.is(res.statusCode, 200);
  const body = res.json();
  t.is(body.inmate.id, inmateA);
  t.false("pinHash" in body.inmate);
  t.truthy(body.cos.maxDuration.from.level);
  t.is(typeof body.usage.callsDay, "number");
});

test("a PIN reset returns the new PIN once and is audited without it", async (t) => {
  const res = await faA.post(`/api/inmates/${inmateA}/pin-reset`);
  t.is(res.statusCode, 200);
  const pin = res.json().pin as string;
  t.regex(pin, /^\d{6}$/);
  const audit = (await admin.get(`/api/audit?action=inmate.pin-reset&entityId=${inmateA}`)).json();
  t.is(audit.total, 1);
  t.false(JSON.stringify(audit).includes(pin));
});

test("a rate above the FCC cap is refused with the cap's figures; one under it is stored with the check", async (t) => {
  const high = await admin.post("/api/rates", {
    facilityId: facilityA,
    callType: "local",
    effectiveFrom: "2026-03-01",
    perMinuteMills: 900,
  });
  t.is(high.statusCode, 422, high.body);
  t.is(high.json().error.code, "rate_above_cap");
  t.regex(high.json().error.message, /FCC/);
  const ok = await admin.post("/api/rates", {
    facilityId: facilityA,
    callType: "local",
    effectiveFrom: "2026-03-02",
    perMinuteMills: 50,
  });
  t.is(ok.statusCode, 200, ok.body);
  t.truthy(ok.json().capChecked);
});

test("editing a class of service used in a facility the caller does not reach is refused", async (t) => {
  const list = (await admin.get("/api/classes-of-service")).json() as { classes: { id: string; params: object }[] };
  const cos = list.classes[0];
  t.truthy(cos);
  // Put the COS on facility B too, then the facility-A administrator may not edit it.
  t.is((await admin.put("/api/cos-assignments", { level: "facility", id: facilityB, cosId: cos!.id })).statusCode, 200);
  const res = await faA.put(`/api/classes-of-service/${cos!.id}`, { params: cos!.params });
  t.is(res.statusCode, 403);
  t.is((await admin.put(`/api/classes-of-service/${cos!.id}`, { params: cos!.params })).statusCode, 200);
  await admin.put("/api/cos-assignments", { level: "facility", id: facilityB, cosId: null });
});

test("kill switches turn a housing unit off and on, audited with before and after", async (t) => {
  const off = await faA.put("/api/housing-units/demo-unit-b/enabled", { enabled: false });
  t.is(off.statusCode, 200, off.body);
  const s = (await faA.get(`/api/facilities/${facilityA}/structure`)).json() as {
    housingUnits: { id: string; enabled: number }[];
  };
  t.is(s.housingUnits.find((u) => u.id === "demo-unit-b")?.enabled, 0);
  await faA.put("/api/housing-units/demo-unit-b/enabled", { enabled: true });
  const audit = (await admin.get("/api/audit?entityId=demo-unit-b")).json();
  t.is(audit.total, 2);
  t.deepEqual(audit.entries[1].before, { enabled: true });
  t.deepEqual(audit.entries[1].after, { enabled: false });
});

test("a null limit in a class of service stays null (no limit), it is not coerced to 0", async (t) => {
  const list = (await admin.get("/api/classes-of-service")).json() as {
    classes: { id: string; params: Record<string, unknown> }[];
  };
  const general = list.classes.find((c) => c.id === "cos-general")!;
  const params = { ...general.params, maxCalls: { enabled: true, day: 10, week: null, month: null } };
  const res = await admin.put("/api/classes-of-service/cos-general", { params });
  t.is(res.statusCode, 200, res.body);
  t.deepEqual(res.json().params.maxCalls, { enabled: true, day: 10, week: null, month: null });
  const typo = await admin.put("/api/classes-of-service/cos-general", { params: { ...params, maxCals: {} } });
  t.is(typo.statusCode, 400);
});

test("the OpenAPI document describes the domain routes with their input schemas", async (t) => {
  const doc = (await h.app.inject({ method: "GET", url: "/api/openapi.json" })).json() as {
    paths: Record<string, Record<string, { parameters?: { name: string }[]; requestBody?: unknown }>>;
  };
  for (const p of [
    "/api/inmates",
    "/api/inmates/{id}/pin-reset",
    "/api/classes-of-service/{id}",
    "/api/blocked-numbers",
    "/api/imports/blocked-numbers",
    "/api/rates",
    "/api/call-records",
    "/api/exports/call-records",
  ]) {
    t.truthy(doc.paths[p], `missing ${p}`);
  }
  t.truthy(doc.paths["/api/rates"]?.post?.requestBody, "the rate body schema is described");
  t.true((doc.paths["/api/call-records"]?.get?.parameters ?? []).some((x) => x.name === "inmateName"));
});
