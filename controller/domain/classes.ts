/**
 * Feature groups, classes of service, their assignment to inmates, housing units, facilities
 * and facility groups, and schedule windows. "The IWTS shall be capable of providing multiple
 * COSs for each feature group." — Class of Service (COS).
 */
import { type Static, Type } from "@sinclair/typebox";
import type { DomainStore } from "../store/domain-store.ts";
import {
  type CosDefinition,
  type CosExplanation,
  type CosParams,
  CosParamsSchema,
  explainCos,
  FEATURES,
  type Feature,
  validateCosParams,
} from "./cos.ts";
import { DomainError, invalid, notFound } from "./errors.ts";
import { type ScheduleWindow, ScheduleWindowSchema, validateWindow } from "./schedule.ts";
import { assertInScope, type FacilityScope, newId } from "./scope.ts";

export const FeatureGroupInputSchema = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1 })),
  name: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  features: Type.Array(Type.Union(FEATURES.map((f) => Type.Literal(f)))),
});
export type FeatureGroupInput = Static<typeof FeatureGroupInputSchema>;

export interface FeatureGroup {
  id: string;
  name: string;
  description: string;
  features: Feature[];
}

export async function createFeatureGroup(ds: DomainStore, input: FeatureGroupInput): Promise<FeatureGroup> {
  for (const f of input.features)
    if (!(FEATURES as readonly string[]).includes(f)) throw invalid(`unknown feature ${f}`);
  const g = {
    id: input.id ?? newId(),
    name: input.name,
    description: input.description ?? "",
    features: [...new Set(input.features)],
  };
  await ds.db
    .insertInto("featureGroups")
    .values({ ...g, features: JSON.stringify(g.features) })
    .execute();
  return g;
}

export async function listFeatureGroups(ds: DomainStore): Promise<FeatureGroup[]> {
  const rows = await ds.db.selectFrom("featureGroups").selectAll().orderBy("name").execute();
  return rows.map((r) => ({ ...r, features: JSON.parse(r.features) as Feature[] }));
}

export const CosInputSchema = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1 })),
  featureGroupId: Type.String(),
  name: Type.String({ minLength: 1 }),
  params: CosParamsSchema,
});
export type CosInput = Static<typeof CosInputSchema>;

export interface ClassOfService {
  id: string;
  featureGroupId: string;
  name: string;
  params: CosParams;
}

async function groupFeatures(ds: DomainStore, featureGroupId: string): Promise<Feature[]> {
  const g = await ds.db
    .selectFrom("featureGroups")
    .select("features")
    .where("id", "=", featureGroupId)
    .executeTakeFirst();
  if (!g) throw notFound("feature group");
  return JSON.parse(g.features) as Feature[];
}

export async function createCos(ds: DomainStore, input: CosInput): Promise<ClassOfService> {
  validateCosParams(input.params, await groupFeatures(ds, input.featureGroupId));
  const c = { id: input.id ?? newId(), featureGroupId: input.featureGroupId, name: input.name, params: input.params };
  await ds.db
    .insertInto("classesOfService")
    .values({ ...c, params: JSON.stringify(c.params) })
    .execute();
  ds.changed(null);
  return c;
}

export async function updateCos(ds: DomainStore, id: string, params: CosParams): Promise<ClassOfService> {
  const row = await ds.db.selectFrom("classesOfService").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("class of service");
  validateCosParams(params, await groupFeatures(ds, row.featureGroupId));
  await ds.db
    .updateTable("classesOfService")
    .set({ params: JSON.stringify(params) })
    .where("id", "=", id)
    .execute();
  ds.changed(null);
  return { id, featureGroupId: row.featureGroupId, name: row.name, params };
}

