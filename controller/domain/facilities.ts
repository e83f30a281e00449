/**
 * Facilities, facility groups, housing units, phone banks and stations. A facility has a time
 * zone (every report time is facility time) and a location in the telephone network (state,
 * LATA, rate center, own NPA-NXX) that call types are decided from.
 */
import { type Static, Type } from "@sinclair/typebox";
import { DateTime } from "luxon";
import type { DomainStore } from "../store/domain-store.ts";
import type { FacilityRow, HousingUnitRow, PhoneBankRow, StationRow } from "../store/schema.ts";
import { invalid, notFound } from "./errors.ts";
import { assertInScope, type FacilityScope, newId } from "./scope.ts";

export const FacilityInputSchema = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1 })),
  name: Type.String({ minLength: 1 }),
  timeZone: Type.String({ minLength: 1 }),
  facilityType: Type.Union([Type.Literal("prison"), Type.Literal("jail")]),
  averageDailyPopulation: Type.Integer({ minimum: 0 }),
  state: Type.String({ pattern: "^[A-Z]{2}$" }),
  npa: Type.String({ pattern: "^[2-9]\\d\\d$" }),
  nxx: Type.String({ pattern: "^[2-9]\\d\\d$" }),
  lata: Type.String({ minLength: 1 }),
  rateCenter: Type.String({ minLength: 1 }),
  localRateCenters: Type.Optional(Type.Array(Type.String())),
  groupId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type FacilityInput = Static<typeof FacilityInputSchema>;

export function checkTimeZone(zone: string): void {
  if (!DateTime.now().setZone(zone).isValid) throw invalid(`unknown time zone ${zone}`);
}

export async function createFacility(ds: DomainStore, input: FacilityInput, now: number): Promise<FacilityRow> {
  checkTimeZone(input.timeZone);
  const row = {
    id: input.id ?? newId(),
    name: input.name,
    timeZone: input.timeZone,
    facilityType: input.facilityType,
    averageDailyPopulation: input.averageDailyPopulation,
    state: input.state,
    npa: input.npa,
    nxx: input.nxx,
    lata: input.lata,
    rateCenter: input.rateCenter,
    localRateCenters: JSON.stringify(input.localRateCenters ?? []),
    groupId: input.groupId ?? null,
    cosId: null,
    enabled: 1,
    createdAt: now,
  };
  await ds.db.insertInto("facilities").values(row).execute();
  ds.changed(row.id);
  return row;
}

export const FacilityPatchSchema = Type.Partial(Type.Omit(FacilityInputSchema, ["id"]));
export type FacilityPatch = Static<typeof FacilityPatchSchema>;

export async function updateFacility(
  ds: DomainStore,
  scope: FacilityScope,
  id: string,
  patch: FacilityPatch,
): Promise<FacilityRow> {
  assertInScope(scope, id, "facility");
  if (patch.timeZone) checkTimeZone(patch.timeZone);
  const { localRateCenters, ...rest } = patch;
  await ds.db
    .updateTable("facilities")
    .set({ ...rest, ...(localRateCenters ? { localRateCenters: JSON.stringify(localRateCenters) } : {}) })
    .where("id", "=", id)
    .execute();
  ds.changed(id);
  return getFacility(ds, scope, id);
}

export async function getFacility(ds: DomainStore, scope: FacilityScope, id: string): Promise<FacilityRow> {
  assertInScope(scope, id, "facility");
  const row = await ds.db.selectFrom("facilities").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("facility");
  return row;
}

export async function listFacilities(ds: DomainStore, scope: FacilityScope): Promise<FacilityRow[]> {
  if (scope.size === 0) return [];
  return ds.db
    .selectFrom("facilities")
    .selectAll()
    .where("id", "in", [...scope])
    .orderBy("name")
    .execute();
}

export async function createFacilityGroup(
  ds: DomainStore,
  input: { id?: string; name: string },
): Promise<{ id: string; name: string }> {
  const row = { id: input.id ?? newId(), name: input.name, cosId: null };
  await ds.db.insertInto("facilityGroups").values(row).execute();
  return { id: row.id, name: row.name };
}

/** The manual override ("kill switch") for a whole facility: "turn-off the entire system". */
export async function setFacilityEnabled(
  ds: DomainStore,
  scope: FacilityScope,
  id: string,
  enabled: boolean,
): Promise<void> {
  assertInScope(scope, id, "facility");
  await ds.db
    .updateTable("facilities")
    .set({ enabled: enabled ? 1 : 0 })
    .where("id", "=", id)
    .execute();
  ds.changed(id);
}

export const HousingUnitInputSchema = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1 })),
  facilityId: Type.String(),
  name: Type.String({ minLength: 1 }),
});
export type HousingUnitInput = Static<typeof HousingUnitInputSchema>;

export async function createHousingUnit(
  ds: DomainStore,
  scope: FacilityScope,
  input: HousingUnitInput,
): Promise<HousingUnitRow> {
  assertInScope(scope, input.facilityId, "facility");
  const row = { id: input.id ?? newId(), facilityId: input.facilityId, name: input.name, cosId: null, enabled: 1 };
  await ds.db.insertInto("housingUnits").values(row).execute();
  ds.changed(input.facilityId);
  return row;
}

