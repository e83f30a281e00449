/**
 * The inmate roster from a jail management system. CSV columns: inmate_id, first_name,
 * last_name, and optionally housing_unit (name, at the target facility), language (en|es),
 * status (active|released), pin. A row books a new inmate, updates a booked one, transfers one
 * booked elsewhere in the agency, or releases one marked released. Inmates missing from the
 * file are left alone: a partial roster must never release people.
 *
 * The booking/transfer/release API for a JMS that pushes events one at a time is
 * bookInmate / transferInmate / releaseInmate in controller/domain/inmates.ts.
 */
import type { Transaction } from "kysely";
import { hashPin, PIN_PATTERN } from "../domain/pin.ts";
import { assertInScope, type FacilityScope, newId } from "../domain/scope.ts";
import type { DomainStore } from "../store/domain-store.ts";
import type { DomainDb } from "../store/schema.ts";
import { parseCsvObjects } from "./csv.ts";
import { type Checked, type ImportOptions, type ImportReport, runImport } from "./report.ts";

interface RosterRow {
  id: string;
  firstName: string;
  lastName: string;
  housingUnitId: string | null;
  language: "en" | "es";
  status: "active" | "released";
  pinHash: string | null;
}

export async function importRoster(
  ds: DomainStore,
  scope: FacilityScope,
  facilityId: string,
  csv: string,
  now: number,
  opts: ImportOptions = {},
): Promise<ImportReport & { booked: number; updated: number; transferred: number; released: number }> {
  const started = performance.now();
  assertInScope(scope, facilityId, "facility");
  const units = new Map(
    (await ds.db.selectFrom("housingUnits").select(["id", "name"]).where("facilityId", "=", facilityId).execute()).map(
      (u) => [u.name.toLowerCase(), u.id],
    ),
  );
  const existing = new Map(
    (await ds.db.selectFrom("inmates").select(["id", "facilityId", "status", "pinHash"]).execute()).map((i) => [
      i.id,
      i,
    ]),
  );
  const pinOwner = new Map<string, string>();
  for (const i of existing.values()) if (i.pinHash) pinOwner.set(i.pinHash, i.id);
  const checked: Checked<RosterRow>[] = [];
  const seen = new Set<string>();
  for (const { line, row } of parseCsvObjects(csv)) {
    try {
      const id = row.inmate_id ?? "";
      if (!id) throw new Error("inmate_id is empty");
      if (seen.has(id)) throw new Error(`inmate ${id} appears twice`);
      seen.add(id);
      if (!row.first_name || !row.last_name) throw new Error("first_name and last_name are required");
      const language = (row.language || "en").toLowerCase();
      if (language !== "en" && language !== "es") throw new Error(`language "${row.language}" is not en or es`);
      const status = (row.status || "active").toLowerCase();
      if (status !== "active" && status !== "released")
        throw new Error(`status "${row.status}" is not active or released`);
      let housingUnitId: string | null = null;
      if (row.housing_unit) {
        housingUnitId = units.get(row.housing_unit.toLowerCase()) ?? null;
        if (!housingUnitId) throw new Error(`housing unit "${row.housing_unit}" does not exist at this facility`);
      }
      const prior = existing.get(id);
      if (prior && prior.facilityId !== facilityId && !scope.has(prior.facilityId)) {
        throw new Error(`inmate ${id} is booked at a facility outside your access`);
      }
      let pinHash: string | null = null;
      if (row.pin) {
        if (!PIN_PATTERN.test(row.pin)) throw new Error("pin must be 4 to 12 digits");
        pinHash = hashPin(ds.pinKey, row.pin);
        const owner = pinOwner.get(pinHash);
        if (owner && owner !== id) throw new Error("pin is already used by another inmate");
        pinOwner.set(pinHash, id);
      }
      checked.push({
        ok: true,
        line,
        value: { id, firstName: row.first_name, lastName: row.last_name, housingUnitId, language, status, pinHash },
      });
    } catch (err) {
      checked.push({ ok: false, line, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const counts = { booked: 0, updated: 0, transferred: 0, released: 0 };
  const write = async (tx: Transaction<DomainDb>, batch: RosterRow[]) => {
    const fresh = batch.filter((r) => !existing.has(r.id));
    if (fresh.length) {
      await tx
        .insertInto("inmates")
        .values(
          fresh.map((r) => ({
            id: r.id,
            facilityId,
            housingUnitId: r.housingUnitId,
            firstName: r.firstName,
            lastName: r.lastName,
            pinHash: r.pinHash,
            language: r.language,
            recordedName: null,
            status: r.status,
            cosId: null,
            bookedAt: now,
            releasedAt: r.status === "released" ? now : null,
          })),
        )
        .execute();
      counts.booked += fresh.length;
    }
    for (const r of batch) {
      const prior = existing.get(r.id);
      if (!prior) continue;
      if (prior.facilityId !== facilityId && r.status === "active") {
        await tx
          .insertInto("inmateTransfers")
          .values({
            id: newId(),
            inmateId: r.id,
            fromFacilityId: prior.facilityId,
            toFacilityId: facilityId,
            at: now,
            reason: "roster import",
          })
          .execute();
        counts.transferred++;
      } else if (r.status === "released" && prior.status !== "released") counts.released++;
      else counts.updated++;
      await tx
        .updateTable("inmates")
        .set({
          facilityId,
          housingUnitId: r.housingUnitId,
          firstName: r.firstName,
          lastName: r.lastName,
          language: r.language,
          status: r.status,
          ...(r.pinHash ? { pinHash: r.pinHash } : {}),
          ...(r.status === "released" && prior.status !== "released" ? { releasedAt: now } : {}),
          ...(r.status === "active" && prior.status === "released" ? { bookedAt: now, releasedAt: null } : {}),
        })
        .where("id", "=", r.id)
        .execute();
    }
  };
  const report = await runImport(ds.db, "roster", checked, { batchSize: 500, ...opts }, write, started);
  ds.changed(null);
  return { ...report, ...counts };
}
