/**
 * The live-monitoring routes through inject(): validation, authorization (monitor and barge
 * permissions, facility scope), refusals (privileged, not connected, unknown call; unknown,
 * disabled, other facility's or unregistered station), the audit trail (written before the
 * monitor starts), and the monitors on the live list and feed (only to users who may monitor). The monitoring stations are the
 * stand-in over FakeCalls; the real ones are exercised in test/controller/calls/monitor*.test.ts.
 */
import test from "ava";
import WebSocket from "ws";
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
import { FakeCalls, FakeMonitors } from "./live-fakes.ts";

let h: Harness;
let calls: FakeCalls;
let monitors: FakeMonitors;
let admin: Client;
/** Investigator of facility A: monitor and barge. */
let invA: Client;
/** Monitoring officer of facility A: monitor, not barge. */
let officerA: Client;
/** Data-entry clerk of facility A: no monitoring at all. */
let clerkA: Client;
/** Investigator of facility B only. */
let invB: Client;

test.before(async () => {
  calls = new FakeCalls();
  monitors = new FakeMonitors(calls);
  h = await startDomainHarness(() => ({ live: { calls, events: calls.bus, monitors } }));
  admin = await signIn(h.app, adminName, adminPassword);
  invA = await makeUser(h, admin, { username: "inv-a", level: "Investigator (LEIU/ISU)", facilityIds: [facilityA] });
  officerA = await makeUser(h, admin, { username: "officer-a", level: "Monitoring Officer", facilityIds: [facilityA] });
  clerkA = await makeUser(h, admin, { username: "clerk-a", level: "Data Entry Clerk", facilityIds: [facilityA] });
  invB = await makeUser(h, admin, { username: "inv-b", level: "Investigator (LEIU/ISU)", facilityIds: [facilityB] });
  calls.start({ callId: "call-a", facilityId: facilityA });
  calls.start({ callId: "call-b", facilityId: facilityB, housingUnitId: "north-unit-1" });
  calls.start({ callId: "call-privileged", facilityId: facilityA, monitorable: false, callType: "attorney" });
  calls.start({ callId: "call-ringing", facilityId: facilityA, phase: "dialling", acceptedAt: undefined });
  const station = (
    id: string,
    name: string,
    facilityIds: string[],
    more: { enabled?: boolean; registered?: boolean } = {},
  ) => monitors.stations.set(id, { id, name, facilityIds, enabled: true, registered: true, ...more });
  station("st-desk-2", "Desk 2", [facilityA]);
  station("st-north", "North control room", [facilityB]);
  station("st-off", "Old desk", [facilityA], { enabled: false });
  station("st-unplugged", "Desk 9", [facilityA], { registered: false });
});
test.after.always(async () => {
  await h?.close();
});

const monitorsOf = (callId: string) => calls.calls.get(callId)?.monitors ?? [];

