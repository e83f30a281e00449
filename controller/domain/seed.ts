/**
 * Demo data for the lab: one agency with one facility in America/Los_Angeles, four housing
 * units, one phone bank of 8 stations, a few inmates with PINs (English and Spanish), six
 * feature groups and three classes of service, calling hours, blocked, hot and privileged
 * numbers, the sample NPA-NXX data and rates under the FCC caps. The PINs are listed in
 * docs/controller-domain.md. Seeding an agency that already has the demo facility does nothing.
 */
import { readFileSync } from "node:fs";
import { importNpaNxx } from "../imports/npa-nxx.ts";
import { SAMPLE_NPA_NXX_FILE } from "../rating/npa-nxx.ts";
import { createRate } from "../rating/rates.ts";
import type { DomainStore } from "../store/domain-store.ts";
import { CALL_TYPES } from "./call-types.ts";
import { assignCos, createCos, createFeatureGroup, setSchedule } from "./classes.ts";
import { createFacility, createHousingUnit, createPhoneBank, createStation } from "./facilities.ts";
import { bookInmate, setApprovedNumbers } from "./inmates.ts";
import { addBlock, addHotNumber, addPrivilegedNumber, ensureDefaultGeneralBlocks } from "./numbers.ts";

export const DEMO_FACILITY_ID = "demo-facility";
export const DEMO_PHONE_BANK_ID = "demo-bank-a";
export const DEMO_STATION_IDS = Array.from({ length: 8 }, (_, i) => `demo-st-${i + 1}`);

export const DEMO_INMATES = [
  { id: "D-1001", firstName: "John", lastName: "Miller", language: "en", pin: "1111", unit: "A" },
  { id: "D-1002", firstName: "María", lastName: "García", language: "es", pin: "2222", unit: "A" },
  { id: "D-1003", firstName: "Darnell", lastName: "Brooks", language: "en", pin: "3333", unit: "B" },
  { id: "D-1004", firstName: "Luis", lastName: "Hernández", language: "es", pin: "4444", unit: "C" },
  { id: "D-1005", firstName: "Kevin", lastName: "Shaw", language: "en", pin: "5555", unit: "D" },
] as const;

export const DEMO_NUMBERS = {
  /** Allowed, local (Los Angeles rate center). */
  family: "+12132011234",
  /** Blocked: a victim's number. */
  victim: "+13102005555",
  /** Hot number, alerts the investigations desk. */
  hot: "+14152007777",
  /** PREA hotline: free, never recorded, passive acceptance. */
  prea: "+18005550199",
  /** Public defender: never recorded, charged normally. */
  attorney: "+12132009999",
} as const;

export interface DemoSeed {
  facilityId: string;
  stationIds: readonly string[];
  inmates: typeof DEMO_INMATES;
  created: boolean;
}

