/**
 * Live monitoring end to end on loopback: our own user agents are the inmate's handset, the
 * called party and two officers' monitoring stations (set up for the demo facility, each
 * registered with the controller's registrar under its own credential). Each side sends its own tone; what each side
 * received is recorded and checked by tone detection.
 *
 * inmate 1000 Hz, called party 600 Hz, station one 1800 Hz, station two 2200 Hz; the monitor
 * beep is the reference's recording beep, 1400 Hz (telephony/media/tones.ts). The recording
 * beep to the called party and the branding overlay are off, so a 1400 Hz tone can only be the
 * monitor beep.
 */
import test from "ava";
import type { MonitorEnded } from "../../../controller/calls/events.ts";
import { MonitorError } from "../../../controller/calls/monitor-stations.ts";
import { DEMO_NUMBERS } from "../../../controller/domain/seed.ts";
import type { Call } from "../../../telephony/api.ts";
import { until } from "../../telephony/ua/helpers.ts";
import { answerAndPress, delay, national, startHarness, waitState } from "./harness.ts";
import { listen, sendTone, setUpStation } from "./monitor-helpers.ts";

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

  // Both stations register with the controller's registrar under their own accounts.
  const s1 = await setUpStation(h, "monitor-desk-1", "Desk 1");
  const stationEp = s1.ep;
  t.teardown(() => stationEp.libDestroy());
  const deskOne = s1.account;
  const s2 = await setUpStation(h, "monitor-desk-2", "Desk 2");
  const stationTwoEp = s2.ep;
  t.teardown(() => stationTwoEp.libDestroy());
  const deskTwo = s2.account;
  // A third is set up but its phone is off.
  const s9 = await setUpStation(h, "monitor-desk-9", "Desk 9", false);
  t.teardown(() => s9.ep.libDestroy());
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
  const early = t.throws(() => h.svc.monitors.start({ callId, mode: "silent", stationId: s1.station.id, by: officer }));
  t.is((early as MonitorError).kind, "not-connected");
  await h.waitEvent("call.updated", (c) => c.phase === "connected");
  t.throws(() => h.svc.monitors.start({ callId, mode: "silent", stationId: s9.station.id, by: officer }), {
    instanceOf: MonitorError,
    message: /not registered/,
  });

  const stops = [sendTone(h.handsetEp, handset, INMATE), sendTone(h.trunk.ep, party.call()!, CALLED)];
  t.teardown(() => {
    for (const s of stops) s();
  });

  // 1. Silent: station one hears both parties; neither party hears station one.
  const m1 = h.svc.monitors.start({ callId, mode: "silent", stationId: s1.station.id, by: officer });
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
    [["Desk 1", "silent", "active", "officer.diaz"]],
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

  // 3. Barge-in on station one, and a second, silent monitor on station two.
  h.svc.monitors.setMode(callId, m1.monitorId, "barge");
  const m2 = h.svc.monitors.start({ callId, mode: "silent", stationId: s2.station.id, by: officer });
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
  const desk = await setUpStation(h, "monitor-desk", "Desk");
  t.teardown(() => desk.ep.libDestroy());
  let rang = 0;
  desk.account.on("incomingCall", () => rang++);

  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.attorney)}#`);
  const connected = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  t.false(connected.monitorable);
  for (const mode of ["silent", "beep", "barge"] as const) {
    const err = t.throws(() =>
      h.svc.monitors.start({ callId: connected.callId, mode, stationId: desk.station.id, by: officer }),
    );
    t.is((err as MonitorError).kind, "not-monitorable");
  }
  const unknown = t.throws(() =>
    h.svc.monitors.start({
      callId: "no-such-call",
      mode: "silent",
      stationId: desk.station.id,
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
  const desk = await setUpStation(h, "monitor-desk", "Desk");
  t.teardown(() => desk.ep.libDestroy());
  // The station refuses (busy): the monitor ends at once with the reason.
  desk.account.on("incomingCall", (c) => void c.hangup({ statusCode: 486 }));
  const ended: MonitorEnded[] = [];
  h.svc.bus.on("monitor.ended", (e) => void ended.push(e));

  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.family)}#`);
  const connected = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  const m = h.svc.monitors.start({
    callId: connected.callId,
    mode: "barge",
    stationId: desk.station.id,
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

test("each station registers with its own password; a reset or a disable revokes it at once and ends its monitors", async (t) => {
  const h = await startHarness({ beepIntervalSec: 0, brandingMaxSec: 0 });
  t.teardown(() => h.close());
  const party = answerAndPress(h, "1");
  const ended: MonitorEnded[] = [];
  h.svc.bus.on("monitor.ended", (e) => void ended.push(e));
  const a = await setUpStation(h, "monitor-a", "Desk A");
  t.teardown(() => a.ep.libDestroy());
  const b = await setUpStation(h, "monitor-b", "Desk B");
  t.teardown(() => b.ep.libDestroy());
  a.account.on("incomingCall", (c) => void c.answer());
  const registrarUri = `sip:127.0.0.1:${h.svc.sipPort}`;
  const as = (account: string, password: string) =>
    a.ep
      .accountCreate({
        idUri: `sip:${account}@127.0.0.1`,
        registrarUri,
        credentials: [{ realm: "*", username: account, password }],
      })
      .register();
  // One station's password does not register another.
  t.false((await as("monitor-b", a.password)).registered);

  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.family)}#`);
  const { callId } = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  const m = h.svc.monitors.start({ callId, mode: "silent", stationId: a.station.id, by: officer });
  await until(() => h.svc.monitors.get(callId, m.monitorId)?.state === "active", 10_000, "desk A attached");

  // Reset: the monitor ends, the binding made with the old password is never called again,
  // and the old password no longer registers; the new one does.
  const { password: fresh } = await h.svc.stations.resetCredential(a.station.id, "admin");
  t.not(fresh, a.password);
  t.like(ended.at(-1), { cause: "failed", reason: "The monitoring station's credential was reset" });
  t.deepEqual(h.svc.monitors.list(callId), []);
  t.false(h.svc.stationRegistered("monitor-a"));
  const again = t.throws(() => h.svc.monitors.start({ callId, mode: "silent", stationId: a.station.id, by: officer }));
  t.is((again as MonitorError).kind, "station-unregistered");
  t.false((await as("monitor-a", a.password)).registered);
  t.true((await as("monitor-a", fresh)).registered);
  t.true(h.svc.stationRegistered("monitor-a"));

  // Disable: refused by the registrar and by the monitor, whatever was registered before.
  await h.svc.stations.update(b.station.id, { enabled: false }, "admin");
  t.false(h.svc.stationRegistered("monitor-b"));
  const off = t.throws(() => h.svc.monitors.start({ callId, mode: "silent", stationId: b.station.id, by: officer }));
  t.is((off as MonitorError).kind, "station-not-allowed");
  const refused = await as("monitor-b", b.password);
  t.false(refused.registered);
  t.is(refused.code, 403);
  await party.call()!.hangup();
  await h.waitEvent("call.ended");
});