/** Deletes a class of service that nothing uses any more (else "conflict", naming the users). */
export async function deleteCos(ds: DomainStore, id: string): Promise<void> {
  const users = [
    ...(await ds.db.selectFrom("inmates").select("id").where("cosId", "=", id).limit(3).execute()).map(
      (r) => `inmate ${r.id}`,
    ),
    ...(await ds.db.selectFrom("housingUnits").select("name").where("cosId", "=", id).limit(3).execute()).map(
      (r) => `housing unit ${r.name}`,
    ),
    ...(await ds.db.selectFrom("facilities").select("name").where("cosId", "=", id).limit(3).execute()).map(
      (r) => `facility ${r.name}`,
    ),
    ...(await ds.db.selectFrom("facilityGroups").select("name").where("cosId", "=", id).limit(3).execute()).map(
      (r) => `facility group ${r.name}`,
    ),
  ];
  if (users.length) throw new DomainError("conflict", `class of service is still assigned (${users.join(", ")})`);
  const r = await ds.db.deleteFrom("classesOfService").where("id", "=", id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw notFound("class of service");
  ds.changed(null);
}

export async function listCos(ds: DomainStore): Promise<ClassOfService[]> {
  const rows = await ds.db.selectFrom("classesOfService").selectAll().orderBy("name").execute();
  return rows.map((r) => ({ ...r, params: JSON.parse(r.params) as CosParams }));
}

export type CosTarget =
  | { level: "inmate"; id: string }
  | { level: "housing-unit"; id: string }
  | { level: "facility"; id: string }
  | { level: "facility-group"; id: string };

/** Assigns (or with null, removes) a class of service at one level. */
export async function assignCos(
  ds: DomainStore,
  scope: FacilityScope,
  target: CosTarget,
  cosId: string | null,
): Promise<void> {
  if (cosId) {
    const c = await ds.db.selectFrom("classesOfService").select("id").where("id", "=", cosId).executeTakeFirst();
    if (!c) throw notFound("class of service");
  }
  switch (target.level) {
    case "inmate": {
      const r = await ds.db.selectFrom("inmates").select("facilityId").where("id", "=", target.id).executeTakeFirst();
      assertInScope(scope, r?.facilityId, "inmate");
      await ds.db.updateTable("inmates").set({ cosId }).where("id", "=", target.id).execute();
      ds.changed(r?.facilityId ?? null);
      return;
    }
    case "housing-unit": {
      const r = await ds.db
        .selectFrom("housingUnits")
        .select("facilityId")
        .where("id", "=", target.id)
        .executeTakeFirst();
      assertInScope(scope, r?.facilityId, "housing unit");
      await ds.db.updateTable("housingUnits").set({ cosId }).where("id", "=", target.id).execute();
      ds.changed(r?.facilityId ?? null);
      return;
    }
    case "facility":
      assertInScope(scope, target.id, "facility");
      await ds.db.updateTable("facilities").set({ cosId }).where("id", "=", target.id).execute();
      ds.changed(target.id);
      return;
    case "facility-group": {
      const members = await ds.db.selectFrom("facilities").select("id").where("groupId", "=", target.id).execute();
      // A group's COS reaches every member: the caller must see all of them.
      for (const m of members) assertInScope(scope, m.id, "facility group");
      const r = await ds.db.updateTable("facilityGroups").set({ cosId }).where("id", "=", target.id).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw notFound("facility group");
      ds.changed(null);
      return;
    }
  }
}

function toDefinition(r: { id: string; name: string; params: string }, features: Feature[]): CosDefinition {
  return { id: r.id, name: r.name, features: new Set(features), params: JSON.parse(r.params) as CosParams };
}

/** Every COS with its feature group's features, keyed by id (for snapshots and explanations). */
export async function loadCosDefinitions(ds: DomainStore): Promise<Map<string, CosDefinition>> {
  const rows = await ds.db
    .selectFrom("classesOfService as c")
    .innerJoin("featureGroups as g", "g.id", "c.featureGroupId")
    .select(["c.id", "c.name", "c.params", "g.features"])
    .execute();
  return new Map(rows.map((r) => [r.id, toDefinition(r, JSON.parse(r.features) as Feature[])]));
}

/** Effective value of every feature for an inmate and the level it came from. */
export async function explainInmateCos(
  ds: DomainStore,
  scope: FacilityScope,
  inmateId: string,
): Promise<CosExplanation> {
  const i = await ds.db
    .selectFrom("inmates")
    .select(["facilityId", "housingUnitId", "cosId"])
    .where("id", "=", inmateId)
    .executeTakeFirst();
  assertInScope(scope, i?.facilityId, "inmate");
  const f = await ds.db
    .selectFrom("facilities as f")
    .leftJoin("facilityGroups as g", "g.id", "f.groupId")
    .select(["f.cosId as facilityCos", "g.cosId as groupCos"])
    .where("f.id", "=", i!.facilityId)
    .executeTakeFirstOrThrow();
  const hu = i!.housingUnitId
    ? await ds.db.selectFrom("housingUnits").select("cosId").where("id", "=", i!.housingUnitId).executeTakeFirst()
    : undefined;
  const defs = await loadCosDefinitions(ds);
  const get = (id: string | null | undefined) => (id ? defs.get(id) : undefined);
  return explainCos([
    { level: "inmate", cos: get(i!.cosId) },
    { level: "housing-unit", cos: get(hu?.cosId) },
    { level: "facility", cos: get(f.facilityCos) },
    { level: "facility-group", cos: get(f.groupCos) },
  ]);
}

export type ScheduleScopeKind = "facility" | "phone-bank" | "inmate";
export const ScheduleInputSchema = Type.Array(ScheduleWindowSchema);

/** Replaces the calling schedule of a facility, phone bank or inmate (empty: no restriction). */
export async function setSchedule(
  ds: DomainStore,
  scope: FacilityScope,
  kind: ScheduleScopeKind,
  id: string,
  windows: ScheduleWindow[],
): Promise<void> {
  for (const w of windows) validateWindow(w);
  const table = kind === "facility" ? undefined : kind === "phone-bank" ? "phoneBanks" : "inmates";
  let facilityId = id;
  if (table) {
    const r = await ds.db.selectFrom(table).select("facilityId").where("id", "=", id).executeTakeFirst();
    facilityId = r?.facilityId ?? "";
  }
  assertInScope(scope, facilityId, kind);
  await ds.db.transaction().execute(async (tx) => {
    await tx.deleteFrom("scheduleWindows").where("scopeKind", "=", kind).where("scopeId", "=", id).execute();
    if (windows.length) {
      await tx
        .insertInto("scheduleWindows")
        .values(
          windows.map((w) => ({
            id: newId(),
            scopeKind: kind,
            scopeId: id,
            day: w.day,
            startMin: w.startMin,
            endMin: w.endMin,
          })),
        )
        .execute();
    }
  });
  ds.changed(facilityId);
}

export async function getSchedule(
  ds: DomainStore,
  scope: FacilityScope,
  kind: ScheduleScopeKind,
  id: string,
): Promise<ScheduleWindow[]> {
  const table = kind === "facility" ? undefined : kind === "phone-bank" ? "phoneBanks" : "inmates";
  let facilityId = id;
  if (table)
    facilityId =
      (await ds.db.selectFrom(table).select("facilityId").where("id", "=", id).executeTakeFirst())?.facilityId ?? "";
  assertInScope(scope, facilityId, kind);
  return ds.db
    .selectFrom("scheduleWindows")
    .select(["day", "startMin", "endMin"])
    .where("scopeKind", "=", kind)
    .where("scopeId", "=", id)
    .orderBy("day")
    .orderBy("startMin")
    .execute();
}
