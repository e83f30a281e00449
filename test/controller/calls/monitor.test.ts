/**
 * Live monitoring end to end on loopback: our own user agents are the inmate's handset, the
 * called party and two officers' monitoring stations (one registered with the controller's
 * registrar by name, one reached by SIP URI). Each side sends its own tone; what each side
 * received is recorded and checked by tone detection.
 *
 * inmate 1000 Hz, called party 600 Hz, station one 1800 Hz, station two 2200 Hz; the monitor
 * beep is the reference's recording beep, 1400 Hz (telephony/media/tones.ts). The recording
 * beep to the called party and the branding overlay are off, so a 1400 Hz tone can only be the
 * monitor beep.
 */
import test from "ava";
import { monitorStationPassword } from "../../../controller/call-service.ts";
import type { MonitorEnded } from "../../../controller/calls/events.ts";
import { MonitorError } from "../../../controller/calls/monitor-stations.ts";
import { DEMO_NUMBERS } from "../../../controller/domain/seed.ts";
import type { Call } from "../../../telephony/api.ts";
import { createEndpoint } from "../../../telephony/ua/endpoint.ts";
import { until } from "../../telephony/ua/helpers.ts";
import { delay, startHarness, waitState } from "./harness.ts";
import { answerAndPress, listen, national, sendTone } from "./monitor-helpers.ts";

const INMATE = 1000;
const CALLED = 600;
const STATION_ONE = 1800;
const STATION_TWO = 2200;
const BEEP = 1400;
const officer = { userId: "u-officer", username: "officer.diaz" };

