/**
 * Classes of service: the parameters of every feature in "Feature Descriptions", grouped by
 * feature groups, assigned to an inmate, a housing unit, a facility or a group of facilities.
 *
 * "A COS shall be capable of being assigned as a default configuration to the following
 * levels. Individual inmate/wards; Groups of inmate/wards as defined in sets of living units,
 * correctional facilities, groups of correctional facilities" — IWTS Feature Parameters.
 * The most specific level that says something about a feature wins, feature by feature; a COS
 * says nothing about a feature its feature group does not include ("If a feature is not
 * included in a feature group, its function shall be considered not applicable").
 */
import { type Static, Type } from "@sinclair/typebox";
import { CALL_TYPES, type CallType } from "./call-types.ts";
import { invalid } from "./errors.ts";
import { ScheduleWindowSchema, validateWindow, type ScheduleWindow } from "./schedule.ts";

export const FEATURES = [
  "schedule",
  "timeBetweenCalls",
  "maxCalls",
  "maxMinutes",
  "maxDuration",
  "extraDigits",
  "callTypes",
  "approvedNumbersOnly",
] as const;
export type Feature = (typeof FEATURES)[number];

/** Ranges from the spec's Feature Descriptions and "Call Limits and Termination". */
export const LIMITS = {
  /** "This time shall be set by minutes and shall range from 0 to 999." — Time Between Completed Calls */
  timeBetweenCallsMin: { min: 0, max: 999 },
  /** "This setting shall range from 0 to 999." — Maximum Number of Calls */
  maxCalls: { min: 0, max: 999 },
  /** "This time shall be set by minutes and shall range from 0 to 9,999." — Maximum Number of Minutes */
  maxMinutes: { min: 0, max: 9999 },
  /** "The time limits must have a variable range that supports calls of one (1) minute to thirty (30) minutes per call." */
  maxDurationMin: { min: 1, max: 30 },
  /** Extra Dialed Digits Prevention: digits allowed before the call is cut off (no range in the spec). */
  extraDigits: { min: 0, max: 99 },
} as const;

const Period = Type.Object({
  day: Type.Union([Type.Integer(), Type.Null()]),
  week: Type.Union([Type.Integer(), Type.Null()]),
  month: Type.Union([Type.Integer(), Type.Null()]),
});

export const CosParamsSchema = Type.Object(
  {
    schedule: Type.Optional(Type.Object({ enabled: Type.Boolean(), windows: Type.Array(ScheduleWindowSchema) })),
    timeBetweenCalls: Type.Optional(Type.Object({ enabled: Type.Boolean(), minutes: Type.Integer() })),
    maxCalls: Type.Optional(Type.Intersect([Type.Object({ enabled: Type.Boolean() }), Period])),
    maxMinutes: Type.Optional(Type.Intersect([Type.Object({ enabled: Type.Boolean() }), Period])),
    maxDuration: Type.Optional(Type.Object({ enabled: Type.Boolean(), minutes: Type.Integer() })),
    extraDigits: Type.Optional(Type.Object({ enabled: Type.Boolean(), limit: Type.Integer() })),
    callTypes: Type.Optional(
      Type.Object({ enabled: Type.Boolean(), allowed: Type.Array(Type.Union(CALL_TYPES.map((c) => Type.Literal(c)))) }),
    ),
    approvedNumbersOnly: Type.Optional(Type.Object({ enabled: Type.Boolean() })),
  },
  { additionalProperties: false },
);
export type CosParams = Static<typeof CosParamsSchema>;

export interface PeriodLimits {
  enabled: boolean;
  day: number | null;
  week: number | null;
  month: number | null;
}

/** Every feature with a value: what resolution produces. */
export interface EffectiveCos {
  schedule: { enabled: boolean; windows: ScheduleWindow[] };
  timeBetweenCalls: { enabled: boolean; minutes: number };
  maxCalls: PeriodLimits;
  maxMinutes: PeriodLimits;
  maxDuration: { enabled: boolean; minutes: number };
  extraDigits: { enabled: boolean; limit: number };
  callTypes: { enabled: boolean; allowed: CallType[] };
  approvedNumbersOnly: { enabled: boolean };
}

