import test from "ava";
import {
  type AuthorizeRequest,
  authorize,
  type Decision,
  NO_USAGE,
  SAFETY_LIMIT_SEC,
  type Usage,
} from "../../../controller/domain/authorize.ts";
import { block, cos, inmate, snapshot } from "./snapshot-fixture.ts";

const T0 = Date.UTC(2026, 0, 5, 20, 0, 0); // Monday 12:00 in Los Angeles

function req(dialled: string, over: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return { stationId: "st-1", inmate: { pin: "1234" }, dialled, at: T0, usage: NO_USAGE, ...over };
}

function rule(d: Decision): string {
  return d.allowed ? "allowed" : d.rule;
}

function usage(u: Partial<Usage>): Usage {
  return { ...NO_USAGE, ...u };
}

const s0 = snapshot();

test("a call to an ordinary local number is allowed with the inmate's limits, recording and rate disclosure", (t) => {
  const d = authorize(s0, req("2132001234"));
  if (!d.allowed) return t.fail(d.reason.en);
  t.is(d.destination, "+12132001234");
  t.is(d.callType, "local");
  t.is(d.inmateId, "I-1");
  t.is(d.recording, "record");
  t.true(d.monitoringAllowed);
  t.is(d.maxDurationSec, 15 * 60);
  t.deepEqual(d.warningsAtSec, [840, 870]);
  t.is(d.rate.perMinuteMills, 100);
  t.regex(d.rate.disclosure.en, /10 cents per minute/);
  t.regex(d.rate.disclosure.es, /10 centavos/);
  t.is(d.calledPartyLanguage, "es");
});

test("denial reasons are plain sentences in English and Spanish, never codes", (t) => {
  const d = authorize(s0, req("9002001234"));
  if (d.allowed) return t.fail();
  t.regex(d.reason.en, /^[A-Z].*\.$/);
  t.regex(d.reason.es, /^[A-Z].*\.$/);
  t.notRegex(d.reason.en, /blocked-general/);
});

test("the telephone, facility and housing unit switches are checked before anything else", (t) => {
  t.is(rule(authorize(s0, req("2132001234", { stationId: "nope" }))), "station-unknown");
  const st = new Map(s0.stations);
  st.set("st-1", { ...(st.get("st-1") as NonNullable<ReturnType<typeof st.get>>), enabled: false });
  t.is(rule(authorize({ ...s0, stations: st }, req("0"))), "station-disabled");
  t.is(
    rule(authorize({ ...s0, facility: { ...s0.facility, enabled: false } }, req("2132001234"))),
    "facility-disabled",
  );
  const hu = new Map(s0.housingUnits);
  hu.set("unit-a", { id: "unit-a", name: "A", enabled: false, cosId: null });
  t.is(rule(authorize({ ...s0, housingUnits: hu }, req("2132001234"))), "housing-unit-disabled");
});

test("an unknown PIN or an inactive inmate is refused before the number is looked at", (t) => {
  t.is(rule(authorize(s0, req("0", { inmate: { pin: "0000" } }))), "inmate-unknown");
  const s = snapshot({ inmates: [inmate("I-1", { status: "suspended" })] });
  t.is(rule(authorize(s, req("0", { inmate: { inmateId: "I-1" } }))), "inmate-inactive");
});

test("general blocks: operator and 0+ calls, N11 codes, carrier access 101XXXX and 950-XXXX, premium 900/976, toll-free", (t) => {
  for (const dialled of [
    "0",
    "02132001234",
    "411",
    "911",
    "1010288",
    "10103332132001234",
    "9501234",
    "2139501234",
    "19002001234",
    "9762001234",
    "8002001234",
    "8772001234",
  ]) {
    const d = authorize(s0, req(dialled));
    t.is(rule(d), "blocked-general", dialled);
  }
});

test("a general block is explained by what it covers, in English and Spanish, without the staff's note", (t) => {
  const d = authorize(s0, req("1010288"));
  if (d.allowed) return t.fail();
  t.is(d.reason.en, "Calls to long distance carrier access codes cannot be made from this telephone system.");
  t.is(
    d.reason.es,
    "No se pueden hacer llamadas a códigos de acceso a compañías de larga distancia desde este sistema telefónico.",
  );
  t.regex(d.detail ?? "", /101XXXX/);
  const op = authorize(s0, req("0"));
  t.is(!op.allowed && op.reason.en, "Calls to the operator cannot be made from this telephone system.");
});

test("without a general block, operator and service codes still cannot be placed as collect calls", (t) => {
  const s = snapshot({ generalBlocks: false });
  t.is(rule(authorize(s, req("411"))), "number-invalid");
  t.is(rule(authorize(s, req("9002001234"))), "allowed");
});

