import test from "ava";
import type { FastifyInstance } from "fastify";
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
import type { BankState } from "../../../controller/banks/bank-state.ts";
import { FakeCalls } from "./live-fakes.ts";
import { recordedCall } from "./recording-fixture.ts";

let h: Harness;
let calls: FakeCalls;
let admin: Client;
let faA: Client;
let clerkA: Client;
const started = Date.UTC(2026, 2, 4, 18, 0, 0);

test.before(async () => {
  calls = new FakeCalls();
  const bank = (boardId: string, connected: boolean) =>
    ({
      boardId,
      board: "sim",
      firmwareVersion: "1",
      connected,
      journalId: "j",
      lastSeq: 0,
      handsets: { h1: { unit: "A", state: "idle", offHook: true }, h2: { unit: "A", state: "idle", offHook: false } },
      units: {},
      serviceAvailable: connected,
      faults: connected ? [] : ["link lost"],
    }) as unknown as BankState;
  const banks = { all: () => [bank("demo-bank-a", true), bank("unknown-board", false)] };
  h = await startDomainHarness((_ds, dir) => ({ live: { calls, events: calls.bus, banks }, recordings: { dir } }));
  const ds = (h as Harness & { ds: Parameters<typeof recordedCall>[0] }).ds;
  await recordedCall(ds, h.dir, {
    id: "rec-a",
    facilityId: facilityA,
    facilityName: "A",
    stationId: "demo-st-1",
    inmateName: "John Miller",
    destination: "+12132011234",
    startedAt: started,
  });
  await recordedCall(ds, h.dir, {
    id: "rec-b",
    facilityId: facilityB,
    facilityName: "B",
    stationId: "north-st",
    inmateName: "Nora North",
    destination: "+19165550100",
    startedAt: started,
  });
  admin = await signIn(h.app, adminName, adminPassword);
  faA = await makeUser(h, admin, { username: "inv-a", level: "Facility Administrator", facilityIds: [facilityA] });
  clerkA = await makeUser(h, admin, { username: "clerk-a", level: "Data Entry Clerk", facilityIds: [facilityA] });
});
test.after.always(async () => {
  await h?.close();
});

test.serial("calls in progress are listed only for the caller's facilities", async (t) => {
  calls.start({ callId: "call-a", facilityId: facilityA });
  calls.start({ callId: "call-b", facilityId: facilityB, housingUnitId: "north-unit-1" });
  const mine = (await faA.get("/api/live-calls")).json() as { callId: string }[];
  t.deepEqual(
    mine.map((c) => c.callId),
    ["call-a"],
  );
  t.is(((await admin.get("/api/live-calls")).json() as unknown[]).length, 2);
  t.is((await clerkA.get("/api/live-calls")).statusCode, 403);
});

test.serial("State personnel can manually terminate a call; another facility's call cannot be reached", async (t) => {
  t.is((await faA.post("/api/live-calls/call-b/terminate")).statusCode, 404);
  t.true(calls.calls.has("call-b"));
  const res = await faA.post("/api/live-calls/call-a/terminate");
  t.is(res.statusCode, 200);
  t.true(res.json().terminated);
  t.deepEqual(calls.terminated.at(-1), { callId: "call-a", by: "inv-a" });
  const audit = (await admin.get("/api/audit?action=call.terminate&entityId=call-a")).json();
  t.is(audit.total, 1);
  t.is((await clerkA.post("/api/live-calls/call-b/terminate")).statusCode, 403);
  t.is((await faA.post("/api/live-calls/terminate-group", { facilityId: facilityB })).statusCode, 404);
  t.is((await faA.post("/api/live-calls/terminate-group", { housingUnitId: "x" })).statusCode, 400);
});

async function listen(app: FastifyInstance): Promise<string> {
  const addr = await app.listen({ host: "127.0.0.1", port: 0 });
  return addr.replace("http", "ws");
}