export async function seedDemoAgency(ds: DomainStore, now: number): Promise<DemoSeed> {
  const result = { facilityId: DEMO_FACILITY_ID, stationIds: DEMO_STATION_IDS, inmates: DEMO_INMATES };
  const exists = await ds.db
    .selectFrom("facilities")
    .select("id")
    .where("id", "=", DEMO_FACILITY_ID)
    .executeTakeFirst();
  if (exists) return { ...result, created: false };

  await importNpaNxx(ds, readFileSync(SAMPLE_NPA_NXX_FILE, "utf8"));
  await createFacility(
    ds,
    {
      id: DEMO_FACILITY_ID,
      name: "Yardline Demo County Jail",
      timeZone: "America/Los_Angeles",
      facilityType: "jail",
      averageDailyPopulation: 400,
      state: "CA",
      npa: "213",
      nxx: "200",
      lata: "730",
      rateCenter: "LOS ANGELES",
      localRateCenters: ["PASADENA"],
    },
    now,
  );
  const scope = new Set([DEMO_FACILITY_ID]);
  const units: Record<string, string> = {};
  for (const name of ["A", "B", "C", "D"]) {
    units[name] = (
      await createHousingUnit(ds, scope, { id: `demo-unit-${name.toLowerCase()}`, facilityId: DEMO_FACILITY_ID, name })
    ).id;
  }
  await createPhoneBank(ds, scope, {
    id: DEMO_PHONE_BANK_ID,
    facilityId: DEMO_FACILITY_ID,
    housingUnitId: units.A ?? null,
    name: "Unit A dayroom",
    location: "Unit A dayroom, north wall",
  });
  for (const [i, id] of DEMO_STATION_IDS.entries()) {
    await createStation(ds, scope, {
      id,
      phoneBankId: DEMO_PHONE_BANK_ID,
      setNumber: i + 1,
      location: `Unit A dayroom, set ${i + 1}`,
    });
  }

  // Six feature groups ("There shall be a minimum of six feature groups").
  const fg = async (id: string, name: string, features: Parameters<typeof createFeatureGroup>[1]["features"]) =>
    (await createFeatureGroup(ds, { id, name, features })).id;
  const full = await fg("fg-standard", "Standard", [
    "schedule",
    "timeBetweenCalls",
    "maxCalls",
    "maxMinutes",
    "maxDuration",
    "extraDigits",
    "callTypes",
  ]);
  const restricted = await fg("fg-restricted", "Restricted", [
    "maxCalls",
    "maxDuration",
    "callTypes",
    "timeBetweenCalls",
  ]);
  const approvedOnly = await fg("fg-approved", "Approved numbers only", ["approvedNumbersOnly", "maxDuration"]);
  await fg("fg-schedule", "Schedule only", ["schedule"]);
  await fg("fg-duration", "Duration only", ["maxDuration"]);
  await fg("fg-limits", "Usage limits", ["maxCalls", "maxMinutes", "timeBetweenCalls"]);

  const general = await createCos(ds, {
    id: "cos-general",
    featureGroupId: full,
    name: "General population",
    params: {
      maxDuration: { enabled: true, minutes: 15 },
      maxCalls: { enabled: true, day: 10, week: 50, month: null },
      maxMinutes: { enabled: true, day: 120, week: null, month: 1500 },
      timeBetweenCalls: { enabled: true, minutes: 2 },
      extraDigits: { enabled: true, limit: 3 },
      callTypes: { enabled: false, allowed: [...CALL_TYPES] },
    },
  });
  const restrictedCos = await createCos(ds, {
    id: "cos-restricted",
    featureGroupId: restricted,
    name: "Restricted housing",
    params: {
      maxDuration: { enabled: true, minutes: 10 },
      maxCalls: { enabled: true, day: 2, week: 7, month: null },
      timeBetweenCalls: { enabled: true, minutes: 60 },
      callTypes: { enabled: true, allowed: ["local", "intralata", "interlata", "interstate"] },
    },
  });
  const protective = await createCos(ds, {
    id: "cos-approved",
    featureGroupId: approvedOnly,
    name: "Approved numbers only",
    params: { approvedNumbersOnly: { enabled: true }, maxDuration: { enabled: true, minutes: 20 } },
  });
  await assignCos(ds, scope, { level: "facility", id: DEMO_FACILITY_ID }, general.id);
  await assignCos(ds, scope, { level: "housing-unit", id: units.D as string }, restrictedCos.id);

  // Calling hours 06:00–23:00 every day, facility time.
  await setSchedule(
    ds,
    scope,
    "facility",
    DEMO_FACILITY_ID,
    [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, startMin: 6 * 60, endMin: 23 * 60 })),
  );

  for (const i of DEMO_INMATES) {
    await bookInmate(
      ds,
      scope,
      {
        id: i.id,
        facilityId: DEMO_FACILITY_ID,
        housingUnitId: units[i.unit] ?? null,
        firstName: i.firstName,
        lastName: i.lastName,
        language: i.language,
        pin: i.pin,
      },
      now,
    );
  }
  await assignCos(ds, scope, { level: "inmate", id: "D-1004" }, protective.id);
  await setApprovedNumbers(ds, scope, "D-1004", [
    { number: DEMO_NUMBERS.family, name: "Rosa Hernández", relationship: "mother", language: "es" },
  ]);

  await ensureDefaultGeneralBlocks(ds, "seed", now);
  await addBlock(
    ds,
    scope,
    {
      facilityId: DEMO_FACILITY_ID,
      kind: "number",
      number: DEMO_NUMBERS.victim,
      category: "specific",
      reason: "victim (court order)",
      setBy: "seed",
    },
    now,
  );
  await addBlock(
    ds,
    scope,
    {
      facilityId: DEMO_FACILITY_ID,
      kind: "range",
      number: "+13102010000",
      rangeEnd: "+13102010999",
      category: "specific",
      reason: "courthouse staff lines",
      setBy: "seed",
    },
    now,
  );
  await addHotNumber(
    ds,
    scope,
    {
      facilityId: DEMO_FACILITY_ID,
      number: DEMO_NUMBERS.hot,
      reason: "investigation",
      alertTargets: ["investigations-desk"],
      setBy: "seed",
    },
    now,
  );
  await addPrivilegedNumber(
    ds,
    scope,
    {
      facilityId: null,
      number: DEMO_NUMBERS.prea,
      kind: "prea",
      name: "PREA reporting hotline",
      passiveAcceptance: true,
      setBy: "seed",
    },
    now,
  );
  await addPrivilegedNumber(
    ds,
    scope,
    {
      facilityId: DEMO_FACILITY_ID,
      number: DEMO_NUMBERS.attorney,
      kind: "attorney",
      name: "Public defender",
      setBy: "seed",
    },
    now,
  );

  // Rates in mills under the ADP 350–999 jail limit ($0.12 cap + $0.02 additive = $0.14).
  const mills: Record<(typeof CALL_TYPES)[number], number> = {
    local: 100,
    intralata: 110,
    interlata: 120,
    interstate: 130,
    "international-canada": 140,
    "international-mexico": 140,
    "international-other": 180,
  };
  for (const t of CALL_TYPES) {
    await createRate(
      ds,
      scope,
      {
        facilityId: DEMO_FACILITY_ID,
        callType: t,
        effectiveFrom: "2025-12-05",
        perMinuteMills: mills[t],
        terminationMills: t.startsWith("international") ? 60 : 0,
        createdBy: "seed",
      },
      now,
    );
  }
  return { ...result, created: true };
}

/**
 * Opens the demo facility's phones around the clock (no facility calling schedule), for the
 * scripted demo and the tests, which must pass at any hour: the seeded schedule is 06:00–23:00
 * facility time.
 */
export async function openDemoFacilityAllDay(ds: DomainStore): Promise<void> {
  await setSchedule(ds, new Set([DEMO_FACILITY_ID]), "facility", DEMO_FACILITY_ID, []);
}
