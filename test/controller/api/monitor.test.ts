/**
 * The live-monitoring routes through inject(): validation, authorization (monitor and barge
 * permissions, facility scope), refusals (privileged, not connected, unknown call or station),
 * the audit trail, and the monitors on the live list and feed. The monitoring stations are the
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
});
test.after.always(async () => {
  await h?.close();
});

const monitorsOf = (callId: string) => calls.calls.get(callId)?.monitors ?? [];

test.serial(
  "an officer starts a silent monitor on a registered station; it is listed, audited and can be stopped",
  async (t) => {
    const res = await officerA.post("/api/live-calls/call-a/monitors", { mode: "silent", station: "monitor-desk-1" });
    t.is(res.statusCode, 202, res.body);
    const { monitor } = res.json() as { monitor: { monitorId: string; state: string; startedBy: string } };
    t.is(monitor.state, "calling");
    t.is(monitor.startedBy, "officer-a");
    t.deepEqual(monitors.requests.at(-1), {
      callId: "call-a",
      mode: "silent",
      station: "monitor-desk-1",
      by: { userId: monitors.requests.at(-1)!.by.userId, username: "officer-a" },
    });
    await new Promise((r) => setTimeout(r, 20));
    // The live list shows the call's monitors.
    const list = (await officerA.get("/api/live-calls")).json() as Array<{ callId: string; monitors: unknown[] }>;
    t.like(list.find((c) => c.callId === "call-a")!.monitors[0], {
      monitorId: monitor.monitorId,
      mode: "silent",
      station: "monitor-desk-1",
      state: "active",
    });
    t.is(((await officerA.get("/api/live-calls/call-a/monitors")).json() as unknown[]).length, 1);

    const started = (await admin.get("/api/audit?action=call.monitor-start&entityId=call-a")).json();
    t.is(started.total, 1);
    t.is(started.entries[0].actorName, "officer-a");
    t.like(started.entries[0].after, { mode: "silent", station: "monitor-desk-1", monitorId: monitor.monitorId });
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
    t.like(stopped.entries[0], { actorName: "officer-a", before: { mode: "beep", station: "monitor-desk-1" } });
  },
);

test.serial("an investigator barges in by SIP URI; two monitors on one call", async (t) => {
  const one = await invA.post("/api/live-calls/call-a/monitors", {
    mode: "barge",
    station: "sip:desk-4@10.1.2.3:5060",
  });
  t.is(one.statusCode, 202, one.body);
  const two = await officerA.post("/api/live-calls/call-a/monitors", { mode: "beep", station: "monitor-desk-1" });
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
    (await officerA.post("/api/live-calls/call-a/monitors", { mode: "barge", station: "monitor-desk-1" })).statusCode,
    403,
  );
  for (const m of monitorsOf("call-a")) await invA.del(`/api/live-calls/call-a/monitors/${m.monitorId}`);
  t.deepEqual(monitorsOf("call-a"), []);
});

test.serial("requests are validated: mode, station, unknown fields", async (t) => {
  const post = (body: unknown) => invA.post("/api/live-calls/call-a/monitors", body);
  for (const body of [
    {},
    { mode: "silent" },
    { station: "monitor-desk-1" },
    { mode: "loud", station: "monitor-desk-1" },
    { mode: "silent", station: "" },
    { mode: "silent", station: "desk 4" },
    { mode: "silent", station: "http://example.com/" },
    { mode: "silent", station: "monitor-desk-1", extra: true },
  ]) {
    const res = await post(body);
    t.is(res.statusCode, 400, JSON.stringify(body));
    t.is(res.json().error.code, "validation_failed");
  }
  const unregistered = await post({ mode: "silent", station: "monitor-desk-9" });
  t.is(unregistered.statusCode, 422);
  t.is(unregistered.json().error.code, "station_unavailable");
  t.regex(unregistered.json().error.message, /not registered/);
  t.is((await invA.patch("/api/live-calls/call-a/monitors/mon-999", { mode: "silent" })).statusCode, 404);
  t.is((await invA.patch("/api/live-calls/call-a/monitors/mon-999", { mode: "quiet" })).statusCode, 400);
});

test.serial(
  "refusals: privileged calls, calls not yet accepted, unknown calls, users without the permission, other facilities",
  async (t) => {
    const body = { mode: "silent", station: "monitor-desk-1" };
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
    const mine = await invB.post("/api/live-calls/call-b/monitors", body);
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
  const res = await invA.post("/api/live-calls/call-a/monitors", { mode: "silent", station: "monitor-desk-1" });
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
  await invB.post("/api/live-calls/call-b/monitors", { mode: "silent", station: "monitor-desk-1" });
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