test("silent, beep and barge-in from two stations at once; hanging up a station detaches it; the call's end ends its monitors", async (t) => {
  const h = await startHarness({ beepIntervalSec: 0, brandingMaxSec: 0, monitorBeepIntervalSec: 1 });
  t.teardown(() => h.close());
  const party = answerAndPress(h, "1");
  const ended: MonitorEnded[] = [];
  h.svc.bus.on("monitor.ended", (e) => void ended.push(e));

  // Station one registers with the controller's registrar as "monitor-desk-1" and answers.
  const stationEp = createEndpoint({ userAgent: "test monitoring station" });
  t.teardown(() => stationEp.libDestroy());
  await stationEp.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  const deskOne = stationEp.accountCreate({
    idUri: "sip:monitor-desk-1@127.0.0.1",
    registrarUri: `sip:127.0.0.1:${h.svc.sipPort}`,
    credentials: [
      { realm: "*", username: "monitor-desk-1", password: monitorStationPassword("test-secret", "monitor-desk-1") },
    ],
  });
  t.true((await deskOne.register()).registered);
  // Station two is not registered: the officer gives its SIP URI.
  const stationTwoEp = createEndpoint({ userAgent: "test softphone" });
  t.teardown(() => stationTwoEp.libDestroy());
  const { port: twoPort } = await stationTwoEp.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  const deskTwo = stationTwoEp.accountCreate({ idUri: "sip:desk2@127.0.0.1" });
  let one: Call | undefined;
  let two: Call | undefined;
  deskOne.on("incomingCall", (c) => {
    one = c;
    void c.answer();
  });
  deskTwo.on("incomingCall", (c) => {
    two = c;
    void c.answer();
  });

  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.family)}#`);
  const announcing = await h.waitEvent("call.updated", (c) => c.phase === "announcing");
  const callId = announcing.callId;
  // Before acceptance there is no conversation to monitor.
  const early = t.throws(() =>
    h.svc.monitors.start({ callId, mode: "silent", station: "monitor-desk-1", by: officer }),
  );
  t.is((early as MonitorError).kind, "not-connected");
  await h.waitEvent("call.updated", (c) => c.phase === "connected");
  t.throws(() => h.svc.monitors.start({ callId, mode: "silent", station: "monitor-desk-9", by: officer }), {
    instanceOf: MonitorError,
    message: /not registered/,
  });

  const stops = [sendTone(h.handsetEp, handset, INMATE), sendTone(h.trunk.ep, party.call()!, CALLED)];
  t.teardown(() => {
    for (const s of stops) s();
  });

  // 1. Silent: station one hears both parties; neither party hears station one.
  const m1 = h.svc.monitors.start({ callId, mode: "silent", station: "monitor-desk-1", by: officer });
  t.is(m1.state, "calling");
  await until(() => h.svc.monitors.get(callId, m1.monitorId)?.state === "active", 10_000, "station one attached").catch(
    (err) => {
      throw new Error(`${err.message}; ended: ${JSON.stringify(ended)}; station one: ${one?.getInfo().state}`);
    },
  );
  await waitState(one!, "CONFIRMED");
  stops.push(sendTone(stationEp, one!, STATION_ONE));
  const liveNow = h.svc.calls.live().find((c) => c.callId === callId)!;
  t.deepEqual(
    liveNow.monitors.map((m) => [m.station, m.mode, m.state, m.startedBy]),
    [["monitor-desk-1", "silent", "active", "officer.diaz"]],
  );
  let phase = await hearing(2500);
  t.true(phase.station1(INMATE) >= 1.5, `station one hears the inmate: ${phase.station1(INMATE)} s`);
  t.true(phase.station1(CALLED) >= 1.5, `station one hears the called party: ${phase.station1(CALLED)} s`);
  t.is(phase.inmate(STATION_ONE), 0, "the inmate does not hear a silent monitor");
  t.is(phase.called(STATION_ONE), 0, "the called party does not hear a silent monitor");
  t.is(phase.inmate(BEEP), 0);
  t.is(phase.called(BEEP), 0);

  // 2. Beep: both parties hear the beep (0.5 s every second here); still not the station.
  h.svc.monitors.setMode(callId, m1.monitorId, "beep");
  phase = await hearing(3000);
  t.true(phase.inmate(BEEP) >= 0.8, `the inmate hears the monitor beep: ${phase.inmate(BEEP)} s`);
  t.true(phase.called(BEEP) >= 0.8, `the called party hears the monitor beep: ${phase.called(BEEP)} s`);
  t.is(phase.inmate(STATION_ONE), 0);
  t.is(phase.called(STATION_ONE), 0);

  // 3. Barge-in on station one, and a second, silent monitor by SIP URI.
  h.svc.monitors.setMode(callId, m1.monitorId, "barge");
  const m2 = h.svc.monitors.start({ callId, mode: "silent", station: `sip:desk2@127.0.0.1:${twoPort}`, by: officer });
  await until(() => h.svc.monitors.get(callId, m2.monitorId)?.state === "active", 10_000, "station two attached");
  await waitState(two!, "CONFIRMED");
  stops.push(sendTone(stationTwoEp, two!, STATION_TWO));
  t.is(h.svc.calls.live().find((c) => c.callId === callId)!.monitors.length, 2);
  await delay(300); // the last beep (0.5 s) has finished
  phase = await hearing(2500);
  t.true(phase.inmate(STATION_ONE) >= 1.5, `the inmate hears the barging station: ${phase.inmate(STATION_ONE)} s`);
  t.true(phase.called(STATION_ONE) >= 1.5, `the called party hears it: ${phase.called(STATION_ONE)} s`);
  t.true(phase.station2(INMATE) >= 1.5, `station two hears the inmate: ${phase.station2(INMATE)} s`);
  t.true(phase.station2(CALLED) >= 1.5, `station two hears the called party: ${phase.station2(CALLED)} s`);
  t.is(phase.inmate(STATION_TWO), 0, "nobody hears the silent station");
  t.is(phase.called(STATION_TWO), 0);
  t.is(phase.inmate(BEEP), 0, "no beep once no monitor is in beep mode");
  t.is(phase.called(BEEP), 0);

  // 4. Station one hangs up: it is detached and the parties no longer hear it.
  await one!.hangup();
  await until(() => ended.length === 1, 10_000, "station one's monitor ended");
  t.is(ended[0]!.cause, "station-hung-up");
  t.is(ended[0]!.monitor.monitorId, m1.monitorId);
  t.deepEqual(
    h.svc.calls
      .live()
      .find((c) => c.callId === callId)!
      .monitors.map((m) => m.monitorId),
    [m2.monitorId],
  );
  await delay(200);
  phase = await hearing(1500);
  t.is(phase.inmate(STATION_ONE), 0);
  t.is(phase.called(STATION_ONE), 0);
  t.true(phase.station2(INMATE) >= 1, "station two still hears the call");

  // 5. The call ends: its remaining monitor ends and station two is hung up.
  await handset.hangup();
  const over = await h.waitEvent("call.ended", (c) => c.callId === callId);
  t.deepEqual(over.monitors, []);
  t.is(ended[1]?.cause, "call-ended");
  t.is(ended[1]?.monitor.monitorId, m2.monitorId);
  await waitState(two!, "DISCONNECTED");

  async function hearing(ms: number) {
    const ears = await Promise.all([
      listen(h.handsetEp, handset, h.dir, "inmate"),
      listen(h.trunk.ep, party.call()!, h.dir, "called"),
      one && one.getInfo().state === "CONFIRMED" ? listen(stationEp, one, h.dir, "station1") : undefined,
      two && two.getInfo().state === "CONFIRMED" ? listen(stationTwoEp, two, h.dir, "station2") : undefined,
    ]);
    await delay(ms);
    const [inmate, called, station1, station2] = await Promise.all(ears.map((e) => e?.stop()));
    const none = () => 0;
    return { inmate: inmate!, called: called!, station1: station1 ?? none, station2: station2 ?? none };
  }
});

