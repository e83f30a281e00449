/**
 * The monitoring stations' administration through inject(), over the real directory and
 * store: who may set stations up (administrators, within their facilities), what is stored
 * (digests, never the password), the password shown once at creation and at a reset, and the
 * audit trail with before and after.
 */
import { createHash } from "node:crypto";
import test from "ava";
import { MonitorStationDirectory } from "../../../controller/calls/monitor-station-directory.ts";
import type { DomainStore } from "../../../controller/store/domain-store.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
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

let h: Harness & { ds: DomainStore };
let directory: MonitorStationDirectory;
let admin: Client;
/** Facility administrator of facility A. */
let adminA: Client;
/** Facility administrator of facility B. */
let adminB: Client;
/** Monitoring officer and contractor technician of facility A: may not set stations up. */
let officerA: Client;
let techA: Client;

const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

test.before(async () => {
  const calls = new FakeCalls();
  const monitors = new FakeMonitors(calls);
  h = await startDomainHarness((ds) => {
    directory = new MonitorStationDirectory(ds, "yardline", new VirtualClock());
    return {
      live: {
        calls,
        events: calls.bus,
        monitors,
        stations: { directory, registered: (account) => account === "monitor-control-room" },
      },
    };
  });
  await directory.reload();
  admin = await signIn(h.app, adminName, adminPassword);
  adminA = await makeUser(h, admin, {
    username: "fadmin-a",
    level: "Facility Administrator",
    facilityIds: [facilityA],
  });
  adminB = await makeUser(h, admin, {
    username: "fadmin-b",
    level: "Facility Administrator",
    facilityIds: [facilityB],
  });
  officerA = await makeUser(h, admin, { username: "officer-a", level: "Monitoring Officer", facilityIds: [facilityA] });
  techA = await makeUser(h, admin, { username: "tech-a", level: "Contractor Technician", facilityIds: [facilityA] });
});
test.after.always(async () => {
  await h?.close();
});

test.serial(
  "an administrator sets a station up: its password is shown once and only its digests are kept",
  async (t) => {
    const res = await adminA.post("/api/monitor-stations", { name: "Control Room", facilityIds: [facilityA] });
    t.is(res.statusCode, 201, res.body);
    const { station, password, realm } = res.json() as {
      station: { id: string; account: string; enabled: boolean; facilityIds: string[]; registered: boolean };
      password: string;
      realm: string;
    };
    t.like(station, { account: "monitor-control-room", enabled: true, facilityIds: [facilityA], registered: true });
    t.is(realm, "yardline");
    t.true(password.length >= 24);
    // The registrar gets H(A1) for both algorithms; the row holds no password.
    const a1 = `monitor-control-room:yardline:${password}`;
    t.deepEqual(directory.credential("monitor-control-room", "yardline"), {
      ha1: { MD5: md5(a1), "SHA-256": sha256(a1) },
    });
    const row = await h.ds.raw
      .selectFrom("monitor_stations" as never)
      .selectAll()
      .where("id" as never, "=", station.id as never)
      .executeTakeFirstOrThrow();
    t.false(JSON.stringify(row).includes(password));
    // Listing never shows the credential.
    const listed = (await adminA.get("/api/monitor-stations")).json() as Array<Record<string, unknown>>;
    t.is(listed.length, 1);
    t.false(JSON.stringify(listed).includes(password));
    t.false(JSON.stringify(listed).includes(md5(a1)));
    const audit = (await admin.get(`/api/audit?action=monitor-station.create&entityId=${station.id}`)).json();
    t.is(audit.total, 1);
    t.like(audit.entries[0], {
      actorName: "fadmin-a",
      after: { name: "Control Room", account: "monitor-control-room" },
    });
    t.false(JSON.stringify(audit.entries[0]).includes(password));
    // The same account twice is a conflict.
    const twice = await adminA.post("/api/monitor-stations", { name: "Control room", facilityIds: [facilityA] });
    t.is(twice.statusCode, 409);
  },
);