test.serial(
  "an officer starts a silent monitor on a registered station; it is listed, audited and can be stopped",
  async (t) => {
    const res = await officerA.post("/api/live-calls/call-a/monitors", { mode: "silent", stationId: "st-desk-1" });
    t.is(res.statusCode, 202, res.body);
    const { monitor } = res.json() as { monitor: { monitorId: string; state: string; startedBy: string } };
    t.is(monitor.state, "calling");
    t.is(monitor.startedBy, "officer-a");
    t.like(monitors.requests.at(-1), {
      callId: "call-a",
      mode: "silent",
      stationId: "st-desk-1",
      monitorId: monitor.monitorId,
      by: { username: "officer-a" },
    });
    await new Promise((r) => setTimeout(r, 20));
    // The live list shows the call's monitors.
    const list = (await officerA.get("/api/live-calls")).json() as Array<{ callId: string; monitors: unknown[] }>;
    t.like(list.find((c) => c.callId === "call-a")!.monitors[0], {
      monitorId: monitor.monitorId,
      mode: "silent",
      stationId: "st-desk-1",
      station: "Desk 1",
      state: "active",
    });
    t.is(((await officerA.get("/api/live-calls/call-a/monitors")).json() as unknown[]).length, 1);

    const started = (await admin.get("/api/audit?action=call.monitor-start&entityId=call-a")).json();
    t.is(started.total, 1);
    t.is(started.entries[0].actorName, "officer-a");
    t.like(started.entries[0].after, {
      mode: "silent",
      stationId: "st-desk-1",
      station: "Desk 1",
      monitorId: monitor.monitorId,
    });
    t.truthy(Date.parse(started.entries[0].at));

    // Changing to beep is a monitor action; to barge needs the barge permission, which a
    // monitoring officer does not have (refused and audited, mode unchanged).
    const beep = await officerA.patch(`/api/live-calls/call-a/monitors/${monitor.monitorId}`, { mode: "beep" });
    t.is(beep.statusCode, 200, beep.body);
    t.is(monitorsOf("call-a")[0]?.mode, "beep");
    const barge = await officerA.patch(`/api/live-calls/call-a/monitors/${monitor.monitorId}`, { mode: "barge" });
    t.is(barge.statusCode, 403);
    t.is(barge.json().error.code, "forbidden");
    t.is(monitorsOf("call-a")[0]?.mode, "beep");
    const denied = (await admin.get("/api/audit?action=access.denied&actor=officer-a")).json();
    t.true(denied.entries.some((e: { after: { needed: string[] } }) => e.after.needed.includes("action.barge")));
    const changed = (await admin.get("/api/audit?action=call.monitor-mode&entityId=call-a")).json();
    t.is(changed.total, 1);
    t.like(changed.entries[0], { actorName: "officer-a", before: { mode: "silent" }, after: { mode: "beep" } });

    const stop = await officerA.del(`/api/live-calls/call-a/monitors/${monitor.monitorId}`);
    t.is(stop.statusCode, 200);
    t.deepEqual(monitorsOf("call-a"), []);
    t.is((await officerA.del(`/api/live-calls/call-a/monitors/${monitor.monitorId}`)).statusCode, 404);
    const stopped = (await admin.get("/api/audit?action=call.monitor-stop&entityId=call-a")).json();
    t.is(stopped.total, 1);
    t.like(stopped.entries[0], { actorName: "officer-a", before: { mode: "beep", station: "Desk 1" } });
  },
);

test.serial("an investigator barges in; two monitors on one call", async (t) => {
  const one = await invA.post("/api/live-calls/call-a/monitors", { mode: "barge", stationId: "st-desk-2" });
  t.is(one.statusCode, 202, one.body);
  const two = await officerA.post("/api/live-calls/call-a/monitors", { mode: "beep", stationId: "st-desk-1" });
  t.is(two.statusCode, 202, two.body);
  t.deepEqual(
    monitorsOf("call-a").map((m) => [m.mode, m.startedBy]),
    [
      ["barge", "inv-a"],
      ["beep", "officer-a"],
    ],
  );
  // The officer may not start in barge mode either.
  t.is(
    (await officerA.post("/api/live-calls/call-a/monitors", { mode: "barge", stationId: "st-desk-1" })).statusCode,
    403,
  );
  for (const m of monitorsOf("call-a")) await invA.del(`/api/live-calls/call-a/monitors/${m.monitorId}`);
  t.deepEqual(monitorsOf("call-a"), []);
});

