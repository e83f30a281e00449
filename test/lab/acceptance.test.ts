/**
 * The three other ways a called party's acceptance reaches the controller, end to end through
 * the whole lab (the real firmware on the simulated board as its own process, the controller,
 * SIPp as the called party): the 1 sent as a SIP INFO (application/dtmf-relay), the 1 as an
 * in-band DTMF tone inside the PCMU audio, and passive acceptance (a number configured so, the
 * demo's PREA hotline: bridged after the announcement without a key). RFC 4733 acceptance is in
 * firmware-sipp-calls.test.ts. Each call's record (how it was accepted), charge and recording
 * (or, for the privileged hotline, the absence of one) are checked. The calls run at the same
 * time, one handset and one SIPp each, routed by number.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import test from "ava";
import { DEMO_NUMBERS, openDemoFacilityAllDay } from "../../controller/domain/seed.ts";
import { computeCharge } from "../../controller/rating/charge.ts";
import { readSeal, sealPath, verifyRecording } from "../../controller/recordings/integrity.ts";
import { publicKeyFromPem } from "../../controller/recordings/signing-key.ts";
import type { CallRecordRow } from "../../controller/store/schema.ts";
import { freePort, type Lab, sim, startLab, waitFor } from "../../lab/lab.ts";
import { presenceRatio, readWav, sine, writeWav } from "../support/audio.ts";
import { type CalledParty, type CalledPartyScenario, startCalledParty } from "../support/called-party.ts";

/** The announcement lasts about 35 s; the party answers after it, within the response window. */
const PAUSE_MS = 40_000;

interface Case {
  scenario: CalledPartyScenario;
  handset: string;
  station: string;
  pin: string;
  number: string;
  party?: CalledParty;
}

// Odd handsets have keypads (the digits go in as DTMF keys on the sim board).
const info: Case = {
  scenario: "accept-info",
  handset: "h1",
  station: "demo-st-1",
  pin: "1111",
  number: "+12132011311",
};
const inband: Case = {
  scenario: "accept-inband",
  handset: "h3",
  station: "demo-st-3",
  pin: "3333",
  number: "+12132011312",
};
// The PREA hotline: privileged (never recorded), free, passive acceptance (controller/domain/seed.ts).
// The party never presses a key and sends no audio; it waits for the controller's BYE.
const passive: Case = {
  scenario: "silent",
  handset: "h5",
  station: "demo-st-5",
  pin: "2222",
  number: DEMO_NUMBERS.prea,
};
const cases = [info, inband, passive];

let lab: Lab;
let dir: string;

test.before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "yl-lab-accept-"));
  for (const c of cases) {
    c.party = await startCalledParty(c.scenario, {
      pauseMs: PAUSE_MS,
      talkMs: 4000,
      hangup: "controller",
      voice: { toneHz: 600, levelDbm0: -12 },
      timeoutMs: 300_000,
    });
  }
  // The inmates "speak" a 1 kHz tone: their microphones are WAV files on the sim board.
  const audioDir = path.join(dir, "audio", "demo-bank-a");
  mkdirSync(audioDir, { recursive: true });
  for (const h of ["h1", "h3"]) writeWav(path.join(audioDir, `${h}-mic.wav`), sine([1000], 2000, { levelDbm0: -12 }));
  const host = "127.0.0.1";
  lab = await startLab({
    dataDir: dir,
    host,
    httpPort: await freePort(host),
    sipPort: await freePort(host),
    banksPort: await freePort(host),
    simPort: await freePort(host),
    trunkPort: await freePort(host),
    trunkRoutes: cases.map((c) => ({ prefix: c.number, host, port: c.party!.port })),
    adminPassword: "test-admin-password",
    // Several lab tests run at once: none builds the UI (all would empty and refill web/dist).
    serveUi: false,
    flow: { responseTimeoutSec: 15, ringTimeoutSec: 30 },
    log: () => {},
  });
  // Names already recorded, so the digits can be keyed in one go.
  const name = path.join(dir, "name.wav");
  writeWav(name, sine([300], 800, { levelDbm0: -16 }));
  await lab.controller.ds.db.updateTable("inmates").set({ recordedName: name }).execute();
  lab.controller.ds.changed(null);
  await openDemoFacilityAllDay(lab.controller.ds);
  // The calling hours are pushed to the phone bank too: wait until it has them.
  await lab.settled();
});

