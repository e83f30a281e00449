/**
 * A small facility for tests: a Los Angeles jail (ADP 500: cap $0.12 + $0.02 additive) with
 * two housing units, one phone bank of 8 stations, the sample NPA-NXX data and a rate for
 * every call type.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createFacility,
  createHousingUnit,
  createPhoneBank,
  createStation,
} from "../../../controller/domain/facilities.ts";
import { bookInmate } from "../../../controller/domain/inmates.ts";
import { ensureDefaultGeneralBlocks } from "../../../controller/domain/numbers.ts";
import { importNpaNxx } from "../../../controller/imports/npa-nxx.ts";
import { SAMPLE_NPA_NXX_FILE } from "../../../controller/rating/npa-nxx.ts";
import { createRate } from "../../../controller/rating/rates.ts";
import { type DomainStore, openDomainStore } from "../../../controller/store/domain-store.ts";

export const T0 = Date.UTC(2026, 0, 5, 20, 0, 0); // Monday 2026-01-05 12:00 in Los Angeles

export async function openSqlite(): Promise<{ ds: DomainStore; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yardline-store-"));
  const ds = await openDomainStore({ kind: "sqlite", file: path.join(dir, "agency.db") });
  return {
    ds,
    cleanup: async () => {
      await ds.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Fixture {
  facilityId: string;
  otherFacilityId: string;
  unitA: string;
  unitB: string;
  bankId: string;
  stations: string[];
  scope: ReadonlySet<string>;
  rates: Record<string, string>;
}

/** Rates in mills: under the 140-mill limit (120 cap + 20 additive) for a 500-ADP jail. */
export const FIXTURE_RATES = {
  local: 100,
  intralata: 105,
  interlata: 110,
  interstate: 120,
  "international-canada": 140,
  "international-mexico": 140,
  "international-other": 140,
} as const;

export async function buildFixture(ds: DomainStore, opts: { generalBlocks?: boolean } = {}): Promise<Fixture> {
  const facilityId = "fac-la";
  await createFacility(
    ds,
    {
      id: facilityId,
      name: "Los Angeles County Jail",
      timeZone: "America/Los_Angeles",
      facilityType: "jail",
      averageDailyPopulation: 500,
      state: "CA",
      npa: "213",
      nxx: "200",
      lata: "730",
      rateCenter: "LOS ANGELES",
      localRateCenters: ["PASADENA"],
    },
    T0,
  );
  const otherFacilityId = "fac-sf";
  await createFacility(
    ds,
    {
      id: otherFacilityId,
      name: "San Francisco Jail",
      timeZone: "America/Los_Angeles",
      facilityType: "jail",
      averageDailyPopulation: 1200,
      state: "CA",
      npa: "415",
      nxx: "200",
      lata: "722",
      rateCenter: "SAN FRANCISCO",
    },
    T0,
  );
  const scope = new Set([facilityId, otherFacilityId]);
  const unitA = (await createHousingUnit(ds, scope, { id: "unit-a", facilityId, name: "A" })).id;
  const unitB = (await createHousingUnit(ds, scope, { id: "unit-b", facilityId, name: "B" })).id;
  const bankId = (
    await createPhoneBank(ds, scope, { id: "bank-1", facilityId, housingUnitId: unitA, name: "A dayroom" })
  ).id;
  const stations: string[] = [];
  for (let i = 1; i <= 8; i++) {
    stations.push(
      (
        await createStation(ds, scope, {
          id: `st-${i}`,
          phoneBankId: bankId,
          setNumber: i,
          location: `A dayroom set ${i}`,
        })
      ).id,
    );
  }
  await importNpaNxx(ds, readFileSync(SAMPLE_NPA_NXX_FILE, "utf8"));
  const rates: Record<string, string> = {};
  for (const [callType, mills] of Object.entries(FIXTURE_RATES)) {
    const r = await createRate(
      ds,
      scope,
      {
        facilityId,
        callType: callType as keyof typeof FIXTURE_RATES,
        effectiveFrom: "2025-12-05",
        perMinuteMills: mills,
        terminationMills: callType.startsWith("international") ? 50 : 0,
        createdBy: "test",
      },
      T0,
    );
    rates[callType] = r.id;
  }
  if (opts.generalBlocks !== false) await ensureDefaultGeneralBlocks(ds, "test", T0);
  await bookInmate(
    ds,
    scope,
    { id: "I-1", facilityId, housingUnitId: unitA, firstName: "Ana", lastName: "Lopez", language: "es", pin: "1234" },
    T0,
  );
  await bookInmate(
    ds,
    scope,
    { id: "I-2", facilityId, housingUnitId: unitB, firstName: "Ben", lastName: "Carter", pin: "5678" },
    T0,
  );
  return { facilityId, otherFacilityId, unitA, unitB, bankId, stations, scope, rates };
}