test.serial("requests are validated: mode, station, unknown fields; no free-form SIP address is taken", async (t) => {
  const post = (body: unknown) => invA.post("/api/live-calls/call-a/monitors", body);
  const before = monitors.requests.length;
  for (const body of [
    {},
    { mode: "silent" },
    { stationId: "st-desk-1" },
    { mode: "loud", stationId: "st-desk-1" },
    { mode: "silent", stationId: "" },
    { mode: "silent", stationId: "sip:desk-4@10.1.2.3:5060" },
    { mode: "silent", station: "sip:desk-4@10.1.2.3:5060" },
    { mode: "silent", station: "monitor-desk-1" },
    { mode: "silent", stationId: "st-desk-1", station: "sip:carrier@203.0.113.9" },
    { mode: "silent", stationId: "st-desk-1", extra: true },
  ]) {
    const res = await post(body);
    t.is(res.statusCode, 400, JSON.stringify(body));
    t.is(res.json().error.code, "validation_failed");
  }
  t.is((await post({ mode: "silent", stationId: "st-nowhere" })).statusCode, 404);
  const unregistered = await post({ mode: "silent", stationId: "st-unplugged" });
  t.is(unregistered.statusCode, 422);
  t.is(unregistered.json().error.code, "station_unavailable");
  t.regex(unregistered.json().error.message, /not registered/);
  const disabled = await post({ mode: "silent", stationId: "st-off" });
  t.is(disabled.statusCode, 422);
  t.is(disabled.json().error.code, "station_unavailable");
  // Another facility's station is not used for this facility's call, whoever asks.
  const other = await admin.post("/api/live-calls/call-a/monitors", { mode: "silent", stationId: "st-north" });
  t.is(other.statusCode, 422);
  t.is(monitors.requests.length, before, "no station was called");
  const refusals = (await admin.get("/api/audit?action=call.monitor-start&entityId=call-a")).json().entries as Array<{
    after: { stationId: string; refused?: string };
  }>;
  t.like(refusals.find((e) => e.after.stationId === "st-north")?.after, { refused: "station-not-allowed" });
  t.is((await invA.patch("/api/live-calls/call-a/monitors/mon-999", { mode: "silent" })).statusCode, 404);
  t.is((await invA.patch("/api/live-calls/call-a/monitors/mon-999", { mode: "quiet" })).statusCode, 400);
});

test.serial(
  "refusals: privileged calls, calls not yet accepted, unknown calls, users without the permission, other facilities",
  async (t) => {
    const body = { mode: "silent", stationId: "st-desk-1" };
    const northBody = { mode: "silent", stationId: "st-north" };
    const before = monitors.requests.length;

    const privileged = await admin.post("/api/live-calls/call-privileged/monitors", body);
    t.is(privileged.statusCode, 403);
    t.is(privileged.json().error.code, "call_not_monitorable");
    t.regex(privileged.json().error.message, /Privileged calls are never monitored/);
    const refused = (await admin.get("/api/audit?action=call.monitor-start&entityId=call-privileged")).json();
    t.is(refused.total, 1);
    t.is(refused.entries[0].after.refused, "not-monitorable");

    const ringing = await invA.post("/api/live-calls/call-ringing/monitors", body);
    t.is(ringing.statusCode, 409);
    t.is(ringing.json().error.code, "conflict");

    t.is((await invA.post("/api/live-calls/no-such-call/monitors", body)).statusCode, 404);

    const clerk = await clerkA.post("/api/live-calls/call-a/monitors", body);
    t.is(clerk.statusCode, 403);
    t.is(clerk.json().error.code, "forbidden");

    // Another facility's call reads exactly like a missing one, for every monitor route.
    const crossStart = await invA.post("/api/live-calls/call-b/monitors", body);
    t.is(crossStart.statusCode, 404);
    t.is(crossStart.json().error.code, "not_found");
    t.is((await invA.get("/api/live-calls/call-b/monitors")).statusCode, 404);
    const mine = await invB.post("/api/live-calls/call-b/monitors", northBody);
    t.is(mine.statusCode, 202, mine.body);
    const id = (mine.json() as { monitor: { monitorId: string } }).monitor.monitorId;
    t.is((await invA.patch(`/api/live-calls/call-b/monitors/${id}`, { mode: "barge" })).statusCode, 404);
    t.is((await invA.del(`/api/live-calls/call-b/monitors/${id}`)).statusCode, 404);
    t.is(monitorsOf("call-b").length, 1);
    t.is((await invB.del(`/api/live-calls/call-b/monitors/${id}`)).statusCode, 200);
    t.is(monitors.requests.length, before + 1, "only the allowed request reached the stations");
  },
);