test.serial("the live feed pushes each call as it starts and ends, only within the caller's facilities", async (t) => {
  const base = await listen(h.app);
  const ws = new WebSocket(`${base}/api/live`, { headers: { cookie: faA.cookie } });
  const messages: { type: string; call?: { callId: string }; calls?: unknown[] }[] = [];
  const waiters: (() => void)[] = [];
  ws.on("message", (d) => {
    messages.push(JSON.parse(String(d)));
    for (const w of waiters.splice(0)) w();
  });
  const got = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${messages.length} messages`)), 10_000);
      const check = () => {
        if (messages.length >= n) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  const first = got(1);
  await new Promise((r) => ws.once("open", r));
  await first;
  t.is(messages[0]?.type, "snapshot");
  const more = got(3);
  calls.start({ callId: "call-b2", facilityId: facilityB });
  calls.start({ callId: "call-a2", facilityId: facilityA });
  calls.terminate("call-a2", "test");
  await more;
  t.deepEqual(
    messages.slice(1).map((m) => `${m.type}:${m.call?.callId}`),
    ["call:call-a2", "ended:call-a2"],
  );
  ws.close();
  const anon = new WebSocket(`${base}/api/live`);
  const status = await new Promise<number>((resolve) =>
    anon.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
  );
  t.is(status, 401);
});

test.serial("a recording plays with byte ranges for seeking, and the play is audited", async (t) => {
  const full = await faA.get("/api/recordings/rec-a/audio");
  t.is(full.statusCode, 200);
  t.is(full.headers["content-type"], "audio/wav");
  t.is(full.headers["accept-ranges"], "bytes");
  const part = await faA.request({
    method: "GET",
    url: "/api/recordings/rec-a/audio",
    headers: { range: "bytes=1000-1999" },
  });
  t.is(part.statusCode, 206);
  t.is(part.rawPayload.length, 1000);
  t.regex(String(part.headers["content-range"]), /^bytes 1000-1999\/\d+$/);
  t.is((await admin.get("/api/audit?action=recording.play&entityId=rec-a")).json().total, 1);
});

test.serial("a download carries its SHA-256 and the seal verifies it", async (t) => {
  const dl = await faA.get("/api/recordings/rec-a/download");
  t.is(dl.statusCode, 200);
  const { createHash } = await import("node:crypto");
  const sha = createHash("sha256").update(dl.rawPayload).digest("hex");
  t.is(dl.headers["x-recording-sha256"], sha);
  const seal = (await faA.get("/api/recordings/rec-a/seal")).json();
  t.is(seal.sha256, sha);
  t.truthy(seal.signature);
});

test.serial("recordings of another facility, or without the permission, are refused", async (t) => {
  t.is((await faA.get("/api/recordings/rec-b/audio")).statusCode, 404);
  t.is((await faA.get("/api/recordings/rec-b/download")).statusCode, 404);
  t.is((await clerkA.get("/api/recordings/rec-a/audio")).statusCode, 403);
  t.is((await h.app.inject({ method: "GET", url: "/api/recordings/rec-a/audio" })).statusCode, 401);
  t.is((await faA.get("/api/recordings/bad%20id/audio")).statusCode, 400);
});

test.serial("the recording search finds calls by the spec's criteria", async (t) => {
  const hit = (
    await faA.get("/api/call-records?recordedOnly=true&destination=%2B12132011234&minDurationSec=10&inmateName=miller")
  ).json() as { id: string }[];
  t.deepEqual(
    hit.map((r) => r.id),
    ["rec-a"],
  );
  const none = (await faA.get("/api/call-records?recordedOnly=true&maxDurationSec=5")).json() as unknown[];
  t.deepEqual(none, []);
  const cross = (await faA.get("/api/call-records?recordedOnly=true&inmateName=nora")).json() as unknown[];
  t.deepEqual(cross, []);
});

test.serial(
  "call records export as CSV through a job, in the spec's field order, only from the caller's facilities",
  async (t) => {
    const start = await faA.post("/api/exports/call-records", {});
    t.is(start.statusCode, 202, start.body);
    let job = start.json();
    for (let i = 0; i < 200 && job.state === "running"; i++) {
      await new Promise((r) => setImmediate(r));
      job = (await faA.get(`/api/exports/${job.id}`)).json();
    }
    t.is(job.state, "done");
    t.is(job.done, job.total);
    const file = await faA.get(`/api/exports/${job.id}/file`);
    t.is(file.statusCode, 200);
    const lines = file.body.trim().split("\r\n");
    t.true(lines[0]!.startsWith("inmate_name,facility,date,time"));
    t.true(lines.some((l) => l.includes("rec-a")));
    t.false(
      lines.some((l) => l.includes("rec-b")),
      "another facility's record is not exported",
    );
    t.is((await admin.get(`/api/exports/${job.id}/file`)).statusCode, 404, "only the user who asked");
    t.is((await faA.post("/api/exports/call-records", { facilityId: facilityB })).statusCode, 404);
    t.is((await clerkA.post("/api/exports/call-records", {})).statusCode, 403);
  },
);

test.serial(
  "the dashboard counts handsets in use per housing unit and shows bank health within the caller's reach",
  async (t) => {
    calls.start({ callId: "dash-1", facilityId: facilityA, housingUnitId: "demo-unit-c" });
    calls.start({ callId: "dash-2", facilityId: facilityA, housingUnitId: "demo-unit-c" });
    const mine = (await faA.get("/api/dashboard")).json();
    t.deepEqual(
      mine.housingUnits.find((u: { housingUnitId: string }) => u.housingUnitId === "demo-unit-c"),
      { facilityId: facilityA, housingUnitId: "demo-unit-c", inUse: 2 },
    );
    t.deepEqual(
      mine.banks.map((b: { boardId: string; offHook: number; handsets: number }) => [b.boardId, b.offHook, b.handsets]),
      [["demo-bank-a", 1, 2]],
      "a board the domain does not know is not shown to a facility user",
    );
    const all = (await admin.get("/api/dashboard")).json();
    t.is(all.banks.length, 2);
    calls.terminateGroup({ facilityId: facilityA }, "test");
  },
);
