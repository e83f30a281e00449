/**
 * Rate tables per facility with effective dates. Each row: call type, effective from (a date
 * in facility time), per-minute rate in mills, billing increment, and for international calls
 * the wholesale termination cost the cap allows on top. A rate above the applicable FCC cap is
 * refused (DomainError "rate-above-cap"); the check that passed is stored on the row.
 */
import { type Static, Type } from "@sinclair/typebox";
import { CALL_TYPES, type CallType } from "../domain/call-types.ts";
import { DomainError, invalid, notFound } from "../domain/errors.ts";
import { assertInScope, type FacilityScope, newId } from "../domain/scope.ts";
import type { DomainStore } from "../store/domain-store.ts";
import type { RateRow } from "../store/schema.ts";
import { checkRateAgainstCap, type FacilityType, type FccCap, loadCaps } from "./caps.ts";
import { type Charge, computeCharge } from "./charge.ts";

export const RateInputSchema = Type.Object({
  facilityId: Type.String(),
  callType: Type.Union(CALL_TYPES.map((c) => Type.Literal(c))),
  effectiveFrom: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
  perMinuteMills: Type.Integer({ minimum: 0, description: "tenths of a cent per minute" }),
  billingIncrementSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
  terminationMills: Type.Optional(Type.Integer({ minimum: 0 })),
  createdBy: Type.String({ minLength: 1 }),
});
export type RateInput = Static<typeof RateInputSchema>;

let defaultCaps: FccCap[] | undefined;
function caps(): FccCap[] {
  defaultCaps ??= loadCaps();
  return defaultCaps;
}

/** Validates a rate against the facility and the caps; returns the row to insert. */
export async function rateRowOf(ds: DomainStore, input: RateInput, now: number, capTable: readonly FccCap[] = caps()) {
  if (!(CALL_TYPES as readonly string[]).includes(input.callType)) throw invalid(`unknown call type ${input.callType}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.effectiveFrom) || Number.isNaN(Date.parse(input.effectiveFrom))) {
    throw invalid("effectiveFrom is a date, YYYY-MM-DD");
  }
  if (!Number.isInteger(input.perMinuteMills) || input.perMinuteMills < 0)
    throw invalid("perMinuteMills is a whole number ≥ 0");
  const inc = input.billingIncrementSec ?? 60;
  if (!Number.isInteger(inc) || inc < 1 || inc > 60)
    throw invalid("billing increment is 1 to 60 seconds (no blocks longer than a minute)");
  const f = await ds.db
    .selectFrom("facilities")
    .select(["facilityType", "averageDailyPopulation"])
    .where("id", "=", input.facilityId)
    .executeTakeFirst();
  if (!f) throw notFound("facility");
  const check = checkRateAgainstCap(
    capTable,
    { facilityType: f.facilityType as FacilityType, averageDailyPopulation: f.averageDailyPopulation },
    {
      callType: input.callType,
      effectiveFrom: input.effectiveFrom,
      perMinuteMills: input.perMinuteMills,
      terminationMills: input.terminationMills ?? 0,
    },
  );
  return {
    id: newId(),
    facilityId: input.facilityId,
    callType: input.callType,
    effectiveFrom: input.effectiveFrom,
    perMinuteMills: input.perMinuteMills,
    billingIncrementSec: inc,
    terminationMills: input.terminationMills ?? 0,
    capChecked: check.text,
    createdBy: input.createdBy,
    createdAt: now,
  };
}

export async function createRate(
  ds: DomainStore,
  scope: FacilityScope,
  input: RateInput,
  now: number,
): Promise<RateRow> {
  assertInScope(scope, input.facilityId, "facility");
  const row = await rateRowOf(ds, input, now);
  const dup = await ds.db
    .selectFrom("rates")
    .select("id")
    .where("facilityId", "=", row.facilityId)
    .where("callType", "=", row.callType)
    .where("effectiveFrom", "=", row.effectiveFrom)
    .executeTakeFirst();
  // Rows are never edited: a charge must stay explainable from the row it used.
  if (dup)
    throw new DomainError(
      "conflict",
      `a ${row.callType} rate effective ${row.effectiveFrom} already exists; add a new dated row`,
    );
  await ds.db.insertInto("rates").values(row).execute();
  ds.changed(row.facilityId);
  return row;
}

export async function listRates(ds: DomainStore, scope: FacilityScope, facilityId: string): Promise<RateRow[]> {
  assertInScope(scope, facilityId, "facility");
  return ds.db
    .selectFrom("rates")
    .selectAll()
    .where("facilityId", "=", facilityId)
    .orderBy("callType")
    .orderBy("effectiveFrom", "desc")
    .execute();
}

export async function getRate(ds: DomainStore, scope: FacilityScope, id: string): Promise<RateRow> {
  const r = await ds.db.selectFrom("rates").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r) throw notFound("rate");
  assertInScope(scope, r.facilityId, "rate");
  return r;
}

/**
 * Recomputes a call record's charge from its dated rate row, to the cent: the audit path for
 * "every charge must be explainable from the call record and the dated rate table".
 */
export async function explainCharge(
  ds: DomainStore,
  scope: FacilityScope,
  record: { facilityId: string; rateId: string | null; durationSec: number; chargeCents: number | null },
): Promise<{ charge: Charge | null; matchesRecord: boolean; rate: RateRow | null }> {
  assertInScope(scope, record.facilityId, "call record");
  if (!record.rateId) return { charge: null, matchesRecord: (record.chargeCents ?? 0) === 0, rate: null };
  const rate = await getRate(ds, scope, record.rateId);
  const charge = computeCharge(record.durationSec, {
    rateId: rate.id,
    perMinuteMills: rate.perMinuteMills,
    billingIncrementSec: rate.billingIncrementSec,
    effectiveFrom: rate.effectiveFrom,
  });
  return { charge, matchesRecord: charge.amountCents === record.chargeCents, rate };
}

export type { CallType };