test.serial("the live feed shows monitors as they change, and tells why one ended; the end is audited", async (t) => {
  const base = (await h.app.listen({ host: "127.0.0.1", port: 0 })).replace("http", "ws");
  const ws = new WebSocket(`${base}/api/live`, { headers: { cookie: invA.cookie } });
  const messages: Array<{
    type: string;
    call?: { callId: string; monitors: Array<{ state: string }> };
    reason?: string;
    callId?: string;
  }> = [];
  ws.on("message", (d) => messages.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once("open", r));
  const res = await invA.post("/api/live-calls/call-a/monitors", { mode: "silent", stationId: "st-desk-1" });
  const id = (res.json() as { monitor: { monitorId: string } }).monitor.monitorId;
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  await until(() => messages.some((m) => m.call?.monitors?.[0]?.state === "active"));
  t.deepEqual(
    messages
      .filter((m) => m.type === "call" && m.call?.callId === "call-a")
      .map((m) => m.call!.monitors.map((x) => x.state)),
    [["calling"], ["active"]],
  );
  // A facility-B call's monitors never reach a facility-A viewer.
  await invB.post("/api/live-calls/call-b/monitors", { mode: "silent", stationId: "st-north" });
  monitors.hangUp("call-a", id);
  await until(() => messages.some((m) => m.type === "monitor-ended"));
  const ended = messages.find((m) => m.type === "monitor-ended")!;
  t.is(ended.callId, "call-a");
  t.is(ended.reason, "The monitoring station hung up");
  t.false(messages.some((m) => m.call?.callId === "call-b" || m.callId === "call-b"));
  const audit = (await admin.get("/api/audit?action=call.monitor-end&entityId=call-a")).json();
  t.is(audit.total, 1);
  t.like(audit.entries[0], { actorName: "inv-a", after: { cause: "station-hung-up" } });
  ws.close();
});

/** The feed's address (the server listens once, for the first test that needs it). */
async function wsBase(): Promise<string> {
  const port = (h.app.server.address() as { port: number } | null)?.port;
  return port ? `ws://127.0.0.1:${port}` : (await h.app.listen({ host: "127.0.0.1", port: 0 })).replace("http", "ws");
}