test("specific blocks: a single number, a range, and the called party's own block reported apart", (t) => {
  const s = snapshot({
    blocks: [
      block("number", "3102001111", { reason: "victim" }),
      block("range", "8182000000..8182000540", { reason: "witness exchange" }),
      block("number", "7022001234", { byCalledParty: true, reason: "called party" }),
    ],
  });
  const victim = authorize(s, req("13102001111"));
  t.is(rule(victim), "blocked-number");
  t.true(!victim.allowed && victim.detail?.includes("victim"));
  t.false(!victim.allowed && victim.reason.en.includes("victim"), "the prompt does not say why");
  t.is(rule(authorize(s, req("8182000540"))), "blocked-number");
  t.is(rule(authorize(s, req("8182000541"))), "allowed");
  t.is(rule(authorize(s, req("7022001234"))), "blocked-called-party");
});

test("an international block by country prefix applies to 011 calls", (t) => {
  const s = snapshot({ blocks: [block("pattern", "prefix:+52", { reason: "Mexico blocked by order" })] });
  t.is(rule(authorize(s, req("011525512345678"))), "blocked-general");
  t.is(rule(authorize(s, req("01144207123456"))), "allowed");
});

test("privileged numbers are never recorded or monitored, bypass blocks and limits, and may be accepted passively", (t) => {
  const limits = cos("strict", { maxCalls: { enabled: true, day: 0, week: null, month: null } });
  const s = snapshot({
    privileged: [
      { number: "8005550100", kind: "prea", passive: true },
      { number: "2132007777", kind: "attorney" },
    ],
    cos: [limits],
    facilityCosId: "strict",
  });
  const prea = authorize(s, req("18005550100"));
  if (!prea.allowed) return t.fail(prea.reason.en);
  t.is(prea.recording, "never");
  t.false(prea.monitoringAllowed);
  t.true(prea.passiveAcceptance);
  t.true(prea.rate.free);
  t.is(prea.rate.perMinuteMills, 0);
  const lawyer = authorize(s, req("2132007777"));
  if (!lawyer.allowed) return t.fail(lawyer.reason.en);
  t.is(lawyer.recording, "never");
  t.false(lawyer.rate.free);
  t.is(lawyer.rate.perMinuteMills, 100);
  t.is(rule(authorize(s, req("2132001234"))), "max-calls");
});

test("a hot number is allowed and carries its alert targets", (t) => {
  const s = snapshot({ hot: [["4152001000", ["ops-desk", "investigator@example.org"]]] });
  const d = authorize(s, req("4152001000"));
  if (!d.allowed) return t.fail();
  t.deepEqual(d.hotNumber?.alertTargets, ["ops-desk", "investigator@example.org"]);
  t.is(
    authorize(s0, req("4152001000")).allowed && (authorize(s0, req("4152001000")) as { hotNumber: unknown }).hotNumber,
    null,
  );
});

test("time between completed calls: 0 allows at once, 999 waits, disabled never waits", (t) => {
  const mk = (enabled: boolean, minutes: number) =>
    snapshot({ cos: [cos("c", { timeBetweenCalls: { enabled, minutes } })], facilityCosId: "c" });
  const justEnded = usage({ lastCompletedEndedAt: T0 - 1000 });
  t.is(rule(authorize(mk(true, 0), req("2132001234", { usage: justEnded }))), "allowed");
  const d = authorize(mk(true, 999), req("2132001234", { usage: justEnded }));
  t.is(rule(d), "time-between-calls");
  t.true(!d.allowed && d.reason.en.includes("999 minutes"));
  t.is(
    rule(authorize(mk(true, 999), req("2132001234", { usage: usage({ lastCompletedEndedAt: T0 - 999 * 60_000 }) }))),
    "allowed",
  );
  t.is(rule(authorize(mk(false, 999), req("2132001234", { usage: justEnded }))), "allowed");
});

