/**
 * Inmates: booking, PIN set/reset, housing, transfer between facilities, release, approved
 * numbers. The roster import and the jail management system's booking API use these too.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { DomainStore } from "../store/domain-store.ts";
import type { InmateRow } from "../store/schema.ts";
import { DomainError, invalid, notFound } from "./errors.ts";
import { normalizeNumber } from "./dialled.ts";
import { checkPinFormat, hashPin, randomPin } from "./pin.ts";
import { assertInScope, type FacilityScope, newId } from "./scope.ts";

const Lang = Type.Union([Type.Literal("en"), Type.Literal("es")]);

export const BookingInputSchema = Type.Object({
  id: Type.String({ minLength: 1, description: "the jail management system's inmate id" }),
  facilityId: Type.String(),
  housingUnitId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  firstName: Type.String({ minLength: 1 }),
  lastName: Type.String({ minLength: 1 }),
  language: Type.Optional(Lang),
  pin: Type.Optional(Type.String({ pattern: "^\\d{4,12}$" })),
});
export type BookingInput = Static<typeof BookingInputSchema>;

/** What the API returns: never the PIN hash. */
export type Inmate = Omit<InmateRow, "pinHash"> & { hasPin: boolean };

function publicInmate(r: InmateRow): Inmate {
  const { pinHash, ...rest } = r;
  return { ...rest, hasPin: pinHash !== null };
}

async function housingFacility(ds: DomainStore, housingUnitId: string): Promise<string | undefined> {
  const r = await ds.db
    .selectFrom("housingUnits")
    .select("facilityId")
    .where("id", "=", housingUnitId)
    .executeTakeFirst();
  return r?.facilityId;
}

async function pinTaken(ds: DomainStore, hash: string, exceptId?: string): Promise<boolean> {
  const r = await ds.db.selectFrom("inmates").select("id").where("pinHash", "=", hash).executeTakeFirst();
  return r !== undefined && r.id !== exceptId;
}

/** Books an inmate into a facility (or re-books a released one). */
export async function bookInmate(
  ds: DomainStore,
  scope: FacilityScope,
  input: BookingInput,
  now: number,
): Promise<Inmate> {
  assertInScope(scope, input.facilityId, "facility");
  if (input.housingUnitId && (await housingFacility(ds, input.housingUnitId)) !== input.facilityId) {
    throw invalid("the housing unit belongs to another facility");
  }
  let pinHash: string | null = null;
  if (input.pin !== undefined) {
    checkPinFormat(input.pin);
    pinHash = hashPin(ds.pinKey, input.pin);
    if (await pinTaken(ds, pinHash, input.id)) throw new DomainError("conflict", "that PIN is already in use");
  }
  const existing = await ds.db.selectFrom("inmates").selectAll().where("id", "=", input.id).executeTakeFirst();
  if (existing && existing.status !== "released")
    throw new DomainError("conflict", `inmate ${input.id} is already booked`);
  const row = {
    id: input.id,
    facilityId: input.facilityId,
    housingUnitId: input.housingUnitId ?? null,
    firstName: input.firstName,
    lastName: input.lastName,
    pinHash: pinHash ?? existing?.pinHash ?? null,
    language: input.language ?? "en",
    recordedName: existing?.recordedName ?? null,
    status: "active",
    cosId: existing?.cosId ?? null,
    bookedAt: now,
    releasedAt: null,
  };
  if (existing) await ds.db.updateTable("inmates").set(row).where("id", "=", input.id).execute();
  else await ds.db.insertInto("inmates").values(row).execute();
  ds.changed(input.facilityId);
  if (existing && existing.facilityId !== input.facilityId) ds.changed(existing.facilityId);
  return publicInmate(row);
}

async function inmateIn(ds: DomainStore, scope: FacilityScope, id: string): Promise<InmateRow> {
  const r = await ds.db.selectFrom("inmates").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r) throw notFound("inmate");
  assertInScope(scope, r.facilityId, "inmate");
  return r;
}

export async function getInmate(ds: DomainStore, scope: FacilityScope, id: string): Promise<Inmate> {
  return publicInmate(await inmateIn(ds, scope, id));
}

export interface InmateFilter {
  facilityId?: string;
  status?: string;
  nameContains?: string;
  limit?: number;
  offset?: number;
}

export async function listInmates(ds: DomainStore, scope: FacilityScope, f: InmateFilter = {}): Promise<Inmate[]> {
  const ids = f.facilityId ? [...scope].filter((x) => x === f.facilityId) : [...scope];
  if (ids.length === 0) return [];
  let q = ds.db.selectFrom("inmates").selectAll().where("facilityId", "in", ids);
  if (f.status) q = q.where("status", "=", f.status);
  if (f.nameContains) {
    const like = `%${f.nameContains.toLowerCase()}%`;
    q = q.where((eb) =>
      eb.or([eb(eb.fn("lower", ["firstName"]), "like", like), eb(eb.fn("lower", ["lastName"]), "like", like)]),
    );
  }
  const rows = await q
    .orderBy("lastName")
    .orderBy("firstName")
    .limit(f.limit ?? 500)
    .offset(f.offset ?? 0)
    .execute();
  return rows.map(publicInmate);
}

export const InmatePatchSchema = Type.Partial(
  Type.Object({
    firstName: Type.String({ minLength: 1 }),
    lastName: Type.String({ minLength: 1 }),
    language: Lang,
    housingUnitId: Type.Union([Type.String(), Type.Null()]),
    recordedName: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal("active"), Type.Literal("suspended")]),
  }),
);
export type InmatePatch = Static<typeof InmatePatchSchema>;

