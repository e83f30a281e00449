import { readFileSync } from "node:fs";
import test from "ava";
import { publicKeyFromPem } from "../../../controller/recordings/signing-key.ts";
import { readSeal, sealPath, verifyRecording } from "../../../controller/recordings/integrity.ts";
import { computeCharge } from "../../../controller/rating/charge.ts";
import { setHousingUnitEnabled } from "../../../controller/domain/facilities.ts";
import { DEMO_NUMBERS } from "../../../controller/domain/seed.ts";
import { presenceRatio, readWav } from "../../support/audio.ts";
import { until } from "../../telephony/ua/helpers.ts";
import { answerAndPress, delay, national, startHarness, waitState } from "./harness.ts";

async function record(h: Awaited<ReturnType<typeof startHarness>>, id: string) {
  return h.ds.db.selectFrom("callRecords").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

test("a call the called party accepts with 1 is bridged, recorded, sealed and charged from acceptance", async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const party = answerAndPress(h, "1");

  const handset = await h.lift();
  // Type-ahead: English, PIN, number; the prompts give way as soon as digits are waiting.
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.family)}#`);
  const connected = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  t.is(connected.numberCalled, DEMO_NUMBERS.family);
  t.is(connected.inmateName, "John Miller");

  // Both parties talk: a 1 kHz tone from the inmate, 600 Hz from the called party.
  const inmateTone = h.handsetEp.createToneGenerator();
  inmateTone.startTransmit(handset.getAudioMedia()!);
  inmateTone.play([{ freq1: 1000, onMs: 1000, offMs: 0, levelDbm0: -10 }], true);
  const calledTone = h.trunk.ep.createToneGenerator();
  calledTone.startTransmit(party.call()!.getAudioMedia()!);
  calledTone.play([{ freq1: 600, onMs: 1000, offMs: 0, levelDbm0: -10 }], true);
  await delay(2500);
  await handset.hangup();
  const ended = await h.waitEvent("call.ended", (c) => c.callId === connected.callId);
  inmateTone.destroy();
  calledTone.destroy();
  t.is(ended.ending, "Inmate hung up");

  const r = await record(h, connected.callId);
  t.is(r.status, "completed");
  t.is(r.destination, DEMO_NUMBERS.family);
  t.regex(r.acceptance ?? "", /^Accepted by the called party: pressed 1 \(RFC 4733\)/);
  t.true(r.durationSec >= 2 && r.durationSec <= 6, `duration ${r.durationSec}`);
  // The charge is the rating rule over the record's own duration and dated rate row, to the cent.
  const expected = computeCharge(r.durationSec, {
    rateId: r.rateId!,
    perMinuteMills: r.ratePerMinuteMills!,
    billingIncrementSec: r.billingIncrementSec!,
    effectiveFrom: r.rateEffectiveFrom ?? "",
  });
  t.is(r.chargeCents, expected.amountCents);
  t.true((r.chargeCents ?? 0) > 0);

  // The recording: inmate on the left, called party on the right, sealed and verifiable.
  t.truthy(r.recordingFile);
  // Both tones played for about 2.5 s: at least 1.5 s of each must be on its own channel only.
  const wav = readWav(r.recordingFile!);
  const seconds = (ch: number, f: number) => (presenceRatio(wav.channel(ch), f) * wav.channel(ch).length) / 8000;
  t.true(seconds(0, 1000) >= 1.5, `inmate tone on the left: ${seconds(0, 1000)} s`);
  t.true(seconds(1, 600) >= 1.5, `called party tone on the right: ${seconds(1, 600)} s`);
  t.is(seconds(0, 600), 0);
  t.is(seconds(1, 1000), 0);
  const seal = await readSeal(sealPath(r.recordingFile!));
  t.is(seal.sha256, r.recordingHash ?? "");
  const verdict = await verifyRecording(r.recordingFile!, seal, publicKeyFromPem(h.svc.publicKeyPem));
  t.true(verdict.valid, JSON.stringify(verdict.problems));
  t.true(readFileSync(r.recordingFile!).length > 44);
});

test("a called party who presses 2 declines: not completed, not charged, the inmate is told", async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const party = answerAndPress(h, "2");
  const handset = await h.lift("demo-st-2");
  await handset.dialDtmf(`1${"3333"}#${national(DEMO_NUMBERS.family)}#`);
  const ended = await h.waitEvent("call.ended");
  t.is(ended.ending, "Declined by the called party");
  const r = await record(h, ended.callId);
  t.is(r.status, "not-completed");
  t.is(r.chargeCents, 0);
  t.regex(r.acceptance ?? "", /^Declined by the called party: pressed 2/);
  await waitState(handset, "DISCONNECTED");
});