test("maximum calls per day, week and month: 0 allows none, 999 allows the 999th, disabled has no limit", (t) => {
  const mk = (enabled: boolean, day: number | null, week: number | null, month: number | null) =>
    snapshot({ cos: [cos("c", { maxCalls: { enabled, day, week, month } })], facilityCosId: "c" });
  t.is(rule(authorize(mk(true, 0, null, null), req("2132001234"))), "max-calls");
  t.is(rule(authorize(mk(true, 999, null, null), req("2132001234", { usage: usage({ callsDay: 998 }) }))), "allowed");
  t.is(rule(authorize(mk(true, 999, null, null), req("2132001234", { usage: usage({ callsDay: 999 }) }))), "max-calls");
  const week = authorize(mk(true, null, 10, null), req("2132001234", { usage: usage({ callsWeek: 10 }) }));
  t.true(!week.allowed && week.reason.en.includes("per week"));
  const month = authorize(mk(true, null, null, 30), req("2132001234", { usage: usage({ callsMonth: 30 }) }));
  t.true(!month.allowed && month.reason.es.includes("por mes"));
  t.is(rule(authorize(mk(false, 0, 0, 0), req("2132001234", { usage: usage({ callsDay: 5000 }) }))), "allowed");
});

test("maximum minutes: 0 allows none, 9,999 allows what is left, the remainder shortens the call, disabled has no limit", (t) => {
  const mk = (enabled: boolean, day: number | null, month: number | null = null) =>
    snapshot({ cos: [cos("c", { maxMinutes: { enabled, day, week: null, month } })], facilityCosId: "c" });
  t.is(rule(authorize(mk(true, 0), req("2132001234"))), "max-minutes");
  const rest = authorize(mk(true, 9999), req("2132001234", { usage: usage({ minutesDay: 9995 }) }));
  if (!rest.allowed) return t.fail();
  t.is(rest.maxDurationSec, 4 * 60);
  t.deepEqual(rest.warningsAtSec, [180, 210]);
  t.is(rule(authorize(mk(true, 9999), req("2132001234", { usage: usage({ minutesDay: 9999 }) }))), "max-minutes");
  t.is(rule(authorize(mk(true, null, 100), req("2132001234", { usage: usage({ minutesMonth: 100 }) }))), "max-minutes");
  t.is(rule(authorize(mk(false, 0), req("2132001234"))), "allowed");
});

test("maximum call duration: 1 minute gives one warning at 30 s, 30 minutes warns at 60 and 30 s before, disabled falls back to 99 minutes", (t) => {
  const mk = (enabled: boolean, minutes: number) =>
    snapshot({ cos: [cos("c", { maxDuration: { enabled, minutes } })], facilityCosId: "c" });
  const one = authorize(mk(true, 1), req("2132001234"));
  const thirty = authorize(mk(true, 30), req("2132001234"));
  const off = authorize(mk(false, 1), req("2132001234"));
  if (!one.allowed || !thirty.allowed || !off.allowed) return t.fail();
  t.is(one.maxDurationSec, 60);
  t.deepEqual(one.warningsAtSec, [30]);
  t.is(thirty.maxDurationSec, 1800);
  t.deepEqual(thirty.warningsAtSec, [1740, 1770]);
  t.is(off.maxDurationSec, SAFETY_LIMIT_SEC);
});

test("extra dialled digits: the limit is passed to call processing when enabled, null when disabled", (t) => {
  const on = authorize(
    snapshot({ cos: [cos("c", { extraDigits: { enabled: true, limit: 0 } })], facilityCosId: "c" }),
    req("2132001234"),
  );
  const off = authorize(
    snapshot({ cos: [cos("c", { extraDigits: { enabled: false, limit: 5 } })], facilityCosId: "c" }),
    req("2132001234"),
  );
  t.is(on.allowed && on.extraDigitsLimit, 0);
  t.is(off.allowed && off.extraDigitsLimit, null);
  // "enabling or disabling this feature for ... individual telephone numbers": the number's own setting wins.
  const perNumber = snapshot({
    cos: [cos("c", { extraDigits: { enabled: true, limit: 0 } })],
    facilityCosId: "c",
    inmates: [
      inmate("I-1", {
        approved: new Map([
          ["+12132001234", { language: "en", name: "bank line", extraDigitsLimit: 12 }],
          ["+12132001235", { language: "en", name: "sister", extraDigitsLimit: -1 }],
        ]),
      }),
    ],
  });
  const ivr = authorize(perNumber, req("2132001234"));
  const sister = authorize(perNumber, req("2132001235"));
  const other = authorize(perNumber, req("2132001236"));
  t.is(ivr.allowed && ivr.extraDigitsLimit, 12);
  t.is(sister.allowed && sister.extraDigitsLimit, null);
  t.is(other.allowed && other.extraDigitsLimit, 0);
});