test.serial("stopping a monitor reaches the feed as stopped by the officer, not as a failure", async (t) => {
  const base = await wsBase();
  const ws = new WebSocket(`${base}/api/live`, { headers: { cookie: invA.cookie } });
  const messages: Array<{ type: string; cause?: string; by?: string; reason?: string }> = [];
  ws.on("message", (d) => messages.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once("open", r));
  const res = await officerA.post("/api/live-calls/call-a/monitors", { mode: "silent", stationId: "st-desk-1" });
  const id = (res.json() as { monitor: { monitorId: string } }).monitor.monitorId;
  t.is((await officerA.del(`/api/live-calls/call-a/monitors/${id}`)).statusCode, 200);
  for (let i = 0; i < 200 && !messages.some((m) => m.type === "monitor-ended"); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  t.like(
    messages.find((m) => m.type === "monitor-ended"),
    { cause: "stopped", by: "officer-a" },
  );
  // A stop is audited once, as the stop; not again as an end nobody asked for.
  await new Promise((r) => setTimeout(r, 50));
  const ends = (await admin.get("/api/audit?action=call.monitor-end&entityId=call-a")).json();
  t.false(
    (ends.entries as Array<{ before: { monitorId: string } }>).some((e) => e.before.monitorId === id),
    "no end entry for a stop",
  );
  ws.close();
});

test.serial("who is monitoring is hidden from users who may see live calls but not monitor", async (t) => {
  const tech = await makeUser(h, admin, {
    username: "tech-a",
    level: "Contractor Technician",
    facilityIds: [facilityA],
  });
  const res = await officerA.post("/api/live-calls/call-a/monitors", { mode: "silent", stationId: "st-desk-1" });
  const id = (res.json() as { monitor: { monitorId: string } }).monitor.monitorId;
  await new Promise((r) => setTimeout(r, 20));
  const seen = (await tech.get("/api/live-calls")).json() as Array<{ callId: string; monitors: unknown[] }>;
  t.truthy(
    seen.find((c) => c.callId === "call-a"),
    "the technician sees the call",
  );
  t.deepEqual(seen.find((c) => c.callId === "call-a")!.monitors, []);
  const dash = (await tech.get("/api/dashboard")).json() as { calls: Array<{ callId: string; monitors: unknown[] }> };
  t.deepEqual(dash.calls.find((c) => c.callId === "call-a")!.monitors, []);
  t.is((await tech.get("/api/live-calls/call-a/monitors")).statusCode, 403);
  // The officer still sees it.
  const mine = (await officerA.get("/api/live-calls")).json() as Array<{ callId: string; monitors: unknown[] }>;
  t.is(mine.find((c) => c.callId === "call-a")!.monitors.length, 1);

  // The feed: no monitors in call messages, no monitor-ended messages.
  const port = (h.app.server.address() as { port: number } | null)?.port;
  const base = port
    ? `ws://127.0.0.1:${port}`
    : (await h.app.listen({ host: "127.0.0.1", port: 0 })).replace("http", "ws");
  const ws = new WebSocket(`${base}/api/live`, { headers: { cookie: tech.cookie } });
  const messages: Array<{ type: string; calls?: Array<{ monitors: unknown[] }>; call?: { monitors: unknown[] } }> = [];
  ws.on("message", (d) => messages.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once("open", r));
  await officerA.patch(`/api/live-calls/call-a/monitors/${id}`, { mode: "beep" });
  await officerA.del(`/api/live-calls/call-a/monitors/${id}`);
  await new Promise((r) => setTimeout(r, 100));
  t.true(messages.some((m) => m.type === "snapshot"));
  t.true(
    messages.some((m) => m.type === "call"),
    "the technician's feed goes on",
  );
  for (const m of messages) {
    t.not(m.type, "monitor-ended");
    for (const c of m.calls ?? []) t.deepEqual(c.monitors, []);
    if (m.call) t.deepEqual(m.call.monitors, []);
  }
  ws.close();
});

test.serial("the start and a barge-in are audited before they take effect: no trail, no monitor", async (t) => {
  const record = h.access.audit.record;
  const before = monitors.requests.length;
  h.access.audit.record = async () => {
    throw new Error("the audit store is unavailable");
  };
  let res: Awaited<ReturnType<typeof invA.post>>;
  try {
    res = await invA.post("/api/live-calls/call-a/monitors", { mode: "silent", stationId: "st-desk-1" });
  } finally {
    h.access.audit.record = record;
  }
  t.is(res.statusCode, 500);
  t.is(monitors.requests.length, before, "the station was never called");
  t.deepEqual(monitorsOf("call-a"), []);

  const ok = await invA.post("/api/live-calls/call-a/monitors", { mode: "silent", stationId: "st-desk-1" });
  const id = (ok.json() as { monitor: { monitorId: string } }).monitor.monitorId;
  h.access.audit.record = async () => {
    throw new Error("the audit store is unavailable");
  };
  let barge: Awaited<ReturnType<typeof invA.patch>>;
  try {
    barge = await invA.patch(`/api/live-calls/call-a/monitors/${id}`, { mode: "barge" });
  } finally {
    h.access.audit.record = record;
  }
  t.is(barge.statusCode, 500);
  t.is(monitorsOf("call-a")[0]?.mode, "silent", "not barged in");
  await invA.del(`/api/live-calls/call-a/monitors/${id}`);
});
