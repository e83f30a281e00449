/**
 * The domain tables as TypeScript sees them, in camelCase: domain code reads them through
 * `domainDb()` (Kysely's CamelCasePlugin), while the SQL itself stays snake_case so other
 * modules' queries and hand-written reports read naturally on both engines.
 * Times are epoch ms; booleans are 0/1.
 */
import type { Generated, Insertable, Selectable } from "kysely";

export interface DomainMetaTable {
  key: string;
  value: string;
}

export interface FeatureGroupsTable {
  id: string;
  name: string;
  description: Generated<string>;
  /** JSON array of feature names included in the group. */
  features: string;
}

export interface ClassesOfServiceTable {
  id: string;
  featureGroupId: string;
  name: string;
  /** JSON of CosParams. */
  params: string;
}

export interface FacilityGroupsTable {
  id: string;
  name: string;
  cosId: string | null;
}

export interface FacilitiesTable {
  id: string;
  name: string;
  timeZone: string;
  facilityType: string;
  averageDailyPopulation: number;
  state: string;
  npa: string;
  nxx: string;
  lata: string;
  rateCenter: string;
  localRateCenters: Generated<string>;
  groupId: string | null;
  cosId: string | null;
  enabled: Generated<number>;
  createdAt: number;
}

export interface HousingUnitsTable {
  id: string;
  facilityId: string;
  name: string;
  cosId: string | null;
  enabled: Generated<number>;
}

export interface PhoneBanksTable {
  id: string;
  facilityId: string;
  housingUnitId: string | null;
  name: string;
  location: Generated<string>;
  enabled: Generated<number>;
}

export interface StationsTable {
  id: string;
  phoneBankId: string;
  facilityId: string;
  setNumber: number;
  location: Generated<string>;
  enabled: Generated<number>;
}

export interface InmatesTable {
  id: string;
  facilityId: string;
  housingUnitId: string | null;
  firstName: string;
  lastName: string;
  pinHash: string | null;
  language: Generated<string>;
  recordedName: string | null;
  status: string;
  cosId: string | null;
  bookedAt: number;
  releasedAt: number | null;
}

export interface InmateTransfersTable {
  id: string;
  inmateId: string;
  fromFacilityId: string;
  toFacilityId: string;
  at: number;
  reason: Generated<string>;
}

export interface ApprovedNumbersTable {
  inmateId: string;
  number: string;
  name: Generated<string>;
  relationship: Generated<string>;
  language: Generated<string>;
  /** Overrides the COS extra-digits feature for calls to this number (-1: off; null: COS decides). */
  extraDigitsLimit: number | null;
}

export interface ScheduleWindowsTable {
  id: string;
  scopeKind: string;
  scopeId: string;
  day: number;
  startMin: number;
  endMin: number;
}

export interface BlockedNumbersTable {
  id: string;
  facilityId: string | null;
  kind: string;
  number: string | null;
  rangeEnd: string | null;
  pattern: string | null;
  category: string;
  reason: string;
  setBy: string;
  byCalledParty: Generated<number>;
  createdAt: number;
}

/** An import still writing: its rows' ids start with `id` (controller/store/import-store.ts). */
export interface ImportRunsTable {
  id: string;
  kind: string;
  facilityId: string | null;
  startedAt: number;
}

export interface HotNumbersTable {
  id: string;
  facilityId: string | null;
  number: string;
  reason: string;
  alertTargets: string;
  setBy: string;
  createdAt: number;
}

export interface PrivilegedNumbersTable {
  id: string;
  facilityId: string | null;
  number: string;
  kind: string;
  name: string;
  passiveAcceptance: Generated<number>;
  free: Generated<number>;
  setBy: string;
  createdAt: number;
}

export interface NpaNxxTable {
  npa: string;
  nxx: string;
  state: string;
  lata: string;
  rateCenter: string;
  city: string;
  country: string;
}

export interface RatesTable {
  id: string;
  facilityId: string;
  callType: string;
  effectiveFrom: string;
  perMinuteMills: number;
  billingIncrementSec: number;
  terminationMills: Generated<number>;
  capChecked: string;
  createdBy: string;
  createdAt: number;
}

export interface CallRecordsTable {
  id: string;
  status: string;
  facilityId: string;
  facilityName: string;
  timeZone: string;
  stationId: string;
  stationSetNumber: number | null;
  stationLocation: Generated<string>;
  phoneBankId: string | null;
  housingUnitId: string | null;
  inmateId: string | null;
  inmateName: Generated<string>;
  dialledDigits: string;
  destination: string | null;
  destinationPlace: Generated<string>;
  callType: string | null;
  trunk: string | null;
  startedAt: number;
  localDate: string;
  localTime: string;
  answeredAt: number | null;
  acceptedAt: number | null;
  endedAt: number | null;
  durationSec: Generated<number>;
  decision: string;
  denialRule: string | null;
  notCompletedReason: string | null;
  acceptance: string | null;
  ending: string | null;
  privileged: Generated<number>;
  recorded: Generated<number>;
  alert: Generated<number>;
  alertType: string | null;
  recorderChannel: string | null;
  recordingFile: string | null;
  recordingHash: string | null;
  recordingSignature: string | null;
  rateId: string | null;
  ratePerMinuteMills: number | null;
  rateEffectiveFrom: string | null;
  billingIncrementSec: number | null;
  billedUnits: number | null;
  chargeCents: number | null;
  chargeExplanation: string | null;
  billingNameAddress: string | null;
  language: Generated<string>;
}

export interface DomainDb {
  domainMeta: DomainMetaTable;
  featureGroups: FeatureGroupsTable;
  classesOfService: ClassesOfServiceTable;
  facilityGroups: FacilityGroupsTable;
  facilities: FacilitiesTable;
  housingUnits: HousingUnitsTable;
  phoneBanks: PhoneBanksTable;
  stations: StationsTable;
  inmates: InmatesTable;
  inmateTransfers: InmateTransfersTable;
  approvedNumbers: ApprovedNumbersTable;
  scheduleWindows: ScheduleWindowsTable;
  blockedNumbers: BlockedNumbersTable;
  importRuns: ImportRunsTable;
  hotNumbers: HotNumbersTable;
  privilegedNumbers: PrivilegedNumbersTable;
  npaNxx: NpaNxxTable;
  rates: RatesTable;
  callRecords: CallRecordsTable;
}

export type FacilityRow = Selectable<FacilitiesTable>;
export type InmateRow = Selectable<InmatesTable>;
export type StationRow = Selectable<StationsTable>;
export type PhoneBankRow = Selectable<PhoneBanksTable>;
export type HousingUnitRow = Selectable<HousingUnitsTable>;
export type RateRow = Selectable<RatesTable>;
export type CallRecordRow = Selectable<CallRecordsTable>;
export type NewCallRecord = Insertable<CallRecordsTable>;
export type BlockedNumberRow = Selectable<BlockedNumbersTable>;