test("allowed call types and the approved-number list are enforced when their features are on", (t) => {
  const s = snapshot({
    cos: [cos("c", { callTypes: { enabled: true, allowed: ["local", "intralata"] } })],
    facilityCosId: "c",
  });
  t.is(rule(authorize(s, req("3102001234"))), "allowed");
  const intl = authorize(s, req("01144207123456"));
  t.is(rule(intl), "call-type-not-allowed");
  t.true(!intl.allowed && intl.reason.en.startsWith("International calls are not allowed"));
  const approved = snapshot({
    cos: [cos("c", { approvedNumbersOnly: { enabled: true } })],
    facilityCosId: "c",
    inmates: [inmate("I-1", { approved: new Map([["+12132001234", { language: "es", name: "mother" }]]) })],
  });
  const ok = authorize(approved, req("2132001234"));
  t.is(ok.allowed && ok.calledPartyLanguage, "es");
  t.is(rule(authorize(approved, req("2132001235"))), "not-approved");
});

test("the inmate's class of service beats the housing unit's, which beats the facility's and the group's", (t) => {
  const s = snapshot({
    cos: [
      cos("group", { maxDuration: { enabled: true, minutes: 25 } }),
      cos("facility", { maxDuration: { enabled: true, minutes: 20 } }),
      cos("unit", { maxDuration: { enabled: true, minutes: 10 } }),
      cos("inmate", { maxDuration: { enabled: true, minutes: 5 } }),
    ],
    groupCosId: "group",
    facilityCosId: "facility",
    unitCosId: "unit",
    inmates: [inmate("I-1", { cosId: "inmate" }), inmate("I-2", { housingUnitId: "unit-b" }), inmate("I-3")],
  });
  const dur = (id: string) => {
    const d = authorize(s, req("2132001234", { inmate: { inmateId: id } }));
    return d.allowed ? d.maxDurationSec / 60 : -1;
  };
  t.is(dur("I-1"), 5);
  t.is(dur("I-3"), 10);
  t.is(dur("I-2"), 20);
  const g = snapshot({ cos: [cos("group", { maxDuration: { enabled: true, minutes: 25 } })], groupCosId: "group" });
  const d = authorize(g, req("2132001234"));
  t.is(d.allowed && d.maxDurationSec, 25 * 60);
});

test("a schedule closes calls outside its windows and shortens a call to the window's end", (t) => {
  // Monday 08:00–12:30 facility hours; the call at 12:00 gets 30 minutes at most, capped by the 15-minute default.
  const s = snapshot({ facilitySchedule: [{ day: 1, startMin: 480, endMin: 750 }] });
  const d = authorize(s, req("2132001234", { at: T0 + 20 * 60_000 }));
  if (!d.allowed) return t.fail(d.reason.en);
  t.is(d.maxDurationSec, 10 * 60);
  const closed = authorize(s, req("2132001234", { at: T0 + 31 * 60_000 }));
  t.is(rule(closed), "schedule");
  t.true(!closed.allowed && closed.reason.en.includes("facility"));
  const bank = snapshot({ bankSchedule: [{ day: 2, startMin: 0, endMin: 1440 }] });
  const b = authorize(bank, req("2132001234"));
  t.true(!b.allowed && b.reason.en.includes("these telephones"));
  const own = snapshot({ inmates: [inmate("I-1", { schedule: [{ day: 3, startMin: 0, endMin: 60 }] })] });
  t.is(rule(authorize(own, req("2132001234"))), "schedule");
});

test("checks run in the documented order: blocks before limits, limits before rates", (t) => {
  const s = snapshot({
    cos: [cos("c", { maxCalls: { enabled: true, day: 0, week: null, month: null } })],
    facilityCosId: "c",
    blocks: [block("number", "2132001234")],
    rates: { local: [] },
  });
  t.is(rule(authorize(s, req("2132001234"))), "blocked-number");
  t.is(rule(authorize(s, req("2132001235"))), "max-calls");
  const noRate = snapshot({ rates: { local: [] } });
  t.is(rule(authorize(noRate, req("2132001235"))), "no-rate");
});

test("the rate in force on the call's facility date is used", (t) => {
  const s = snapshot({
    rates: {
      local: [
        { id: "new", callType: "local", effectiveFrom: "2026-01-06", perMinuteMills: 90, billingIncrementSec: 60 },
        { id: "old", callType: "local", effectiveFrom: "2025-12-05", perMinuteMills: 100, billingIncrementSec: 60 },
      ],
    },
  });
  // 2026-01-06 07:59 UTC is still 2026-01-05 in Los Angeles.
  const before = authorize(s, req("2132001234", { at: Date.UTC(2026, 0, 6, 7, 59) }));
  const after = authorize(s, req("2132001234", { at: Date.UTC(2026, 0, 6, 8, 0) }));
  t.is(before.allowed && before.rate.rateId, "old");
  t.is(after.allowed && after.rate.rateId, "new");
});
