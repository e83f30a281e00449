/**
 * The rules of one facility prepared for lookup, so authorize() reads no database: maps by id
 * and PIN hash, the blocked-number index, hot and privileged numbers by E.164, the NPA-NXX
 * table, and rate rows by call type (newest effective date first).
 */
import type { ExchangeInfo, FacilityLocation } from "../rating/classify.ts";
import type { CallType } from "./call-types.ts";
import type { CosDefinition } from "./cos.ts";
import type { BlockIndex } from "./number-lists.ts";
import type { ScheduleWindow } from "./schedule.ts";

export type Language = "en" | "es";
export type InmateStatus = "active" | "suspended" | "released";

export interface ApprovedNumber {
  language: Language;
  name: string;
  /** Per-number override of the extra-digits feature: a limit, -1 for off, null/absent: the COS decides. */
  extraDigitsLimit?: number | null;
}

export interface SnapshotInmate {
  id: string;
  name: string;
  language: Language;
  status: InmateStatus;
  housingUnitId: string | null;
  cosId: string | null;
  recordedName: string | null;
  /** Approved numbers (E.164) with the language the called party hears prompts in. */
  approved: ReadonlyMap<string, ApprovedNumber>;
  schedule: readonly ScheduleWindow[];
}

export interface SnapshotStation {
  id: string;
  setNumber: number;
  location: string;
  enabled: boolean;
  phoneBankId: string;
  phoneBankEnabled: boolean;
  housingUnitId: string | null;
}

export interface SnapshotHousingUnit {
  id: string;
  name: string;
  enabled: boolean;
  cosId: string | null;
}

export interface HotNumber {
  id: string;
  reason: string;
  alertTargets: string[];
}

export interface PrivilegedNumber {
  id: string;
  kind: "attorney" | "prea" | "ombudsman" | "other";
  name: string;
  passiveAcceptance: boolean;
  free: boolean;
}

export interface SnapshotRate {
  id: string;
  callType: CallType;
  effectiveFrom: string;
  perMinuteMills: number;
  billingIncrementSec: number;
}

export interface FacilitySnapshot {
  facility: FacilityLocation & {
    id: string;
    name: string;
    timeZone: string;
    enabled: boolean;
    npa: string;
    cosId: string | null;
    groupCosId: string | null;
  };
  /** The provider named in the rate disclosure. */
  provider: string;
  pinKey: Buffer;
  stations: ReadonlyMap<string, SnapshotStation>;
  housingUnits: ReadonlyMap<string, SnapshotHousingUnit>;
  inmates: ReadonlyMap<string, SnapshotInmate>;
  inmatesByPinHash: ReadonlyMap<string, string>;
  cos: ReadonlyMap<string, CosDefinition>;
  schedules: {
    facility: readonly ScheduleWindow[];
    phoneBanks: ReadonlyMap<string, readonly ScheduleWindow[]>;
  };
  blocks: BlockIndex;
  hot: ReadonlyMap<string, HotNumber>;
  privileged: ReadonlyMap<string, PrivilegedNumber>;
  exchanges: ReadonlyMap<string, ExchangeInfo>;
  rates: ReadonlyMap<CallType, readonly SnapshotRate[]>;
  loadedAt: number;
}