/**
 * What applies when no level says anything: no schedule, no counts, every call type, and a
 * 15-minute call limit (a common correctional default inside the spec's 1–30 range).
 */
export const SYSTEM_DEFAULT_COS: EffectiveCos = {
  schedule: { enabled: false, windows: [] },
  timeBetweenCalls: { enabled: false, minutes: 0 },
  maxCalls: { enabled: false, day: null, week: null, month: null },
  maxMinutes: { enabled: false, day: null, week: null, month: null },
  maxDuration: { enabled: true, minutes: 15 },
  extraDigits: { enabled: false, limit: 0 },
  callTypes: { enabled: false, allowed: [...CALL_TYPES] },
  approvedNumbersOnly: { enabled: false },
};

function inRange(name: string, v: number | null, r: { min: number; max: number }): void {
  if (v === null) return;
  if (!Number.isInteger(v) || v < r.min || v > r.max)
    throw invalid(`${name} must be a whole number from ${r.min} to ${r.max}`);
}

/** Checks every parameter against the spec's ranges; throws DomainError("invalid"). */
export function validateCosParams(p: CosParams, features: readonly Feature[]): void {
  for (const k of Object.keys(p)) {
    if (!(FEATURES as readonly string[]).includes(k)) throw invalid(`unknown feature ${k}`);
    if (!features.includes(k as Feature)) throw invalid(`feature ${k} is not in this class's feature group`);
  }
  if (p.schedule) for (const w of p.schedule.windows) validateWindow(w);
  if (p.timeBetweenCalls)
    inRange("time between calls (minutes)", p.timeBetweenCalls.minutes, LIMITS.timeBetweenCallsMin);
  if (p.maxCalls)
    for (const k of ["day", "week", "month"] as const)
      inRange(`maximum calls per ${k}`, p.maxCalls[k], LIMITS.maxCalls);
  if (p.maxMinutes)
    for (const k of ["day", "week", "month"] as const)
      inRange(`maximum minutes per ${k}`, p.maxMinutes[k], LIMITS.maxMinutes);
  if (p.maxDuration) inRange("maximum call duration (minutes)", p.maxDuration.minutes, LIMITS.maxDurationMin);
  if (p.extraDigits) inRange("extra dialled digits", p.extraDigits.limit, LIMITS.extraDigits);
  if (p.callTypes)
    for (const c of p.callTypes.allowed)
      if (!(CALL_TYPES as readonly string[]).includes(c)) throw invalid(`unknown call type ${c}`);
}

export type CosLevel = "inmate" | "housing-unit" | "facility" | "facility-group" | "system-default";

export interface CosDefinition {
  id: string;
  name: string;
  features: ReadonlySet<Feature>;
  params: CosParams;
}

export interface CosSource {
  level: CosLevel;
  cosId: string | null;
  cosName: string;
}

export type CosExplanation = { [F in Feature]: { value: EffectiveCos[F]; from: CosSource } };

/** The chain from most to least specific, as (level, cos) pairs; missing levels are skipped. */
export type CosChain = ReadonlyArray<{ level: Exclude<CosLevel, "system-default">; cos: CosDefinition | undefined }>;

/** Effective value of every feature and the level/COS it came from. */
export function explainCos(chain: CosChain): CosExplanation {
  const out = {} as Record<Feature, { value: unknown; from: CosSource }>;
  for (const f of FEATURES) {
    let found: { value: unknown; from: CosSource } | undefined;
    for (const { level, cos } of chain) {
      if (!cos?.features.has(f)) continue;
      const v = cos.params[f];
      if (v === undefined) continue;
      found = { value: v, from: { level, cosId: cos.id, cosName: cos.name } };
      break;
    }
    out[f] = found ?? {
      value: SYSTEM_DEFAULT_COS[f],
      from: { level: "system-default", cosId: null, cosName: "system default" },
    };
  }
  return out as CosExplanation;
}

export function resolveCos(chain: CosChain): EffectiveCos {
  const e = explainCos(chain);
  const out = {} as Record<Feature, unknown>;
  for (const f of FEATURES) out[f] = e[f].value;
  return out as EffectiveCos;
}
