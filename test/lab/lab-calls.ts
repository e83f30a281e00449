/**
 * Shared by the lab tests that place calls end to end (the real firmware on the simulated board
 * as its own process, the controller, SIPp as each called party): starting the lab with one
 * SIPp per case routed by number, placing one call from a handset, and checking its charge and
 * recording.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ExecutionContext } from "ava";
import { openDemoFacilityAllDay } from "../../controller/domain/seed.ts";
import { computeCharge } from "../../controller/rating/charge.ts";
import { readSeal, sealPath, verifyRecording } from "../../controller/recordings/integrity.ts";
import { publicKeyFromPem } from "../../controller/recordings/signing-key.ts";
import type { CallRecordRow } from "../../controller/store/schema.ts";
import { freeLabPorts, type Lab, sim, startLab, waitFor } from "../../lab/lab.ts";
import { presenceRatio, readWav, sine, writeWav } from "../support/audio.ts";
import { type CalledParty, type CalledPartyScenario, startCalledParty } from "../support/called-party.ts";

/** The announcement lasts about 35 s; the party answers after it, within the response window. */
export const PAUSE_MS = 40_000;

export interface LabCall {
  scenario: CalledPartyScenario;
  handset: string;
  station: string;
  pin: string;
  number: string;
  party?: CalledParty;
}

export interface CallLab {
  lab: Lab;
  dir: string;
  /** Stops every SIPp, the lab, and removes its data. */
  stop(): Promise<void>;
}

/**
 * Starts a SIPp called party per case, then the lab with a trunk
 * route per case's number. The inmates on `micHandsets` "speak" a 1 kHz tone (their microphones
 * are WAV files on the sim board); every inmate's name is already recorded, so the digits can be
 * keyed in one go; the demo facility is open all day, and the bank has those hours.
 */
export async function startCallLab(opts: {
  prefix: string;
  cases: readonly LabCall[];
  /** Time between the two 9s of a block scenario (the confirmation prompt). */
  confirmMs?: number;
  micHandsets: readonly string[];
}): Promise<CallLab> {
  const dir = mkdtempSync(path.join(os.tmpdir(), opts.prefix));
  let lab: Lab | undefined;
  const stop = async () => {
    for (const c of opts.cases) c.party?.stop();
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const c of opts.cases) {
      c.party = await startCalledParty(c.scenario, {
        pauseMs: PAUSE_MS,
        talkMs: 4000,
        hangup: "controller",
        voice: { toneHz: 600, levelDbm0: -12 },
        timeoutMs: 300_000,
        ...(opts.confirmMs !== undefined ? { confirmMs: opts.confirmMs } : {}),
      });
    }
    const audioDir = path.join(dir, "audio", "demo-bank-a");
    mkdirSync(audioDir, { recursive: true });
    for (const h of opts.micHandsets) {
      writeWav(path.join(audioDir, `${h}-mic.wav`), sine([1000], 2000, { levelDbm0: -12 }));
    }
    const host = "127.0.0.1";
    lab = await startLab({
      dataDir: dir,
      host,
      ...(await freeLabPorts(host)),
      trunkRoutes: opts.cases.map((c) => ({ prefix: c.number, host, port: c.party!.port })),
      adminPassword: "test-admin-password",
      // Several lab tests run at once: none builds the UI (all would empty and refill web/dist).
      serveUi: false,
      flow: { responseTimeoutSec: 15, ringTimeoutSec: 30 },
      log: () => {},
    });
    const name = path.join(dir, "name.wav");
    writeWav(name, sine([300], 800, { levelDbm0: -16 }));
    await lab.controller.ds.db.updateTable("inmates").set({ recordedName: name }).execute();
    lab.controller.ds.changed(null);
    await openDemoFacilityAllDay(lab.controller.ds);
    // The calling hours are pushed to the phone bank too (outside them its units are off): wait until it has them.
    await lab.settled();
    return { lab, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Lifts the case's handset, keys PIN and number, and waits for the call to be connected or over;
 * a connected call talks 8 s. Then the inmate hangs up; returns the closed record.
 */
export async function placeCall(lab: Lab, c: LabCall): Promise<CallRecordRow> {
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
  // Connected: talk a few seconds (extra digits may arrive meanwhile), then the inmate hangs up.
  if (svc.calls.session(callId)) await new Promise((r) => setTimeout(r, 8000));
  await sim(lab.simUrl, `/handsets/${c.handset}/hang-up`, {});
  await waitFor(() => svc.calls.session(callId) === undefined, 20_000, `${c.scenario}: the record to close`);
  return lab.controller.ds.db.selectFrom("callRecords").selectAll().where("id", "=", callId).executeTakeFirstOrThrow();
}

/** The charge the record's own rate gives for its duration. */
export function chargeOf(r: CallRecordRow): number {
  return computeCharge(r.durationSec, {
    rateId: r.rateId!,
    perMinuteMills: r.ratePerMinuteMills!,
    billingIncrementSec: r.billingIncrementSec!,
    effectiveFrom: r.rateEffectiveFrom ?? "",
  }).amountCents;
}

/** Bridged both ways, recorded stereo (inmate left, called party right), sealed and verifiable. */
export async function checkRecorded(t: ExecutionContext, lab: Lab, r: CallRecordRow): Promise<void> {
  t.truthy(r.recordingFile, "a recording is attached");
  const wav = readWav(r.recordingFile!);
  const secs = (ch: number, f: number) => (presenceRatio(wav.channel(ch), f) * wav.channel(ch).length) / 8000;
  t.true(secs(0, 1000) >= 3, `inmate's tone on the left: ${secs(0, 1000)} s`);
  t.true(secs(1, 600) >= 2, `called party's tone on the right: ${secs(1, 600)} s`);
  const seal = await readSeal(sealPath(r.recordingFile!));
  t.is(seal.sha256, r.recordingHash ?? "");
  t.true((await verifyRecording(r.recordingFile!, seal, publicKeyFromPem(lab.controller.calls.publicKeyPem))).valid);
}
