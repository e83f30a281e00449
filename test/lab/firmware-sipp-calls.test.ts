/**
 * Calls end to end through the whole lab: the real firmware on the simulated board (as its own
 * process) lifts a handset and keys digits; the controller prompts, authorizes, dials; SIPp plays
 * the called party (accept with RFC 4733 "1" from SIPp's bundled capture, decline, busy, hang up
 * during the announcement, extra digits). Each call's record, charge and recording are checked.
 * The calls run at the same time, one handset and one SIPp each, routed by number.
 */
import test from "ava";
import { DEMO_NUMBERS } from "../../controller/domain/seed.ts";
import { type CallLab, chargeOf, checkRecorded, type LabCall, placeCall, startCallLab } from "./lab-calls.ts";

const cases: LabCall[] = [
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

let calls: CallLab | undefined;

test.before(async () => {
  // The inmate on handset h1 "speaks" (the tone is checked in the recording).
  // The confirmation prompt ("to confirm ... press 9 again") lasts about 7 s.
  calls = await startCallLab({ prefix: "yl-lab-e2e-", cases, micHandsets: ["h1"], confirmMs: 10_000 });
});

test.after.always(async () => {
  await calls?.stop();
});

test("accepted with RFC 4733 1 from SIPp's capture: bridged, recorded both ways, sealed, charged to the cent", async (t) => {
  const c = cases[0]!;
  const r = await placeCall(calls!.lab, c);
  t.is(r.status, "completed", r.ending ?? "");
  t.regex(r.acceptance ?? "", /pressed 1 \(RFC 4733\)/);
  t.is(r.ending, "Inmate hung up");
  t.true(r.durationSec >= 5);
  t.is(r.chargeCents, chargeOf(r));
  t.true((r.chargeCents ?? 0) > 0);
  await checkRecorded(t, calls!.lab, r);
  const sipp = await c.party!.done;
  t.is(sipp.code, 0, sipp.errors ?? sipp.stderr);
});

test("declined with 2: not completed, no charge, and the decline is in words", async (t) => {
  const c = cases[1]!;
  const r = await placeCall(calls!.lab, c).finally(() => h3.free());
  t.is(r.status, "not-completed");
  t.is(r.chargeCents, 0);
  t.regex(r.acceptance ?? "", /^Declined by the called party: pressed 2/);
  t.is((await c.party!.done).code, 0);
});

test("busy (486): the inmate hears busy, the record says so, no charge", async (t) => {
  const c = cases[2]!;
  const r = await placeCall(calls!.lab, c).finally(() => h5.free());
  t.is(r.status, "not-completed");
  t.regex(r.ending ?? "", /^Busy \(SIP 486/);
  t.is(r.chargeCents, 0);
  t.is((await c.party!.done).code, 0);
});

test("the called party hangs up during the announcement: free, and the record says who hung up", async (t) => {
  const c = cases[3]!;
  const r = await placeCall(calls!.lab, c).finally(() => h7.free());
  t.is(r.status, "not-completed");
  t.is(r.ending, "Called party hung up before accepting", r.decision);
  t.is(r.chargeCents, 0);
  t.is((await c.party!.done).code, 0);
});

test("extra digits from the called party during the call are reported; the call goes on (report is the default)", async (t) => {
  const c = cases[4]!;
  const extra: string[] = [];
  const off = calls!.lab.controller.calls.bus.on("fraud.extraDigits", (e) => {
    if (e.call.stationId === c.station) extra.push(`${e.from}:${e.digits}`);
  });
  t.teardown(off);
  await h7.done;
  await onHookGap();
  const r = await placeCall(calls!.lab, c);
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
  const r = await placeCall(calls!.lab, c);
  t.is(r.status, "not-completed");
  t.is(r.chargeCents, 0);
  t.regex(r.acceptance ?? "", /^Blocked by the called party: pressed 9/);
  t.is(r.ending, "Called party blocked calls from this facility");
  const block = await calls!.lab.controller.ds.db
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
  const r = await placeCall(calls!.lab, c);
  t.is(r.status, "not-completed");
  t.is(r.ending, "No answer");
  t.is(r.chargeCents, 0);
  t.is((await c.party!.done).code, 0);
});
