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
import test from "ava";
import { DEMO_NUMBERS } from "../../controller/domain/seed.ts";
import { type CallLab, chargeOf, checkRecorded, type LabCall, placeCall, startCallLab } from "./lab-calls.ts";

// Odd handsets have keypads (the digits go in as DTMF keys on the sim board).
const info: LabCall = {
  scenario: "accept-info",
  handset: "h1",
  station: "demo-st-1",
  pin: "1111",
  number: "+12132011311",
};
const inband: LabCall = {
  scenario: "accept-inband",
  handset: "h3",
  station: "demo-st-3",
  pin: "3333",
  number: "+12132011312",
};
// The PREA hotline: privileged (never recorded), free, passive acceptance (controller/domain/seed.ts).
// The party never presses a key and sends no audio; it waits for the controller's BYE.
const passive: LabCall = {
  scenario: "silent",
  handset: "h5",
  station: "demo-st-5",
  pin: "2222",
  number: DEMO_NUMBERS.prea,
};
const cases = [info, inband, passive];

let calls: CallLab | undefined;

test.before(async () => {
  // The inmates on h1 and h3 "speak" (their tone is checked in the recordings).
  calls = await startCallLab({ prefix: "yl-lab-accept-", cases, micHandsets: ["h1", "h3"] });
});

test.after.always(async () => {
  await calls?.stop();
});

for (const [c, via, how] of [
  [info, "SIP INFO", "sent as SIP INFO (application/dtmf-relay)"],
  [inband, "in-band tone", "as an in-band DTMF tone in the audio"],
] as const) {
  test(`accepted with 1 ${how}: bridged, recorded, sealed, charged to the cent`, async (t) => {
    const r = await placeCall(calls!.lab, c);
    t.is(r.status, "completed", r.ending ?? "");
    t.is(r.acceptance, `Accepted by the called party: pressed 1 (${via})`);
    t.is(r.ending, "Inmate hung up");
    t.true(r.durationSec >= 5, `billed from acceptance: ${r.durationSec} s`);
    t.is(r.chargeCents, chargeOf(r));
    t.true((r.chargeCents ?? 0) > 0);
    await checkRecorded(t, calls!.lab, r);
    const sipp = await c.party!.done;
    t.is(sipp.code, 0, sipp.errors ?? sipp.stderr);
  });
}

test("a number configured for passive acceptance (the PREA hotline) is bridged after the announcement without a key", async (t) => {
  const r = await placeCall(calls!.lab, passive);
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