test("a busy number ends the attempt with the reason in words and no charge", async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  h.trunk.account.on("incomingCall", (call) => void call.hangup({ statusCode: 486 }));
  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.family)}#`);
  const ended = await h.waitEvent("call.ended");
  t.regex(ended.ending, /^Busy \(SIP 486/);
  const r = await record(h, ended.callId);
  t.is(r.status, "not-completed");
  t.is(r.chargeCents, 0);
  t.is(r.acceptedAt, null);
});

test("a blocked number is refused before the trunk is dialled, with the reason in plain English", async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  let trunkCalls = 0;
  h.trunk.account.on("incomingCall", () => trunkCalls++);
  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.victim)}#`);
  const denied = await h.waitEvent("call.denied");
  t.is(denied.rule, "blocked-number");
  const ended = await h.waitEvent("call.ended");
  const r = await record(h, ended.callId);
  t.is(r.status, "not-completed");
  t.is(r.denialRule, "blocked-number");
  t.regex(r.decision, /^Denied: /);
  t.is(trunkCalls, 0);
});

test("a privileged (attorney) call is never recorded: the off-hook recording is destroyed", async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const party = answerAndPress(h, "1");
  const handset = await h.lift();
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.attorney)}#`);
  const connected = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  t.false(connected.monitorable);
  t.throws(() => h.svc.calls.monitor(connected.callId, h.svc.endpoint.createPlayer(), "silent"), {
    message: /may not be monitored/,
  });
  await delay(500);
  await party.call()!.hangup();
  const ended = await h.waitEvent("call.ended");
  t.is(ended.ending, "Called party hung up");
  const r = await record(h, ended.callId);
  t.is(r.privileged, 1);
  t.is(r.recorded, 0);
  t.is(r.recordingFile, null);
  await waitState(handset, "DISCONNECTED");
});

test("switching the housing unit off (a software kill switch) ends a call in progress there", async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const party = answerAndPress(h, "1");
  const handset = await h.lift("demo-st-8");
  await handset.dialDtmf(`1${"1111"}#${national(DEMO_NUMBERS.family)}#`);
  const connected = await h.waitEvent("call.updated", (c) => c.phase === "connected");
  await setHousingUnitEnabled(h.ds, new Set(["demo-facility"]), connected.housingUnitId, false);
  const ended = await h.waitEvent("call.ended", (c) => c.callId === connected.callId, 15_000);
  t.regex(ended.ending, /^Terminated by a kill switch/);
  const r = await record(h, connected.callId);
  t.is(r.status, "completed");
  await waitState(handset, "DISCONNECTED");
  // And the next lift on that unit is refused at once.
  const again = await h.lift("demo-st-8");
  const refused = await h.waitEvent("call.ended", (c) => c.callId !== connected.callId, 30_000);
  t.regex(refused.ending, /^Call not placed: /);
  await waitState(again, "DISCONNECTED", 30_000);
});

test("first use: the inmate's name is recorded after the prompt, for the set time, and kept as a mono prompt", async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  await h.ds.db.updateTable("inmates").set({ recordedName: null }).where("id", "=", "D-1003").execute();
  h.ds.changed(null);
  h.trunk.account.on("incomingCall", (call) => void call.hangup({ statusCode: 486 }));
  const handset = await h.lift("demo-st-3");
  const tone = h.handsetEp.createToneGenerator();
  tone.startTransmit(handset.getAudioMedia()!);
  tone.play([{ freq1: 700, onMs: 1000, offMs: 0, levelDbm0: -12 }], true);
  await handset.dialDtmf(`1${"3333"}#`);
  const started = await h.waitEvent("call.started");
  await until(() => h.svc.calls.session(started.callId)?.state === "identifying", 10_000);
  // The name prompt plays, then 3 s are recorded (only # would end it sooner).
  await until(() => h.svc.calls.session(started.callId)?.state === "numbering", 30_000);
  await handset.dialDtmf(`${national(DEMO_NUMBERS.family)}#`);
  await h.waitEvent("call.ended");
  tone.destroy();
  const inmate = await h.ds.db
    .selectFrom("inmates")
    .select("recordedName")
    .where("id", "=", "D-1003")
    .executeTakeFirstOrThrow();
  t.truthy(inmate.recordedName);
  const wav = readWav(inmate.recordedName!);
  t.is(wav.channels, 1);
  const seconds = wav.samples.length / 8000;
  t.true(seconds > 2.5 && seconds < 3.5, `${seconds} s recorded`);
  t.true(presenceRatio(wav.samples, 700) > 0.5, "the inmate's voice (a 700 Hz tone) is in the name");
});
