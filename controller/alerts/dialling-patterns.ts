/**
 * Unusual dialling patterns (IWTS, Fraud Detection: "features and reports which allow the State
 * to maximize its efforts to detect and prevent fraudulent, illicit, or unauthorized
 * activity"). Two patterns investigators ask about, each counted in a sliding window:
 *
 * - one inmate dialling many different numbers in a short time (working through a list, or
 *   hunting for a line that will bridge a third party);
 * - one inmate's PIN used at several stations in a short time (a shared or stolen PIN).
 *
 * Each fires once when its count reaches the limit; the alert service groups repeats.
 */
import type { Clock } from "../../telephony/clock.ts";
import type { AlertEvent } from "./events.ts";

export interface DiallingPatternRules {
  /** Distinct numbers by one inmate within `numbersWindowMs` that count as unusual. */
  distinctNumbers: number;
  numbersWindowMs: number;
  /** Distinct stations one inmate's PIN is used at within `stationsWindowMs`. */
  distinctStations: number;
  stationsWindowMs: number;
}

/**
 * Defaults: an inmate rarely has six different approved numbers worth trying inside ten
 * minutes, and cannot plausibly walk between three phone stations' housing areas within half an
 * hour on a normal schedule. Both are settings, to be tuned per facility.
 */
export const defaultDiallingPatternRules: DiallingPatternRules = {
  distinctNumbers: 6,
  numbersWindowMs: 10 * 60_000,
  distinctStations: 3,
  stationsWindowMs: 30 * 60_000,
};

export interface Dial {
  facilityId: string;
  inmateId: string;
  inmateName?: string;
  stationId: string;
  number: string;
}

interface Seen {
  at: number;
  value: string;
}

function distinctWithin(list: Seen[], from: number): number {
  while (list.length > 0 && (list[0] as Seen).at <= from) list.shift();
  return new Set(list.map((s) => s.value)).size;
}

export class DiallingPatternDetector {
  private readonly clock: Clock;
  private readonly rules: DiallingPatternRules;
  private readonly numbers = new Map<string, Seen[]>();
  private readonly stations = new Map<string, Seen[]>();

  constructor(clock: Clock, rules: DiallingPatternRules = defaultDiallingPatternRules) {
    this.clock = clock;
    this.rules = rules;
  }

  /** Records one dialled call; returns the unusual-dialling alerts it completes (usually none). */
  dial(d: Dial): AlertEvent[] {
    const now = this.clock.now();
    const key = `${d.facilityId}|${d.inmateId}`;
    const inmate = d.inmateName ? { id: d.inmateId, name: d.inmateName } : { id: d.inmateId };
    const out: AlertEvent[] = [];

    const nums = this.numbers.get(key) ?? [];
    const before = distinctWithin(nums, now - this.rules.numbersWindowMs);
    nums.push({ at: now, value: d.number });
    this.numbers.set(key, nums);
    const after = new Set(nums.map((s) => s.value)).size;
    if (before < this.rules.distinctNumbers && after >= this.rules.distinctNumbers) {
      out.push({
        type: "unusual-dialling",
        facilityId: d.facilityId,
        inmate,
        pattern: `${after} different numbers dialled within ${Math.round(this.rules.numbersWindowMs / 60_000)} minutes`,
      });
    }

    const sts = this.stations.get(key) ?? [];
    const beforeS = distinctWithin(sts, now - this.rules.stationsWindowMs);
    sts.push({ at: now, value: d.stationId });
    this.stations.set(key, sts);
    const afterS = new Set(sts.map((s) => s.value)).size;
    if (beforeS < this.rules.distinctStations && afterS >= this.rules.distinctStations) {
      out.push({
        type: "unusual-dialling",
        facilityId: d.facilityId,
        inmate,
        stationId: d.stationId,
        pattern: `PIN used at ${afterS} different stations within ${Math.round(this.rules.stationsWindowMs / 60_000)} minutes (${[...new Set(sts.map((s) => s.value))].join(", ")})`,
      });
    }
    return out;
  }
}
