/**
 * The one decision every call passes: (station, inmate, dialled digits, time, usage so far)
 * → allowed with its limits, recording policy and rate, or denied with a reason in plain
 * English and Spanish. Pure and synchronous over a FacilitySnapshot: no I/O, no clock.
 *
 * "A call shall be completed only if the inmate/ward attempting to place that specific call is
 * allowed to do so within the confines of the applicable feature group configuration."
 * — Feature Groups. "All calls shall be validated on a real time basis to restrict access to
 * blocked numbers" — Call Control System. Check order: reasons.ts DENIAL_ORDER.
 */
import { classify } from "../rating/classify.ts";
import { rateDisclosure } from "../rating/disclosure.ts";
import type { CallType } from "./call-types.ts";
import { type CosChain, resolveCos } from "./cos.ts";
import { parseDialled } from "./dialled.ts";
import { hashPin } from "./pin.ts";
import { type DenialRule, type Period, type Reason, reasons, type ScheduleScope } from "./reasons.ts";
import { localDateOf, type ScheduleWindow, scheduleOpen } from "./schedule.ts";
import type { FacilitySnapshot, Language, SnapshotInmate, SnapshotRate } from "./snapshot.ts";

/** Usage so far in the facility's day, week (ISO, from Monday) and month; see usage.ts. */
export interface Usage {
  callsDay: number;
  callsWeek: number;
  callsMonth: number;
  minutesDay: number;
  minutesWeek: number;
  minutesMonth: number;
  /** End of the last completed (accepted) call, epoch ms. */
  lastCompletedEndedAt: number | null;
}

export const NO_USAGE: Usage = {
  callsDay: 0,
  callsWeek: 0,
  callsMonth: 0,
  minutesDay: 0,
  minutesWeek: 0,
  minutesMonth: 0,
  lastCompletedEndedAt: null,
};

export interface AuthorizeRequest {
  stationId: string;
  inmate: { inmateId: string } | { pin: string };
  dialled: string;
  at: number;
  usage: Usage;
}

export interface Allowed {
  allowed: true;
  inmateId: string;
  inmateName: string;
  language: Language;
  /** Language of the called party's prompts (from the approved-number entry, else the inmate's). */
  calledPartyLanguage: Language;
  destination: string;
  callType: CallType;
  place: string;
  maxDurationSec: number;
  /** Seconds after acceptance at which to warn: 60 and 30 s before the limit ("Call Limits and Termination"). */
  warningsAtSec: number[];
  /** Extra digits tolerated after the call is set up; null when the feature is off. */
  extraDigitsLimit: number | null;
  recording: "record" | "never";
  monitoringAllowed: boolean;
  privileged: { kind: string; name: string } | null;
  passiveAcceptance: boolean;
  hotNumber: { reason: string; alertTargets: string[] } | null;
  rate: {
    rateId: string | null;
    perMinuteMills: number;
    billingIncrementSec: number;
    effectiveFrom: string | null;
    free: boolean;
    disclosure: Reason;
  };
  /** Each limit that shaped maxDurationSec, and the call type's basis, in plain words. */
  explanation: string[];
}

export interface Denied {
  allowed: false;
  rule: DenialRule;
  reason: Reason;
  /** Known when the check got that far (for the call record). */
  inmateId?: string;
  destination?: string;
  callType?: CallType;
  /** Operator-facing detail (the block's recorded reason, the limit's source); not for the prompt. */
  detail?: string;
}

export type Decision = Allowed | Denied;

function deny(rule: DenialRule, reason: Reason, extra: Partial<Denied> = {}): Denied {
  return { allowed: false, rule, reason, ...extra };
}

/** The rate row in force on `localDate` (YYYY-MM-DD, facility time). */
export function rateOn(rows: readonly SnapshotRate[] | undefined, localDate: string): SnapshotRate | undefined {
  if (!rows) return undefined;
  for (const r of rows) if (r.effectiveFrom <= localDate) return r;
  return undefined;
}

export function cosChainFor(s: FacilitySnapshot, inmate: SnapshotInmate): CosChain {
  const hu = inmate.housingUnitId ? s.housingUnits.get(inmate.housingUnitId) : undefined;
  const get = (id: string | null | undefined) => (id ? s.cos.get(id) : undefined);
  return [
    { level: "inmate", cos: get(inmate.cosId) },
    { level: "housing-unit", cos: get(hu?.cosId) },
    { level: "facility", cos: get(s.facility.cosId) },
    { level: "facility-group", cos: get(s.facility.groupCosId) },
  ];
}

