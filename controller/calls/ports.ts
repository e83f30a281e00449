/**
 * What the call flow needs from the rest of the controller, as narrow interfaces (STYLE:
 * "each module declares the narrow interface it needs"). The controller wires the real domain,
 * store, prompts and recording seal behind them; tests pass small real ones by constructor.
 */
export type Language = "en" | "es";

export interface Bilingual {
  en: string;
  es: string;
}

export interface StationInfo {
  stationId: string;
  /** Human station set number shown in call records ("A-101-3"). */
  stationNumber: string;
  facilityId: string;
  facilityName: string;
  housingUnitId: string;
  housingUnitName: string;
  bankId: string;
  /** Where the telephone is ("Unit A dayroom, bank 1, set 3"). */
  location: string;
  timeZone: string;
}

export interface CallerIdentity {
  inmateId: string;
  /** Booking / offender number shown in records. */
  inmateNumber: string;
  name: string;
  language: Language;
  /** The inmate's recorded name (mono WAV), absent on first use. */
  recordedNameFile?: string;
}

export interface AllowedCall {
  allowed: true;
  /** E.164 destination, e.g. "+15035550123". */
  destination: string;
  callType: string;
  /** City and state, or city and country, when known. */
  destinationName: string;
  maxDurationSec: number;
  /** Seconds before the end at which the inmate is warned (60 and 30 by the spec). */
  warningsBeforeEndSec: number[];
  record: boolean;
  monitorable: boolean;
  privileged: boolean;
  passiveAcceptance: boolean;
  hotNumber?: { listId: string; note: string };
  /** Per-minute rate (tenths of a cent) and its billing increment, for the disclosure and live charge. */
  rate: { rateId: string | null; perMinuteMills: number; billingIncrementSec: number; disclosure: Bilingual };
  /** Extra digits allowed during the connected call before the action applies; undefined = unlimited. */
  extraDigitLimit?: number;
  /** What to do with extra digits and hook flashes past the limit. */
  fraudAction: "report" | "terminate";
  /** Plain-English explanation of why it was allowed (kept in the call record). */
  explanation: string;
  /** The domain's own decision, handed back to the record writer. */
  ref?: unknown;
}

export interface DeniedCall {
  allowed: false;
  reason: Bilingual;
  /** The catalogue prompt that tells the inmate why ("inmate.denied-schedule"). */
  promptId: string;
  rule: string;
  destination?: string;
  callType?: string;
  ref?: unknown;
}

export type CallDecision = AllowedCall | DeniedCall;

export interface CallRules {
  /** The station behind a handset's SIP user (its account name), or undefined if unknown. */
  station(sipUser: string): StationInfo | undefined;
  /** Whether the station may place calls now (kill switches, timed schedules). */
  stationEnabled(station: StationInfo, at: number): Bilingual | undefined;
  identify(station: StationInfo, pin: string): Promise<CallerIdentity | undefined>;
  saveRecordedName(inmateId: string, file: string): Promise<void>;
  authorize(station: StationInfo, caller: CallerIdentity, digits: string, at: number): Promise<CallDecision>;
  /** Charge in cents for `seconds` from acceptance at the decision's rate (the rating module's rule). */
  price(decision: AllowedCall, seconds: number): number;
  /** The called party pressed the block digit: block this number for this facility. */
  blockByCalledParty(station: StationInfo, destination: string, caller: CallerIdentity): Promise<void>;
}

/** What is known of a call at off-hook, when its record is opened "in progress". */
export interface CallRecordOpen {
  callId: string;
  station: StationInfo;
  startedAt: number;
}

export interface CallRecordEnd {
  at: number;
  /** How the call ended, in plain English ("Called party hung up", "Time limit reached"). */
  ending: string;
  /** Why it did not complete, when it was never accepted. */
  notCompletedReason?: string;
  /** What the acceptance prompt got instead of an acceptance, when not accepted. */
  acceptance?: string;
}

/**
 * The call record's life, as the store keeps it. The record exists from off-hook ("in
 * progress"), so a controller that dies mid-call leaves a record that start-up recovery closes
 * with an ending that says so.
 */
export interface CallRecordWriter {
  begin(rec: CallRecordOpen): Promise<void>;
  /** The authorization decision (allowed: stays in progress; denied: closed not completed). */
  decided(callId: string, decision: CallDecision, digits: string, caller: CallerIdentity | undefined): Promise<void>;
  answered(callId: string, at: number): Promise<void>;
  /** Billing starts now; `how` in plain English. */
  accepted(callId: string, at: number, how: string): Promise<void>;
  /** The sealed recording of a (non-privileged) call. */
  recording(callId: string, rec: { file: string; sha256: string; signature: string; channel: string }): Promise<void>;
  /** Closes the record; returns what was charged. A denied call's record is already closed. */
  close(callId: string, end: CallRecordEnd): Promise<{ chargeCents: number; billedSeconds: number }>;
}

/** Files to fill a prompt's placeholders ({name}, {facility}, {rate}, {acceptKey}, ...). */
export type PromptValues = Partial<Record<string, readonly string[]>>;

/** The prompt catalogue (controller/prompts): every function returns the WAV files to play in order. */
export interface PromptLibrary {
  render(id: string, lang: Language, values?: PromptValues): string[];
  sayAmount(cents: number, lang: Language): string[];
  sayMinutes(minutes: number, lang: Language): string[];
  sayKey(key: string, lang: Language): string[];
  /** A configuration-time prompt (facility or provider name), synthesized once and cached. */
  customPrompt(key: string, text: string, lang: Language): Promise<string>;
}

export interface RecordingSeal {
  sha256: string;
  signature: string;
}

export interface RecordingVault {
  /** Where a call's recording is written. */
  pathFor(callId: string, startedAt: number): string;
  /** Where a first-use recorded name is kept. */
  namePathFor(inmateId: string): string;
  /** Hash and sign a finished recording. */
  seal(file: string, meta: { callId: string; startedAt: number; endedAt: number }): Promise<RecordingSeal>;
  /** Removes a recording that must not exist (a privileged call recorded from off-hook). */
  destroy(file: string): Promise<void>;
}
