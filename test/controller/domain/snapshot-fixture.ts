/**
 * A FacilitySnapshot built in memory (no database) for authorize() tests: a Los Angeles jail,
 * one phone bank of 8 stations in housing unit A, inmates I-1 (Spanish, PIN 1234) and I-2
 * (PIN 5678), the default general blocks, the sample NPA-NXX data and a rate per call type.
 */
import { readFileSync } from "node:fs";
import type { CallType } from "../../../controller/domain/call-types.ts";
import type { CosDefinition, CosParams, Feature } from "../../../controller/domain/cos.ts";
import { FEATURES } from "../../../controller/domain/cos.ts";
import { normalizeNumber } from "../../../controller/domain/dialled.ts";
import { BlockIndex, type BlockRow, DEFAULT_GENERAL_BLOCKS } from "../../../controller/domain/number-lists.ts";
import { hashPin } from "../../../controller/domain/pin.ts";
import type { ScheduleWindow } from "../../../controller/domain/schedule.ts";
import type { FacilitySnapshot, SnapshotInmate, SnapshotRate } from "../../../controller/domain/snapshot.ts";
import { parseCsvObjects } from "../../../controller/imports/csv.ts";
import type { ExchangeInfo } from "../../../controller/rating/classify.ts";
import { SAMPLE_NPA_NXX_FILE } from "../../../controller/rating/npa-nxx.ts";

export const PIN_KEY = Buffer.alloc(32, 7);

export const RATES_MILLS: Record<CallType, number> = {
  local: 100,
  intralata: 105,
  interlata: 110,
  interstate: 120,
  "international-canada": 140,
  "international-mexico": 140,
  "international-other": 140,
};

const exchanges = new Map<string, ExchangeInfo>();
for (const { row } of parseCsvObjects(readFileSync(SAMPLE_NPA_NXX_FILE, "utf8"))) {
  exchanges.set(`${row.npa}${row.nxx}`, {
    npa: row.npa ?? "",
    nxx: row.nxx ?? "",
    state: row.state ?? "",
    lata: row.lata ?? "",
    rateCenter: row.rate_center ?? "",
    city: row.city ?? "",
    country: row.country ?? "US",
  });
}

export function cos(id: string, params: CosParams, features: readonly Feature[] = FEATURES): CosDefinition {
  return { id, name: id, features: new Set(features), params };
}

export function inmate(id: string, over: Partial<SnapshotInmate> = {}): SnapshotInmate {
  return {
    id,
    name: `Inmate ${id}`,
    language: "en",
    status: "active",
    housingUnitId: "unit-a",
    cosId: null,
    recordedName: null,
    approved: new Map(),
    schedule: [],
    ...over,
  };
}

export interface SnapshotOverrides {
  blocks?: BlockRow[];
  generalBlocks?: boolean;
  cos?: CosDefinition[];
  facilityCosId?: string | null;
  groupCosId?: string | null;
  unitCosId?: string | null;
  inmates?: SnapshotInmate[];
  facilitySchedule?: ScheduleWindow[];
  bankSchedule?: ScheduleWindow[];
  hot?: Array<[string, string[]]>;
  privileged?: Array<{ number: string; kind: "attorney" | "prea"; passive?: boolean; free?: boolean }>;
  rates?: Partial<Record<CallType, SnapshotRate[]>>;
}

let seq = 0;
export function block(kind: BlockRow["kind"], value: string, extra: Partial<BlockRow> = {}): BlockRow {
  const base: BlockRow = {
    id: `b${++seq}`,
    facilityId: "fac-la",
    kind,
    number: null,
    rangeEnd: null,
    pattern: null,
    category: kind === "pattern" ? "general" : "specific",
    reason: `${kind} ${value}`,
    setBy: "test",
    byCalledParty: false,
  };
  if (kind === "pattern") base.pattern = value;
  else if (kind === "range") {
    const [a, b] = value.split("..");
    base.number = normalizeNumber(a ?? "") ?? null;
    base.rangeEnd = normalizeNumber(b ?? "") ?? null;
  } else base.number = normalizeNumber(value) ?? null;
  return { ...base, ...extra };
}

export function snapshot(o: SnapshotOverrides = {}): FacilitySnapshot {
  const inmates = o.inmates ?? [
    inmate("I-1", { language: "es", name: "Ana Lopez" }),
    inmate("I-2", { housingUnitId: "unit-b" }),
  ];
  const pins: Record<string, string> = { "I-1": "1234", "I-2": "5678" };
  const general =
    o.generalBlocks === false
      ? []
      : DEFAULT_GENERAL_BLOCKS.map((g) => block("pattern", g.pattern, { reason: g.reason, facilityId: null }));
  const rates = new Map<CallType, SnapshotRate[]>();
  for (const [t, mills] of Object.entries(RATES_MILLS) as Array<[CallType, number]>) {
    rates.set(
      t,
      o.rates?.[t] ?? [
        { id: `rate-${t}`, callType: t, effectiveFrom: "2025-12-05", perMinuteMills: mills, billingIncrementSec: 60 },
      ],
    );
  }
  const stations = new Map(
    Array.from({ length: 8 }, (_, i) => [
      `st-${i + 1}`,
      {
        id: `st-${i + 1}`,
        setNumber: i + 1,
        location: `A dayroom set ${i + 1}`,
        enabled: true,
        phoneBankId: "bank-1",
        phoneBankEnabled: true,
        housingUnitId: "unit-a",
      },
    ]),
  );
  return {
    facility: {
      id: "fac-la",
      name: "Los Angeles County Jail",
      timeZone: "America/Los_Angeles",
      enabled: true,
      npa: "213",
      state: "CA",
      lata: "730",
      rateCenter: "LOS ANGELES",
      localRateCenters: new Set(["PASADENA"]),
      cosId: o.facilityCosId ?? null,
      groupCosId: o.groupCosId ?? null,
    },
    provider: "Yardline",
    pinKey: PIN_KEY,
    stations,
    housingUnits: new Map([
      ["unit-a", { id: "unit-a", name: "A", enabled: true, cosId: o.unitCosId ?? null }],
      ["unit-b", { id: "unit-b", name: "B", enabled: true, cosId: null }],
    ]),
    inmates: new Map(inmates.map((i) => [i.id, i])),
    inmatesByPinHash: new Map(
      inmates.filter((i) => pins[i.id]).map((i) => [hashPin(PIN_KEY, pins[i.id] as string), i.id]),
    ),
    cos: new Map((o.cos ?? []).map((c) => [c.id, c])),
    schedules: { facility: o.facilitySchedule ?? [], phoneBanks: new Map([["bank-1", o.bankSchedule ?? []]]) },
    blocks: new BlockIndex([...general, ...(o.blocks ?? [])]),
    hot: new Map(
      (o.hot ?? []).map(([n, targets]) => [
        normalizeNumber(n) as string,
        { id: `hot-${n}`, reason: "surveillance", alertTargets: targets },
      ]),
    ),
    privileged: new Map(
      (o.privileged ?? []).map((p) => [
        normalizeNumber(p.number) as string,
        {
          id: `p-${p.number}`,
          kind: p.kind,
          name: `${p.kind} line`,
          passiveAcceptance: p.passive ?? false,
          free: p.free ?? p.kind === "prea",
        },
      ]),
    ),
    exchanges,
    rates,
    loadedAt: 0,
  };
}
