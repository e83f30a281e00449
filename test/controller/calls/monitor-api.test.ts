/**
 * The monitoring API over the real call service: an investigator asks for a monitor through
 * the HTTP routes, the controller calls the registered station (our own user agent), the live
 * list shows it attached, barge-in reaches the inmate, and the station hanging up is written to
 * the audit trail under the investigator. Another facility's investigator cannot reach the call.
 */
import test from "ava";
import { DEMO_NUMBERS } from "../../../controller/domain/seed.ts";
import type { Call } from "../../../telephony/api.ts";
import { until } from "../../telephony/ua/helpers.ts";
import {
  adminName,
  adminPassword,
  facilityA,
  facilityB,
  makeUser,
  signIn,
  startDomainHarness,
} from "../api/app-harness.ts";
import { answerAndPress, delay, national, startHarness } from "./harness.ts";
import { listen, sendTone, setUpStation } from "./monitor-helpers.ts";

test("an investigator monitors a real call through the API, barges in, and the station's hang-up is audited", async (t) => {
  const h = await startHarness({ beepIntervalSec: 0, brandingMaxSec: 0 });
  t.teardown(() => h.close());
  const api = await startDomainHarness(() => ({
    live: {
      calls: h.svc.calls,
      events: h.svc.bus,
      monitors: h.svc.monitors,
      stations: { directory: h.svc.stations, registered: (a) => h.svc.stationRegistered(a) },
    },
  }));
  t.teardown(() => api.close());
  const admin = await signIn(api.app, adminName, adminPassword);
  const invA = await makeUser(api, admin, {
    username: "inv-a",
    level: "Investigator (LEIU/ISU)",
    facilityIds: [facilityA],
  });
  const invB = await makeUser(api, admin, {
    username: "inv-b",
    level: "Investigator (LEIU/ISU)",
    facilityIds: [facilityB],
  });

  const set = await setUpStation(h, "monitor-control-room", "Control room");
  const stationEp = set.ep;
  t.teardown(() => stationEp.libDestroy());
  const desk = set.account;
  const offered = (await invA.get("/api/monitor-stations")).json() as Array<{ id: string; registered: boolean }>;
  t.like(offered, [{ id: set.station.id, registered: true }]);
  let station: Call | undefined;
  desk.on("incomingCall", (c) => {
    station = c;
    void c.answer();
  });

  const party = answerAndPress(h, "1");
  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.family)}#`);
  const { callId } = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  const body = { mode: "silent", stationId: set.station.id };

  t.is((await invB.post(`/api/live-calls/${callId}/monitors`, body)).statusCode, 404);
  const started = await invA.post(`/api/live-calls/${callId}/monitors`, body);
  t.is(started.statusCode, 202, started.body);
  const monitorId = (started.json() as { monitor: { monitorId: string } }).monitor.monitorId;
  const monitorsOf = async () =>
    ((await invA.get("/api/live-calls")).json() as Array<{ callId: string; monitors: Array<{ state: string }> }>).find(
      (c) => c.callId === callId,
    )?.monitors ?? [];
  for (let i = 0; i < 100 && (await monitorsOf())[0]?.state !== "active"; i++) await delay(100);
  t.like((await monitorsOf())[0], { monitorId, state: "active", mode: "silent", station: "Control room" });

  const stops = [sendTone(stationEp, station!, 1800)];
  t.teardown(() => {
    for (const s of stops) s();
  });
  const barge = await invA.patch(`/api/live-calls/${callId}/monitors/${monitorId}`, { mode: "barge" });
  t.is(barge.statusCode, 200, barge.body);
  await delay(200);
  const inmateEar = await listen(h.handsetEp, handset, h.dir, "inmate");
  await delay(2000);
  const heard = await inmateEar.stop();
  t.true(heard(1800) >= 1.2, `the inmate hears the barging station: ${heard(1800)} s`);

  await station!.hangup();
  await until(() => h.svc.monitors.list(callId).length === 0, 10_000, "monitor ended");
  let entries: Array<{ actorName: string; after: { cause: string } }> = [];
  for (let i = 0; i < 50 && entries.length === 0; i++) {
    entries = (await admin.get(`/api/audit?action=call.monitor-end&entityId=${callId}`)).json().entries;
    if (entries.length === 0) await delay(100);
  }
  t.is(entries.length, 1);
  t.like(entries[0], { actorName: "inv-a", after: { cause: "station-hung-up" } });
  const trail = (await admin.get(`/api/audit?entityId=${callId}`)).json().entries as Array<{ action: string }>;
  t.deepEqual(trail.map((e) => e.action).sort(), ["call.monitor-end", "call.monitor-mode", "call.monitor-start"]);
  await party.call()!.hangup();
  await h.waitEvent("call.ended", (c) => c.callId === callId);
});
