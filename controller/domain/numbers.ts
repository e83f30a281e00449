/**
 * Number lists: blocked numbers, ranges and general patterns ("Call Blocking"), hot numbers
 * (under surveillance, with alert targets: "Hot Number" database), and privileged numbers
 * (attorneys, PREA and ombudsman hotlines: never recorded, never monitored). An entry belongs
 * to one facility or, with facilityId null, to every facility of the agency.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { DomainStore } from "../store/domain-store.ts";
import type { BlockedNumberRow } from "../store/schema.ts";
import { normalizeNumber } from "./dialled.ts";
import { DomainError, invalid, notFound } from "./errors.ts";
import { type BlockRow, DEFAULT_GENERAL_BLOCKS, validatePattern } from "./number-lists.ts";
import { assertInScope, type FacilityScope, newId } from "./scope.ts";

/** Agency-wide entries need a caller who sees every facility of the agency. */
async function assertEntryScope(ds: DomainStore, scope: FacilityScope, facilityId: string | null): Promise<void> {
  if (facilityId !== null) return assertInScope(scope, facilityId, "facility");
  const all = await ds.db.selectFrom("facilities").select("id").execute();
  for (const f of all)
    if (!scope.has(f.id)) throw new DomainError("not-found", "agency-wide lists need access to every facility");
}

function e164(n: string): string {
  const v = normalizeNumber(n);
  if (!v) throw invalid(`${n} is not a telephone number (use 10 digits, 1+10, 011+ or +E.164)`);
  return v;
}

export const BlockInputSchema = Type.Object({
  facilityId: Type.Union([Type.String(), Type.Null()]),
  kind: Type.Union([Type.Literal("number"), Type.Literal("range"), Type.Literal("pattern")]),
  number: Type.Optional(Type.String()),
  rangeEnd: Type.Optional(Type.String()),
  pattern: Type.Optional(Type.String()),
  category: Type.Union([Type.Literal("general"), Type.Literal("specific")]),
  reason: Type.String({ minLength: 1 }),
  setBy: Type.String({ minLength: 1 }),
});
export type BlockInput = Static<typeof BlockInputSchema>;

/** Validates and normalizes a block; used by the service and the bulk import alike. */
export function blockRowOf(input: BlockInput, now: number, byCalledParty = false, id = newId()) {
  let number: string | null = null;
  let rangeEnd: string | null = null;
  let pattern: string | null = null;
  if (input.kind === "number") {
    number = e164(input.number ?? "");
  } else if (input.kind === "range") {
    // "blocked ... as a block or range of numbers (e.g., 800-000 to 800-540)"
    number = e164(input.number ?? "");
    rangeEnd = e164(input.rangeEnd ?? "");
    if (Number(rangeEnd.slice(1)) < Number(number.slice(1))) throw invalid("a range must end at or after its start");
  } else {
    pattern = (input.pattern ?? "").trim();
    validatePattern(pattern);
  }
  return {
    id,
    facilityId: input.facilityId,
    kind: input.kind,
    number,
    rangeEnd,
    pattern,
    category: input.category,
    reason: input.reason,
    setBy: input.setBy,
    byCalledParty: byCalledParty ? 1 : 0,
    createdAt: now,
  };
}

function asBlockRow(r: ReturnType<typeof blockRowOf>): BlockRow {
  return {
    id: r.id,
    facilityId: r.facilityId,
    kind: r.kind,
    number: r.number,
    rangeEnd: r.rangeEnd,
    pattern: r.pattern,
    category: r.category,
    reason: r.reason,
    setBy: r.setBy,
    byCalledParty: r.byCalledParty === 1,
  };
}

export async function addBlock(
  ds: DomainStore,
  scope: FacilityScope,
  input: BlockInput,
  now: number,
): Promise<BlockedNumberRow> {
  await assertEntryScope(ds, scope, input.facilityId);
  const row = blockRowOf(input, now);
  await ds.db.insertInto("blockedNumbers").values(row).execute();
  ds.changed(input.facilityId, "blocks", row.kind === "number" ? { addedNumbers: [asBlockRow(row)] } : undefined);
  return row;
}

