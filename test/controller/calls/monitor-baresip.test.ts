/**
 * A real SIP phone as the monitoring station: baresip (auto-answer), set up as a station of the
 * demo facility, is registered with the controller under its own credential and barges in. What it heard is its sndfile dump (dump-*-dec.wav); what it said is a 1800 Hz WAV.
 * The inmate sends 1000 Hz and the called party 600 Hz.
 */
import path from "node:path";
import test from "ava";
import type { MonitorEnded } from "../../../controller/calls/events.ts";
import { DEMO_FACILITY_ID, DEMO_NUMBERS } from "../../../controller/domain/seed.ts";
import { presenceRatio, readWav, sine, writeWav } from "../../support/audio.ts";
import { startBaresip } from "../../support/baresip.ts";
import { peerPort, until } from "../../telephony/ua/helpers.ts";
import { answerAndPress, delay, national, startHarness } from "./harness.ts";
import { listen, registerFor, sendTone } from "./monitor-helpers.ts";

test("baresip answers as a monitoring station and barges in: both parties hear it, it hears both", async (t) => {
  const h = await startHarness({ beepIntervalSec: 0, brandingMaxSec: 0 });
  t.teardown(() => h.close());
  const party = answerAndPress(h, "1");
  const audioFile = path.join(h.dir, "station-1800hz.wav");
  writeWav(audioFile, sine([1800], 120_000, { levelDbm0: -12 }));
  const { station: desk, password } = await h.svc.stations.create(
    { name: "Officer desk", account: "monitor-officer", facilityIds: [DEMO_FACILITY_ID] },
    "admin",
  );
  const station = await startBaresip({
    sipPort: await peerPort(),
    ctrlPort: await peerPort(),
    rtpPort: await peerPort(10),
    audioFile,
    user: "monitor-officer",
  });
  t.teardown(() => station.stop());
  // Registered for baresip from its host: baresip 1.0 cannot answer the SHA-256 challenge.
  await registerFor(h, "monitor-officer", password, station.sipPort);
  t.true(h.svc.stationRegistered("monitor-officer"));
  const ended: MonitorEnded[] = [];
  h.svc.bus.on("monitor.ended", (e) => void ended.push(e));

  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.family)}#`);
  const connected = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  const stops = [sendTone(h.handsetEp, handset, 1000), sendTone(h.trunk.ep, party.call()!, 600)];
  t.teardown(() => {
    for (const s of stops) s();
  });

  const m = h.svc.monitors.start({
    callId: connected.callId,
    mode: "barge",
    stationId: desk.id,
    by: { userId: "u-1", username: "officer.diaz" },
  });
  await until(
    () => h.svc.monitors.get(connected.callId, m.monitorId)?.state === "active",
    15_000,
    "baresip attached",
  ).catch((err) => {
    throw new Error(`${err.message}; ended: ${JSON.stringify(ended)}\n${station.log().slice(-3000)}`);
  });
  await station.waitEvent("CALL_ESTABLISHED", 10_000);
  await delay(500);
  const ears = await Promise.all([
    listen(h.handsetEp, handset, h.dir, "inmate"),
    listen(h.trunk.ep, party.call()!, h.dir, "called"),
  ]);
  await delay(3000);
  const [inmate, called] = await Promise.all(ears.map((e) => e.stop()));
  t.true(inmate!(1800) >= 2, `the inmate hears the barging station: ${inmate!(1800)} s`);
  t.true(called!(1800) >= 2, `the called party hears it: ${called!(1800)} s`);

  // Stopping the monitor hangs baresip up; its dump holds what it heard.
  h.svc.monitors.stop(connected.callId, m.monitorId);
  await station.waitEvent("CALL_CLOSED", 10_000);
  await delay(300);
  const dec = station.dumps().dec;
  t.is(dec.length, 1, station.log().slice(-2000));
  const heard = readWav(dec[0]!);
  const samples = heard.channels === 1 ? heard.samples : heard.channel(0);
  const seconds = (f: number) => (presenceRatio(samples, f) * samples.length) / heard.rate;
  t.true(seconds(1000) >= 2, `baresip heard the inmate: ${seconds(1000)} s`);
  t.true(seconds(600) >= 2, `baresip heard the called party: ${seconds(600)} s`);
  t.deepEqual(h.svc.calls.live()[0]?.monitors, []);
  await handset.hangup();
  await h.waitEvent("call.ended");
});
