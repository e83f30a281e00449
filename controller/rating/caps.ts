/**
 * FCC rate caps as dated data (controller/data/fcc-caps.csv), never constants in code:
 * (service, facility type, size tier by average daily population, effective from, cap per
 * minute, additive per minute). A rate may not exceed cap + additive (+ the provider's
 * wholesale termination cost for international calls: "International: cap = interstate cap
 * plus the provider's wholesale termination cost").
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { DomainError } from "../domain/errors.ts";
import { parseCsvObjects } from "../imports/csv.ts";
import { formatMills } from "./charge.ts";

export type FacilityType = "prison" | "jail";

export interface FccCap {
  service: string;
  facilityType: FacilityType;
  adpMin: number;
  adpMax: number | null;
  effectiveFrom: string;
  capMills: number;
  additiveMills: number;
  source: string;
}

export const CAPS_FILE = path.join(import.meta.dirname, "..", "data", "fcc-caps.csv");

export function loadCaps(file = CAPS_FILE): FccCap[] {
  const out: FccCap[] = [];
  for (const { line, row } of parseCsvObjects(readFileSync(file, "utf8"))) {
    const t = row.facility_type;
    if (t !== "prison" && t !== "jail") throw new Error(`${path.basename(file)} line ${line}: facility_type ${t}`);
    out.push({
      service: row.service ?? "audio",
      facilityType: t,
      adpMin: Number(row.adp_min ?? 0),
      adpMax: row.adp_max ? Number(row.adp_max) : null,
      effectiveFrom: row.effective_from ?? "",
      capMills: Number(row.cap_mills),
      additiveMills: Number(row.additive_mills ?? 0),
      source: row.source ?? "",
    });
  }
  return out;
}

/**
 * The cap in force on `date` (YYYY-MM-DD) for a facility. A date before the earliest cap on
 * file is checked against the earliest one: never let a back-dated rate escape the check.
 */
export function capFor(
  caps: readonly FccCap[],
  facilityType: FacilityType,
  adp: number,
  date: string,
): FccCap | undefined {
  const tier = caps.filter(
    (c) =>
      c.service === "audio" &&
      c.facilityType === facilityType &&
      adp >= c.adpMin &&
      (c.adpMax === null || adp <= c.adpMax),
  );
  const inForce = tier
    .filter((c) => c.effectiveFrom <= date)
    .sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom));
  return inForce[0] ?? tier.sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom))[0];
}

export interface CapCheck {
  cap: FccCap;
  maxMills: number;
  /** Human-readable record of the check, stored on the rate row. */
  text: string;
}

/** Throws DomainError("rate-above-cap") when the rate exceeds what the cap allows. */
export function checkRateAgainstCap(
  caps: readonly FccCap[],
  facility: { facilityType: FacilityType; averageDailyPopulation: number },
  rate: { callType: string; effectiveFrom: string; perMinuteMills: number; terminationMills: number },
): CapCheck {
  const cap = capFor(caps, facility.facilityType, facility.averageDailyPopulation, rate.effectiveFrom);
  if (!cap) {
    throw new DomainError(
      "rate-above-cap",
      `no FCC cap on file for a ${facility.facilityType} with average daily population ${facility.averageDailyPopulation}`,
    );
  }
  const intl = rate.callType.startsWith("international");
  const maxMills = cap.capMills + cap.additiveMills + (intl ? rate.terminationMills : 0);
  const tier = `${facility.facilityType}${facility.facilityType === "jail" ? ` ADP ${cap.adpMin}${cap.adpMax === null ? "+" : `–${cap.adpMax}`}` : ""}`;
  const parts = `cap ${formatMills(cap.capMills)} + additive ${formatMills(cap.additiveMills)}${intl ? ` + termination ${formatMills(rate.terminationMills)}` : ""}`;
  const text = `${tier}: ${parts} = ${formatMills(maxMills)}/min (${cap.source}, effective ${cap.effectiveFrom})`;
  if (rate.perMinuteMills > maxMills) {
    throw new DomainError(
      "rate-above-cap",
      `rate ${formatMills(rate.perMinuteMills)}/min for ${rate.callType} calls from ${rate.effectiveFrom} is above the FCC limit of ${formatMills(maxMills)}/min — ${text}`,
      { maxMills, cap },
    );
  }
  return { cap, maxMills, text };
}