/**
 * The called party's own block from the acceptance prompt: for this facility only ("Calls
 * blocked for an Institution/Facility using this method shall not affect other inmate/wards
 * from another institution"), and marked so reports show it apart.
 */
export async function blockByCalledParty(
  ds: DomainStore,
  facilityId: string,
  number: string,
  now: number,
): Promise<BlockedNumberRow> {
  const row = blockRowOf(
    {
      facilityId,
      kind: "number",
      number,
      category: "specific",
      reason: "blocked by the called party from the call prompt",
      setBy: "called party",
    },
    now,
    true,
  );
  await ds.db.insertInto("blockedNumbers").values(row).execute();
  ds.changed(facilityId, "blocks", { addedNumbers: [asBlockRow(row)] });
  return row;
}

export async function removeBlock(ds: DomainStore, scope: FacilityScope, id: string): Promise<void> {
  const r = await ds.db.selectFrom("blockedNumbers").select("facilityId").where("id", "=", id).executeTakeFirst();
  if (!r) throw notFound("block");
  await assertEntryScope(ds, scope, r.facilityId);
  await ds.db.deleteFrom("blockedNumbers").where("id", "=", id).execute();
  ds.changed(r.facilityId, "blocks");
}

export interface BlockFilter {
  facilityId?: string;
  /** true: only the called parties' own blocks; false: only the State's. */
  byCalledParty?: boolean;
  category?: "general" | "specific";
  number?: string;
  limit?: number;
  offset?: number;
}

/** "a report of all numbers which have been blocked in the database and the reason". */
export async function listBlocks(
  ds: DomainStore,
  scope: FacilityScope,
  f: BlockFilter = {},
): Promise<BlockedNumberRow[]> {
  const ids = f.facilityId ? [...scope].filter((x) => x === f.facilityId) : [...scope];
  let q = ds.db
    .selectFrom("blockedNumbers")
    .selectAll()
    .where((eb) =>
      ids.length ? eb.or([eb("facilityId", "in", ids), eb("facilityId", "is", null)]) : eb("facilityId", "is", null),
    );
  if (f.byCalledParty !== undefined) q = q.where("byCalledParty", "=", f.byCalledParty ? 1 : 0);
  if (f.category) q = q.where("category", "=", f.category);
  if (f.number) q = q.where("number", "=", e164(f.number));
  return q
    .orderBy("byCalledParty")
    .orderBy("category")
    .orderBy("number")
    .orderBy("id")
    .limit(f.limit ?? 1000)
    .offset(f.offset ?? 0)
    .execute();
}

/** Installs DEFAULT_GENERAL_BLOCKS agency-wide where the same pattern is not there yet. */
export async function ensureDefaultGeneralBlocks(ds: DomainStore, setBy: string, now: number): Promise<number> {
  const have = new Set(
    (
      await ds.db
        .selectFrom("blockedNumbers")
        .select("pattern")
        .where("kind", "=", "pattern")
        .where("facilityId", "is", null)
        .execute()
    ).map((r) => r.pattern),
  );
  const rows = DEFAULT_GENERAL_BLOCKS.filter((b) => !have.has(b.pattern)).map((b) =>
    blockRowOf(
      { facilityId: null, kind: "pattern", pattern: b.pattern, category: "general", reason: b.reason, setBy },
      now,
    ),
  );
  if (rows.length) await ds.db.insertInto("blockedNumbers").values(rows).execute();
  ds.changed(null, "blocks");
  return rows.length;
}

export const HotNumberInputSchema = Type.Object({
  facilityId: Type.Union([Type.String(), Type.Null()]),
  number: Type.String(),
  reason: Type.String({ minLength: 1 }),
  alertTargets: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  setBy: Type.String({ minLength: 1 }),
});
export type HotNumberInput = Static<typeof HotNumberInputSchema>;