export async function listHousingUnits(
  ds: DomainStore,
  scope: FacilityScope,
  facilityId: string,
): Promise<HousingUnitRow[]> {
  assertInScope(scope, facilityId, "facility");
  return ds.db.selectFrom("housingUnits").selectAll().where("facilityId", "=", facilityId).orderBy("name").execute();
}

async function facilityOf(
  ds: DomainStore,
  table: "housingUnits" | "phoneBanks" | "stations",
  id: string,
): Promise<string | undefined> {
  const r = await ds.db.selectFrom(table).select("facilityId").where("id", "=", id).executeTakeFirst();
  return r?.facilityId;
}

/** "turn-off ... by housing unit via manual override or kill switches" — Call Limits and Termination. */
export async function setHousingUnitEnabled(
  ds: DomainStore,
  scope: FacilityScope,
  id: string,
  enabled: boolean,
): Promise<void> {
  const f = await facilityOf(ds, "housingUnits", id);
  assertInScope(scope, f, "housing unit");
  await ds.db
    .updateTable("housingUnits")
    .set({ enabled: enabled ? 1 : 0 })
    .where("id", "=", id)
    .execute();
  ds.changed(f ?? null);
}

export const PhoneBankInputSchema = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1 })),
  facilityId: Type.String(),
  housingUnitId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  name: Type.String({ minLength: 1 }),
  location: Type.Optional(Type.String()),
});
export type PhoneBankInput = Static<typeof PhoneBankInputSchema>;

export async function createPhoneBank(
  ds: DomainStore,
  scope: FacilityScope,
  input: PhoneBankInput,
): Promise<PhoneBankRow> {
  assertInScope(scope, input.facilityId, "facility");
  if (input.housingUnitId && (await facilityOf(ds, "housingUnits", input.housingUnitId)) !== input.facilityId) {
    throw invalid("the housing unit belongs to another facility");
  }
  const row = {
    id: input.id ?? newId(),
    facilityId: input.facilityId,
    housingUnitId: input.housingUnitId ?? null,
    name: input.name,
    location: input.location ?? "",
    enabled: 1,
  };
  await ds.db.insertInto("phoneBanks").values(row).execute();
  ds.changed(input.facilityId);
  return row;
}

export async function setPhoneBankEnabled(
  ds: DomainStore,
  scope: FacilityScope,
  id: string,
  enabled: boolean,
): Promise<void> {
  const f = await facilityOf(ds, "phoneBanks", id);
  assertInScope(scope, f, "phone bank");
  await ds.db
    .updateTable("phoneBanks")
    .set({ enabled: enabled ? 1 : 0 })
    .where("id", "=", id)
    .execute();
  ds.changed(f ?? null);
}

export const StationInputSchema = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1 })),
  phoneBankId: Type.String(),
  setNumber: Type.Integer({ minimum: 1 }),
  location: Type.Optional(Type.String()),
});
export type StationInput = Static<typeof StationInputSchema>;

export async function createStation(ds: DomainStore, scope: FacilityScope, input: StationInput): Promise<StationRow> {
  const f = await facilityOf(ds, "phoneBanks", input.phoneBankId);
  assertInScope(scope, f, "phone bank");
  const row = {
    id: input.id ?? newId(),
    phoneBankId: input.phoneBankId,
    facilityId: f as string,
    setNumber: input.setNumber,
    location: input.location ?? "",
    enabled: 1,
  };
  await ds.db.insertInto("stations").values(row).execute();
  ds.changed(row.facilityId);
  return row;
}

export async function setStationEnabled(
  ds: DomainStore,
  scope: FacilityScope,
  id: string,
  enabled: boolean,
): Promise<void> {
  const f = await facilityOf(ds, "stations", id);
  assertInScope(scope, f, "station");
  await ds.db
    .updateTable("stations")
    .set({ enabled: enabled ? 1 : 0 })
    .where("id", "=", id)
    .execute();
  ds.changed(f ?? null);
}

export async function listStations(ds: DomainStore, scope: FacilityScope, facilityId: string): Promise<StationRow[]> {
  assertInScope(scope, facilityId, "facility");
  return ds.db.selectFrom("stations").selectAll().where("facilityId", "=", facilityId).orderBy("setNumber").execute();
}

export async function listPhoneBanks(
  ds: DomainStore,
  scope: FacilityScope,
  facilityId: string,
): Promise<PhoneBankRow[]> {
  assertInScope(scope, facilityId, "facility");
  return ds.db.selectFrom("phoneBanks").selectAll().where("facilityId", "=", facilityId).orderBy("name").execute();
}

export async function listFacilityGroups(
  ds: DomainStore,
): Promise<Array<{ id: string; name: string; cosId: string | null }>> {
  return ds.db.selectFrom("facilityGroups").selectAll().orderBy("name").execute();
}

/** Puts a facility in a group (or, with null, takes it out); the group's COS then applies to it. */
export async function setFacilityGroup(
  ds: DomainStore,
  scope: FacilityScope,
  facilityId: string,
  groupId: string | null,
): Promise<void> {
  assertInScope(scope, facilityId, "facility");
  if (groupId) {
    const g = await ds.db.selectFrom("facilityGroups").select("id").where("id", "=", groupId).executeTakeFirst();
    if (!g) throw notFound("facility group");
  }
  await ds.db.updateTable("facilities").set({ groupId }).where("id", "=", facilityId).execute();
  ds.changed(facilityId);
}
