/**
 * Calls end to end through the whole lab: the real firmware on the simulated board (as its own
 * process) lifts a handset and keys digits; the controller prompts, authorizes, dials; SIPp plays
 * the called party (accept with RFC 4733 "1" from SIPp's bundled capture, decline, busy, hang up
 * during the announcement, extra digits). Each call's record, charge and recording are checked.
 * The calls run at the same time, one handset and one SIPp each, routed by number.
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
import { type CalledParty, type CalledPartyScenario, startCalledParty } from "../support/called-party.ts";
import { presenceRatio, readWav, sine, writeWav } from "../support/audio.ts";

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

const cases: Case[] = [
  { scenario: "accept", handset: "h1", station: "demo-st-1", pin: "1111", number: "+12132011301" },
  { scenario: "decline", handset: "h3", station: "demo-st-3", pin: "2222", number: "+12132011302" },
  { scenario: "busy", handset: "h5", station: "demo-st-5", pin: "3333", number: "+12132011303" },
  // D-1004 may call only its approved number (the demo family number).
  { scenario: "hangup-during-prompt", handset: "h7", station: "demo-st-7", pin: "4444", number: DEMO_NUMBERS.family },
  // Odd handsets have keypads, even ones rotary dials: the fifth call waits for h7 to be free.
  { scenario: "extra-digits", handset: "h7", station: "demo-st-7", pin: "5555", number: "+12132011305" },
];
// Two more calls reuse handsets once their first call has ended.
cases.push(
  { scenario: "block", handset: "h3", station: "demo-st-3", pin: "2222", number: "+12132011306" },
  { scenario: "no-answer", handset: "h5", station: "demo-st-5", pin: "3333", number: "+12132011307" },
);
const freed = (): { free: () => void; done: Promise<void> } => {
  let free: () => void = () => {};
  const done = new Promise<void>((r) => {
    free = r;
  });
  return { free, done };
};
const h7 = freed();
const h3 = freed();
const h5 = freed();
/** On-hook for more than a hook flash (about 1 s) before lifting again, or it is a flash. */
const onHookGap = () => new Promise((r) => setTimeout(r, 2000));

let lab: Lab;
let dir: string;

test.before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "yl-lab-e2e-"));
  for (const c of cases) {
    c.party = await startCalledParty(c.scenario, {
      pauseMs: PAUSE_MS,
      talkMs: 4000,
      // The confirmation prompt ("to confirm ... press 9 again") lasts about 7 s.
      confirmMs: 10_000,
      hangup: "controller",
      voice: { toneHz: 600, levelDbm0: -12 },
      timeoutMs: 300_000,
    });
  }
  // The inmate on handset h1 "speaks" a 1 kHz tone: its microphone is a WAV file on the sim board.
  const audioDir = path.join(dir, "audio", "demo-bank-a");
  mkdirSync(audioDir, { recursive: true });
  writeWav(path.join(audioDir, "h1-mic.wav"), sine([1000], 2000, { levelDbm0: -12 }));
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
    // Two lab tests run at once: neither builds the UI (both would empty and refill web/dist).
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
  // The calling hours are pushed to the phone bank too (outside them its units are off): wait until it has them.
  await lab.settled();
});