test.serial(
  "stations are seen and changed only within the caller's facilities, and only by administrators",
  async (t) => {
    const north = await adminB.post("/api/monitor-stations", {
      name: "North desk",
      account: "monitor-north-1",
      facilityIds: [facilityB],
    });
    t.is(north.statusCode, 201, north.body);
    const northId = (north.json() as { station: { id: string } }).station.id;
    // Another facility's station reads as missing; a station for another facility is refused.
    t.false(
      ((await adminA.get("/api/monitor-stations")).json() as Array<{ id: string }>).some((s) => s.id === northId),
    );
    t.is((await adminA.patch(`/api/monitor-stations/${northId}`, { enabled: false })).statusCode, 404);
    t.is((await adminA.post(`/api/monitor-stations/${northId}/credential`)).statusCode, 404);
    const cross = await adminA.post("/api/monitor-stations", { name: "Sneaky", facilityIds: [facilityB] });
    t.is(cross.statusCode, 403);
    t.is(cross.json().error.code, "facility_forbidden");
    // Officers list the stations they may pick (their facilities only) but cannot set one up;
    // a technician who manages phone banks cannot either.
    const officerList = (await officerA.get(`/api/monitor-stations?facilityId=${facilityA}`)).json() as Array<{
      name: string;
    }>;
    t.deepEqual(
      officerList.map((s) => s.name),
      ["Control Room"],
    );
    for (const c of [officerA, techA]) {
      t.is((await c.post("/api/monitor-stations", { name: "Mine", facilityIds: [facilityA] })).statusCode, 403);
    }
    t.is((await techA.get("/api/monitor-stations")).statusCode, 403);
    // A station serving both facilities is changed only by someone who reaches both.
    const both = await admin.post("/api/monitor-stations", { name: "Central", facilityIds: [facilityA, facilityB] });
    const bothId = (both.json() as { station: { id: string } }).station.id;
    const partial = await adminA.patch(`/api/monitor-stations/${bothId}`, { name: "Mine now" });
    t.is(partial.statusCode, 403);
    t.is((await admin.patch(`/api/monitor-stations/${bothId}`, { facilityIds: [facilityB] })).statusCode, 200);
  },
);

test.serial("disabling a station and resetting its credential take effect at once and are audited", async (t) => {
  const st = directory.list().find((s) => s.account === "monitor-control-room")!;
  const revoked: string[] = [];
  const off = directory.onRevoked((s, why) => void revoked.push(`${s.account}:${why}`));
  t.teardown(off);

  const reset = await adminA.post(`/api/monitor-stations/${st.id}/credential`);
  t.is(reset.statusCode, 200, reset.body);
  const { password } = reset.json() as { password: string };
  const a1 = `monitor-control-room:yardline:${password}`;
  t.is(directory.credential("monitor-control-room", "yardline")?.ha1.MD5, md5(a1));
  const resetAudit = (await admin.get(`/api/audit?action=monitor-station.credential-reset&entityId=${st.id}`)).json();
  t.is(resetAudit.total, 1);
  t.false(JSON.stringify(resetAudit.entries[0]).includes(password));

  const disabled = await adminA.patch(`/api/monitor-stations/${st.id}`, { enabled: false });
  t.is(disabled.statusCode, 200, disabled.body);
  t.false((disabled.json() as { enabled: boolean }).enabled);
  t.is(directory.credential("monitor-control-room", "yardline"), undefined, "the registrar refuses it");
  t.deepEqual(revoked, ["monitor-control-room:credential", "monitor-control-room:disabled"]);
  const audit = (await admin.get(`/api/audit?action=monitor-station.disable&entityId=${st.id}`)).json();
  t.is(audit.total, 1);
  t.like(audit.entries[0], { actorName: "fadmin-a", before: { enabled: true }, after: { enabled: false } });

  t.is((await adminA.patch(`/api/monitor-stations/${st.id}`, { enabled: true })).statusCode, 200);
  t.truthy(directory.credential("monitor-control-room", "yardline"));
  // Validation: empty changes, unknown fields, bad accounts.
  t.is((await adminA.patch(`/api/monitor-stations/${st.id}`, {})).statusCode, 400);
  t.is((await adminA.patch(`/api/monitor-stations/${st.id}`, { account: "monitor-x" })).statusCode, 400);
  for (const body of [
    { name: "X", facilityIds: [] },
    { name: "", facilityIds: [facilityA] },
    { name: "X", facilityIds: [facilityA], account: "desk-1" },
    { name: "X", facilityIds: [facilityA], account: "sip:desk@10.0.0.1" },
  ]) {
    t.is((await adminA.post("/api/monitor-stations", body)).statusCode, 400, JSON.stringify(body));
  }
});