test("a privileged (attorney) call is refused: no monitoring station is called", async (t) => {
  const h = await startHarness({ beepIntervalSec: 0, brandingMaxSec: 0 });
  t.teardown(() => h.close());
  const party = answerAndPress(h, "1");
  const stationEp = createEndpoint({ userAgent: "test monitoring station" });
  t.teardown(() => stationEp.libDestroy());
  const { port } = await stationEp.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  let rang = 0;
  stationEp.accountCreate({ idUri: "sip:desk@127.0.0.1" }).on("incomingCall", () => rang++);

  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.attorney)}#`);
  const connected = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  t.false(connected.monitorable);
  for (const mode of ["silent", "beep", "barge"] as const) {
    const err = t.throws(() =>
      h.svc.monitors.start({ callId: connected.callId, mode, station: `sip:desk@127.0.0.1:${port}`, by: officer }),
    );
    t.is((err as MonitorError).kind, "not-monitorable");
  }
  const unknown = t.throws(() =>
    h.svc.monitors.start({
      callId: "no-such-call",
      mode: "silent",
      station: `sip:desk@127.0.0.1:${port}`,
      by: officer,
    }),
  );
  t.is((unknown as MonitorError).kind, "no-call");
  await delay(500);
  t.is(rang, 0);
  t.deepEqual(h.svc.calls.live()[0]?.monitors, []);
  await party.call()!.hangup();
  await h.waitEvent("call.ended");
});

test("a station that refuses the call (busy) leaves no monitor and the call goes on", async (t) => {
  const h = await startHarness({ beepIntervalSec: 0, brandingMaxSec: 0 });
  t.teardown(() => h.close());
  const party = answerAndPress(h, "1");
  const stationEp = createEndpoint({ userAgent: "test monitoring station" });
  t.teardown(() => stationEp.libDestroy());
  const { port } = await stationEp.transportCreate("udp", { host: "127.0.0.1", port: 0 });
  // The station refuses (busy): the monitor ends at once with the reason.
  stationEp
    .accountCreate({ idUri: "sip:desk@127.0.0.1" })
    .on("incomingCall", (c) => void c.hangup({ statusCode: 486 }));
  const ended: MonitorEnded[] = [];
  h.svc.bus.on("monitor.ended", (e) => void ended.push(e));

  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.family)}#`);
  const connected = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  const m = h.svc.monitors.start({
    callId: connected.callId,
    mode: "barge",
    station: `sip:desk@127.0.0.1:${port}`,
    by: officer,
  });
  await until(() => ended.length === 1, 10_000, "the monitor ended");
  t.is(ended[0]!.monitor.monitorId, m.monitorId);
  t.is(ended[0]!.cause, "station-unanswered");
  t.regex(ended[0]!.reason, /486/);
  t.deepEqual(h.svc.calls.live()[0]?.monitors, []);
  t.is(h.svc.calls.live()[0]?.phase, "connected", "the call goes on");
  await party.call()!.hangup();
  await h.waitEvent("call.ended");
});