export async function updateInmate(
  ds: DomainStore,
  scope: FacilityScope,
  id: string,
  patch: InmatePatch,
): Promise<Inmate> {
  const r = await inmateIn(ds, scope, id);
  if (patch.housingUnitId && (await housingFacility(ds, patch.housingUnitId)) !== r.facilityId) {
    throw invalid("the housing unit belongs to another facility");
  }
  await ds.db.updateTable("inmates").set(patch).where("id", "=", id).execute();
  ds.changed(r.facilityId);
  return getInmate(ds, scope, id);
}

export async function setPin(ds: DomainStore, scope: FacilityScope, id: string, pin: string): Promise<void> {
  const r = await inmateIn(ds, scope, id);
  checkPinFormat(pin);
  const h = hashPin(ds.pinKey, pin);
  if (await pinTaken(ds, h, id)) throw new DomainError("conflict", "that PIN is already in use");
  await ds.db.updateTable("inmates").set({ pinHash: h }).where("id", "=", id).execute();
  ds.changed(r.facilityId);
}

/** Sets a fresh random PIN and returns it (the only time it is ever readable). */
export async function resetPin(ds: DomainStore, scope: FacilityScope, id: string, length = 6): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pin = randomPin(length);
    if (await pinTaken(ds, hashPin(ds.pinKey, pin), id)) continue;
    await setPin(ds, scope, id, pin);
    return pin;
  }
  throw new DomainError("conflict", "could not find a free PIN; use a longer one");
}

/** Moves an inmate to another facility of the agency; history in inmate_transfers. */
export async function transferInmate(
  ds: DomainStore,
  scope: FacilityScope,
  id: string,
  to: { facilityId: string; housingUnitId?: string | null; reason?: string },
  now: number,
): Promise<Inmate> {
  const r = await inmateIn(ds, scope, id);
  assertInScope(scope, to.facilityId, "facility");
  if (r.status === "released") throw invalid("a released inmate cannot be transferred; book them instead");
  if (to.housingUnitId && (await housingFacility(ds, to.housingUnitId)) !== to.facilityId) {
    throw invalid("the housing unit belongs to another facility");
  }
  await ds.db.transaction().execute(async (tx) => {
    await tx
      .updateTable("inmates")
      .set({ facilityId: to.facilityId, housingUnitId: to.housingUnitId ?? null })
      .where("id", "=", id)
      .execute();
    await tx
      .insertInto("inmateTransfers")
      .values({
        id: newId(),
        inmateId: id,
        fromFacilityId: r.facilityId,
        toFacilityId: to.facilityId,
        at: now,
        reason: to.reason ?? "",
      })
      .execute();
  });
  ds.changed(r.facilityId);
  ds.changed(to.facilityId);
  return getInmate(ds, scope, id);
}

export async function releaseInmate(ds: DomainStore, scope: FacilityScope, id: string, now: number): Promise<Inmate> {
  const r = await inmateIn(ds, scope, id);
  await ds.db.updateTable("inmates").set({ status: "released", releasedAt: now }).where("id", "=", id).execute();
  ds.changed(r.facilityId);
  return getInmate(ds, scope, id);
}

export async function listTransfers(ds: DomainStore, scope: FacilityScope, id: string) {
  await inmateIn(ds, scope, id);
  return ds.db.selectFrom("inmateTransfers").selectAll().where("inmateId", "=", id).orderBy("at", "desc").execute();
}

export const ApprovedNumberSchema = Type.Object({
  number: Type.String(),
  name: Type.Optional(Type.String()),
  relationship: Type.Optional(Type.String()),
  language: Type.Optional(Lang),
  /** Extra dialled digits allowed on calls to this number (-1: feature off; absent: the COS decides). */
  extraDigitsLimit: Type.Optional(Type.Union([Type.Integer({ minimum: -1, maximum: 99 }), Type.Null()])),
});
export type ApprovedNumberInput = Static<typeof ApprovedNumberSchema>;

/** Replaces the inmate's approved-number list. */
export async function setApprovedNumbers(
  ds: DomainStore,
  scope: FacilityScope,
  id: string,
  list: ApprovedNumberInput[],
): Promise<void> {
  const r = await inmateIn(ds, scope, id);
  const rows = list.map((n) => {
    const e164 = normalizeNumber(n.number);
    if (!e164) throw invalid(`${n.number} is not a telephone number`);
    const x = n.extraDigitsLimit ?? null;
    if (x !== null && (!Number.isInteger(x) || x < -1 || x > 99))
      throw invalid("extra digits limit is -1 (off) or 0 to 99");
    return {
      inmateId: id,
      number: e164,
      name: n.name ?? "",
      relationship: n.relationship ?? "",
      language: n.language ?? "en",
      extraDigitsLimit: x,
    };
  });
  await ds.db.transaction().execute(async (tx) => {
    await tx.deleteFrom("approvedNumbers").where("inmateId", "=", id).execute();
    if (rows.length) await tx.insertInto("approvedNumbers").values(rows).execute();
  });
  ds.changed(r.facilityId);
}

export async function listApprovedNumbers(ds: DomainStore, scope: FacilityScope, id: string) {
  await inmateIn(ds, scope, id);
  return ds.db.selectFrom("approvedNumbers").selectAll().where("inmateId", "=", id).orderBy("number").execute();
}