test.after.always(async () => {
  for (const c of cases) c.party?.stop();
  await lab?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function placeCall(c: Case): Promise<CallRecordRow> {
  const svc = lab.controller.calls;
  await sim(lab.simUrl, `/handsets/${c.handset}/lift`, {});
  const stationCall = () =>
    svc.calls
      .live()
      .find((l) => l.stationId === c.station && svc.calls.session(l.callId)?.handset.getInfo().state === "CONFIRMED");
  await waitFor(() => stationCall() !== undefined, 15_000, `the controller to answer ${c.handset}`);
  const callId = stationCall()!.callId;
  await sim(lab.simUrl, `/handsets/${c.handset}/keys`, { digits: `1${c.pin}#${c.number.slice(2)}#` });
  await waitFor(
    () => svc.calls.session(callId) === undefined || svc.calls.session(callId)?.state === "connected",
    120_000,
    `${c.scenario}: the call to settle`,
  );
  // Connected: talk a few seconds, then the inmate hangs up.
  if (svc.calls.session(callId)) await new Promise((r) => setTimeout(r, 8000));
  await sim(lab.simUrl, `/handsets/${c.handset}/hang-up`, {});
  await waitFor(() => svc.calls.session(callId) === undefined, 20_000, `${c.scenario}: the record to close`);
  return lab.controller.ds.db.selectFrom("callRecords").selectAll().where("id", "=", callId).executeTakeFirstOrThrow();
}

function chargeOf(r: CallRecordRow): number {
  return computeCharge(r.durationSec, {
    rateId: r.rateId!,
    perMinuteMills: r.ratePerMinuteMills!,
    billingIncrementSec: r.billingIncrementSec!,
    effectiveFrom: r.rateEffectiveFrom ?? "",
  }).amountCents;
}

/** Bridged both ways, recorded stereo (inmate left, called party right), sealed and verifiable. */
async function checkRecorded(t: import("ava").ExecutionContext, r: CallRecordRow): Promise<void> {
  t.truthy(r.recordingFile, "a recording is attached");
  const wav = readWav(r.recordingFile!);
  const secs = (ch: number, f: number) => (presenceRatio(wav.channel(ch), f) * wav.channel(ch).length) / 8000;
  t.true(secs(0, 1000) >= 3, `inmate's tone on the left: ${secs(0, 1000)} s`);
  t.true(secs(1, 600) >= 2, `called party's tone on the right: ${secs(1, 600)} s`);
  const seal = await readSeal(sealPath(r.recordingFile!));
  t.is(seal.sha256, r.recordingHash ?? "");
  t.true((await verifyRecording(r.recordingFile!, seal, publicKeyFromPem(lab.controller.calls.publicKeyPem))).valid);
}

test("accepted with 1 sent as SIP INFO (application/dtmf-relay): bridged, recorded, sealed, charged to the cent", async (t) => {
  const r = await placeCall(info);
  t.is(r.status, "completed", r.ending ?? "");
  t.is(r.acceptance, "Accepted by the called party: pressed 1 (SIP INFO)");
  t.is(r.ending, "Inmate hung up");
  t.true(r.durationSec >= 5, `billed from acceptance: ${r.durationSec} s`);
  t.is(r.chargeCents, chargeOf(r));
  t.true((r.chargeCents ?? 0) > 0);
  await checkRecorded(t, r);
  const sipp = await info.party!.done;
  t.is(sipp.code, 0, sipp.errors ?? sipp.stderr);
});

test("accepted with 1 as an in-band DTMF tone in the audio: bridged, recorded, sealed, charged to the cent", async (t) => {
  const r = await placeCall(inband);
  t.is(r.status, "completed", r.ending ?? "");
  t.is(r.acceptance, "Accepted by the called party: pressed 1 (in-band tone)");
  t.is(r.ending, "Inmate hung up");
  t.true(r.durationSec >= 5, `billed from acceptance: ${r.durationSec} s`);
  t.is(r.chargeCents, chargeOf(r));
  t.true((r.chargeCents ?? 0) > 0);
  await checkRecorded(t, r);
  const sipp = await inband.party!.done;
  t.is(sipp.code, 0, sipp.errors ?? sipp.stderr);
});

test("a number configured for passive acceptance (the PREA hotline) is bridged after the announcement without a key", async (t) => {
  const r = await placeCall(passive);
  t.is(r.status, "completed", r.ending ?? "");
  t.is(r.acceptance, "Passive acceptance (number configured for passive acceptance)");
  t.is(r.ending, "Inmate hung up");
  t.truthy(r.acceptedAt, "accepted (billing would start) when the announcement ended");
  t.true(r.durationSec >= 5, `connected for ${r.durationSec} s`);
  // Privileged and free by rule: no charge, never recorded.
  t.is(r.privileged, 1);
  t.is(r.chargeCents, 0);
  t.is(r.recordingFile, null);
  const sipp = await passive.party!.done;
  t.is(sipp.code, 0, sipp.errors ?? sipp.stderr);
});