const PERIODS: readonly Period[] = ["day", "week", "month"];

export function authorize(s: FacilitySnapshot, req: AuthorizeRequest): Decision {
  // 1. The telephone and the switches above it.
  const station = s.stations.get(req.stationId);
  if (!station) return deny("station-unknown", reasons.stationUnknown());
  if (!station.enabled || !station.phoneBankEnabled) return deny("station-disabled", reasons.stationDisabled());
  if (!s.facility.enabled) return deny("facility-disabled", reasons.facilityDisabled());
  const stationUnit = station.housingUnitId ? s.housingUnits.get(station.housingUnitId) : undefined;
  if (stationUnit && !stationUnit.enabled) return deny("housing-unit-disabled", reasons.housingUnitDisabled());

  // 2. Who is calling.
  const inmateId =
    "pin" in req.inmate ? s.inmatesByPinHash.get(hashPin(s.pinKey, req.inmate.pin)) : req.inmate.inmateId;
  const inmate = inmateId ? s.inmates.get(inmateId) : undefined;
  if (!inmate) return deny("inmate-unknown", reasons.inmateUnknown());
  if (inmate.status !== "active") return deny("inmate-inactive", reasons.inmateInactive(), { inmateId: inmate.id });
  const inmateUnit = inmate.housingUnitId ? s.housingUnits.get(inmate.housingUnitId) : undefined;
  if (inmateUnit && !inmateUnit.enabled)
    return deny("housing-unit-disabled", reasons.housingUnitDisabled(), { inmateId: inmate.id });

  // 3. What was dialled.
  const d = parseDialled(req.dialled, s.facility.npa);
  const base = { inmateId: inmate.id };
  if (d.kind === "invalid") return deny("number-invalid", reasons.numberInvalid(), base);
  if (d.kind !== "nanp" && d.kind !== "international") {
    const g = s.blocks.general(d);
    if (g)
      return deny("blocked-general", reasons.blockedGeneral(g.pattern), {
        ...base,
        detail: `${g.pattern}: ${g.reason}`,
      });
    // Operator, N11 and carrier codes cannot be completed as collect calls even when unblocked.
    return deny("number-invalid", reasons.numberInvalid(), base);
  }
  const destination = d.e164;
  const cls = classify(d, s.facility, (npa, nxx) => s.exchanges.get(npa + nxx));
  const known = { ...base, destination, callType: cls.callType };
  const privileged = s.privileged.get(destination);
  const cos = resolveCos(cosChainFor(s, inmate));
  const explanation: string[] = [`call type ${cls.callType}: ${cls.basis}`];

  // 4. Number lists. Privileged numbers (attorneys, PREA, ombudsman) skip the lists, the call
  //    type, approved-list and usage checks: they must stay reachable.
  if (!privileged) {
    const g = s.blocks.general(d);
    if (g)
      return deny("blocked-general", reasons.blockedGeneral(g.pattern), {
        ...known,
        detail: `${g.pattern}: ${g.reason}`,
      });
    const b = s.blocks.specific(destination);
    if (b?.byCalledParty)
      return deny("blocked-called-party", reasons.blockedCalledParty(), { ...known, detail: b.reason });
    if (b)
      return deny("blocked-number", reasons.blockedNumber(), {
        ...known,
        detail: `${b.category}: ${b.reason} (set by ${b.setBy})`,
      });
    if (cos.callTypes.enabled && !cos.callTypes.allowed.includes(cls.callType)) {
      return deny("call-type-not-allowed", reasons.callTypeNotAllowed(cls.callType), known);
    }
    if (cos.approvedNumbersOnly.enabled && !inmate.approved.has(destination)) {
      return deny("not-approved", reasons.notApproved(), known);
    }
  } else {
    explanation.push(
      `privileged number (${privileged.kind}: ${privileged.name}): not recorded, not monitored, exempt from blocks and limits`,
    );
  }

  // 5. Schedules: facility and phone bank always (the phones are off); the inmate's own and the
  //    class of service's only for ordinary calls.
  const zone = s.facility.timeZone;
  const scopes: Array<[ScheduleScope, readonly ScheduleWindow[]]> = [
    ["facility", s.schedules.facility],
    ["phone-bank", s.schedules.phoneBanks.get(station.phoneBankId) ?? []],
  ];
  if (!privileged) {
    scopes.push(["inmate", inmate.schedule]);
    if (cos.schedule.enabled) scopes.push(["class-of-service", cos.schedule.windows]);
  }
  let limitSec = Number.POSITIVE_INFINITY;
  for (const [scope, windows] of scopes) {
    const o = scheduleOpen(windows, req.at, zone);
    if (!o.open) return deny("schedule", reasons.schedule(scope), known);
    if (o.remainingMs < limitSec * 1000) {
      limitSec = Math.floor(o.remainingMs / 1000);
      explanation.push(`${scope} schedule closes in ${limitSec} s`);
    }
  }

  // 6. Usage limits.
  if (!privileged) {
    const u = req.usage;
    if (cos.timeBetweenCalls.enabled && u.lastCompletedEndedAt !== null) {
      const due = u.lastCompletedEndedAt + cos.timeBetweenCalls.minutes * 60_000;
      if (req.at < due)
        return deny("time-between-calls", reasons.timeBetweenCalls(Math.ceil((due - req.at) / 60_000)), known);
    }
    const count = { day: u.callsDay, week: u.callsWeek, month: u.callsMonth };
    const mins = { day: u.minutesDay, week: u.minutesWeek, month: u.minutesMonth };
    if (cos.maxCalls.enabled) {
      for (const p of PERIODS) {
        const lim = cos.maxCalls[p];
        if (lim !== null && count[p] >= lim) return deny("max-calls", reasons.maxCalls(lim, p), known);
      }
    }
    if (cos.maxMinutes.enabled) {
      for (const p of PERIODS) {
        const lim = cos.maxMinutes[p];
        if (lim === null) continue;
        const left = lim - mins[p];
        if (left <= 0) return deny("max-minutes", reasons.maxMinutes(lim, p), known);
        if (left * 60 < limitSec) {
          limitSec = left * 60;
          explanation.push(`${left} minute(s) left of the ${lim} per ${p}`);
        }
      }
    }
  }

  // 7. Rate.
  const localDate = localDateOf(req.at, zone);
  const rate = rateOn(s.rates.get(cls.callType), localDate);
  const free = privileged?.free ?? false;
  if (!rate && !free) return deny("no-rate", reasons.noRate(cls.callType), known);

  if (cos.maxDuration.enabled && cos.maxDuration.minutes * 60 < limitSec) {
    limitSec = cos.maxDuration.minutes * 60;
    explanation.push(`maximum call duration ${cos.maxDuration.minutes} min`);
  }
  const maxDurationSec = Number.isFinite(limitSec) ? limitSec : SAFETY_LIMIT_SEC;
  const warningsAtSec = [60, 30].map((before) => maxDurationSec - before).filter((t) => t > 0);
  const hot = s.hot.get(destination);
  const approved = inmate.approved.get(destination);
  const perMinuteMills = free ? 0 : (rate?.perMinuteMills ?? 0);
  const billingIncrementSec = rate?.billingIncrementSec ?? 60;
  return {
    allowed: true,
    inmateId: inmate.id,
    inmateName: inmate.name,
    language: inmate.language,
    calledPartyLanguage: approved?.language ?? inmate.language,
    destination,
    callType: cls.callType,
    place: cls.place,
    maxDurationSec,
    warningsAtSec,
    extraDigitsLimit: extraDigitsFor(cos, approved?.extraDigitsLimit),
    recording: privileged ? "never" : "record",
    monitoringAllowed: !privileged,
    privileged: privileged ? { kind: privileged.kind, name: privileged.name } : null,
    passiveAcceptance: privileged?.passiveAcceptance ?? false,
    hotNumber: hot ? { reason: hot.reason, alertTargets: hot.alertTargets } : null,
    rate: {
      rateId: free ? null : (rate?.id ?? null),
      perMinuteMills,
      billingIncrementSec,
      effectiveFrom: free ? null : (rate?.effectiveFrom ?? null),
      free,
      disclosure: rateDisclosure(s.provider, perMinuteMills, billingIncrementSec, free),
    },
    explanation,
  };
}

/** The number's own setting wins over the class of service ("for individual telephone numbers"). */
function extraDigitsFor(cos: ReturnType<typeof resolveCos>, perNumber: number | null | undefined): number | null {
  if (perNumber !== null && perNumber !== undefined) return perNumber < 0 ? null : perNumber;
  return cos.extraDigits.enabled ? cos.extraDigits.limit : null;
}

/**
 * When no feature limits a call (duration disabled, no schedule) it still ends after 99
 * minutes, the top of the spec's Call Duration range ("shall range from 0 to 99").
 */
export const SAFETY_LIMIT_SEC = 99 * 60;