test.after.always(async () => {
  for (const c of cases) await c.party?.stop();
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
  if (svc.calls.session(callId)) {
    // Connected: talk a few seconds, then the inmate hangs up (extra digits arrive meanwhile).
    await new Promise((r) => setTimeout(r, 8000));
    await sim(lab.simUrl, `/handsets/${c.handset}/hang-up`, {});
  } else {
    await sim(lab.simUrl, `/handsets/${c.handset}/hang-up`, {});
  }
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

test("accepted with RFC 4733 1 from SIPp's capture: bridged, recorded both ways, sealed, charged to the cent", async (t) => {
  const c = cases[0]!;
  const r = await placeCall(c);
  t.is(r.status, "completed", r.ending ?? "");
  t.regex(r.acceptance ?? "", /pressed 1 \(RFC 4733\)/);
  t.is(r.ending, "Inmate hung up");
  t.true(r.durationSec >= 5);
  t.is(r.chargeCents, chargeOf(r));
  t.true((r.chargeCents ?? 0) > 0);
  const wav = readWav(r.recordingFile!);
  const secs = (ch: number, f: number) => (presenceRatio(wav.channel(ch), f) * wav.channel(ch).length) / 8000;
  t.true(secs(0, 1000) >= 3, `inmate's tone on the left: ${secs(0, 1000)} s`);
  t.true(secs(1, 600) >= 2, `called party's tone on the right: ${secs(1, 600)} s`);
  const seal = await readSeal(sealPath(r.recordingFile!));
  t.true((await verifyRecording(r.recordingFile!, seal, publicKeyFromPem(lab.controller.calls.publicKeyPem))).valid);
  const sipp = await c.party!.done;
  t.is(sipp.code, 0, sipp.errors ?? sipp.stderr);
});

test("declined with 2: not completed, no charge, and the decline is in words", async (t) => {
  const c = cases[1]!;
  const r = await placeCall(c).finally(() => h3.free());
  t.is(r.status, "not-completed");
  t.is(r.chargeCents, 0);
  t.regex(r.acceptance ?? "", /^Declined by the called party: pressed 2/);
  t.is((await c.party!.done).code, 0);
});

test("busy (486): the inmate hears busy, the record says so, no charge", async (t) => {
  const c = cases[2]!;
  const r = await placeCall(c).finally(() => h5.free());
  t.is(r.status, "not-completed");
  t.regex(r.ending ?? "", /^Busy \(SIP 486/);
  t.is(r.chargeCents, 0);
  t.is((await c.party!.done).code, 0);
});

test("the called party hangs up during the announcement: free, and the record says who hung up", async (t) => {
  const c = cases[3]!;
  const r = await placeCall(c).finally(() => h7.free());
  t.is(r.status, "not-completed");
  t.is(r.ending, "Called party hung up before accepting", r.decision);
  t.is(r.chargeCents, 0);
  t.is((await c.party!.done).code, 0);
});

test("extra digits from the called party during the call are reported; the call goes on (report is the default)", async (t) => {
  const c = cases[4]!;
  const extra: string[] = [];
  const off = lab.controller.calls.bus.on("fraud.extraDigits", (e) => {
    if (e.call.stationId === c.station) extra.push(`${e.from}:${e.digits}`);
  });
  t.teardown(off);
  await h7.done;
  await onHookGap();
  const r = await placeCall(c);
  t.is(r.status, "completed");
  t.is(r.ending, "Inmate hung up");
  t.true(
    extra.some((e) => e.startsWith("called:")),
    `extra digits seen: ${extra.join(" ")}`,
  );
});

test("blocked with 9, confirmed with 9: future calls from this facility to the number are refused", async (t) => {
  const c = cases[5]!;
  await h3.done;
  await onHookGap();
  const r = await placeCall(c);
  t.is(r.status, "not-completed");
  t.is(r.chargeCents, 0);
  t.regex(r.acceptance ?? "", /^Blocked by the called party: pressed 9/);
  t.is(r.ending, "Called party blocked calls from this facility");
  const block = await lab.controller.ds.db
    .selectFrom("blockedNumbers")
    .selectAll()
    .where("number", "=", c.number)
    .executeTakeFirst();
  t.truthy(block, "the called party's block is stored");
  t.is((await c.party!.done).code, 0);
});

test("no answer: the ring limit ends the attempt (CANCEL), free, with the reason in words", async (t) => {
  const c = cases[6]!;
  await h5.done;
  await onHookGap();
  const r = await placeCall(c);
  t.is(r.status, "not-completed");
  t.is(r.ending, "No answer");
  t.is(r.chargeCents, 0);
  t.is((await c.party!.done).code, 0);
});