export async function addHotNumber(ds: DomainStore, scope: FacilityScope, input: HotNumberInput, now: number) {
  await assertEntryScope(ds, scope, input.facilityId);
  const row = {
    id: newId(),
    facilityId: input.facilityId,
    number: e164(input.number),
    reason: input.reason,
    alertTargets: JSON.stringify(input.alertTargets),
    setBy: input.setBy,
    createdAt: now,
  };
  await ds.db.insertInto("hotNumbers").values(row).execute();
  ds.changed(input.facilityId);
  return { ...row, alertTargets: input.alertTargets };
}

export async function removeHotNumber(ds: DomainStore, scope: FacilityScope, id: string): Promise<void> {
  const r = await ds.db.selectFrom("hotNumbers").select("facilityId").where("id", "=", id).executeTakeFirst();
  if (!r) throw notFound("hot number");
  await assertEntryScope(ds, scope, r.facilityId);
  await ds.db.deleteFrom("hotNumbers").where("id", "=", id).execute();
  ds.changed(r.facilityId);
}

export async function listHotNumbers(ds: DomainStore, scope: FacilityScope) {
  const ids = [...scope];
  const rows = await ds.db
    .selectFrom("hotNumbers")
    .selectAll()
    .where((eb) =>
      ids.length ? eb.or([eb("facilityId", "in", ids), eb("facilityId", "is", null)]) : eb("facilityId", "is", null),
    )
    .orderBy("number")
    .execute();
  return rows.map((r) => ({ ...r, alertTargets: JSON.parse(r.alertTargets) as string[] }));
}

export const PrivilegedInputSchema = Type.Object({
  facilityId: Type.Union([Type.String(), Type.Null()]),
  number: Type.String(),
  kind: Type.Union([Type.Literal("attorney"), Type.Literal("prea"), Type.Literal("ombudsman"), Type.Literal("other")]),
  name: Type.String({ minLength: 1 }),
  passiveAcceptance: Type.Optional(Type.Boolean()),
  free: Type.Optional(Type.Boolean()),
  setBy: Type.String({ minLength: 1 }),
});
export type PrivilegedInput = Static<typeof PrivilegedInputSchema>;

export async function addPrivilegedNumber(ds: DomainStore, scope: FacilityScope, input: PrivilegedInput, now: number) {
  await assertEntryScope(ds, scope, input.facilityId);
  const row = {
    id: newId(),
    facilityId: input.facilityId,
    number: e164(input.number),
    kind: input.kind,
    name: input.name,
    passiveAcceptance: input.passiveAcceptance ? 1 : 0,
    // PREA hotlines are free by rule (28 CFR 115.51(b) and the regulatory reference); others opt in.
    free: (input.free ?? input.kind === "prea") ? 1 : 0,
    setBy: input.setBy,
    createdAt: now,
  };
  await ds.db.insertInto("privilegedNumbers").values(row).execute();
  ds.changed(input.facilityId);
  return row;
}

export async function removePrivilegedNumber(ds: DomainStore, scope: FacilityScope, id: string): Promise<void> {
  const r = await ds.db.selectFrom("privilegedNumbers").select("facilityId").where("id", "=", id).executeTakeFirst();
  if (!r) throw notFound("privileged number");
  await assertEntryScope(ds, scope, r.facilityId);
  await ds.db.deleteFrom("privilegedNumbers").where("id", "=", id).execute();
  ds.changed(r.facilityId);
}

export async function listPrivilegedNumbers(ds: DomainStore, scope: FacilityScope) {
  const ids = [...scope];
  return ds.db
    .selectFrom("privilegedNumbers")
    .selectAll()
    .where((eb) =>
      ids.length ? eb.or([eb("facilityId", "in", ids), eb("facilityId", "is", null)]) : eb("facilityId", "is", null),
    )
    .orderBy("number")
    .execute();
}
