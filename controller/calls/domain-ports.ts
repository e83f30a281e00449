/**
 * The call flow's ports (ports.ts) over the controller's domain and store: stations and
 * identities from the facility snapshots, `authorize()` with the inmate's usage, the rating
 * module's charge, and the call record's life in the store.
 *
 * The record is opened at off-hook as "in progress / pending" so a crash at any moment leaves a
 * record for start-up recovery to close; when the decision is made the pending row is replaced
 * by the store's own decision record (`openCallRecord`), which fills every field of the spec's
 * call record format.
 */
import { DateTime } from "luxon";
import { authorize as decide, type Decision } from "../domain/authorize.ts";
import type { FacilitySnapshot } from "../domain/snapshot.ts";
import type { SnapshotCache } from "../domain/load-snapshot.ts";
import { blockByCalledParty } from "../domain/numbers.ts";
import { hashPin } from "../domain/pin.ts";
import { DomainError } from "../domain/errors.ts";
import type { DenialRule } from "../domain/reasons.ts";
import { reasons } from "../domain/reasons.ts";
import { scheduleOpen } from "../domain/schedule.ts";
import { computeCharge } from "../rating/charge.ts";
import { attachRecording, closeCallRecord, markAccepted, markAnswered, openCallRecord } from "../store/call-records.ts";
import type { DomainStore } from "../store/domain-store.ts";
import { readUsage } from "../store/usage.ts";
import type {
  AllowedCall,
  Bilingual,
  CallDecision,
  CallerIdentity,
  CallRecordEnd,
  CallRecordOpen,
  CallRecordWriter,
  CallRules,
  StationInfo,
} from "./ports.ts";

/** The catalogue prompt that tells the inmate each denial (controller/prompts/catalogue.ts). */
export const DENIAL_PROMPTS: Record<DenialRule, string> = {
  "station-unknown": "inmate.denied-phone-disabled",
  "station-disabled": "inmate.denied-phone-disabled",
  "facility-disabled": "inmate.denied-phone-disabled",
  "housing-unit-disabled": "inmate.denied-phone-disabled",
  "inmate-unknown": "inmate.pin-invalid",
  "inmate-inactive": "inmate.denied-suspended",
  "number-invalid": "inmate.number-invalid",
  "blocked-general": "inmate.denied-blocked",
  "blocked-called-party": "inmate.denied-called-party-blocked",
  "blocked-number": "inmate.denied-blocked",
  "call-type-not-allowed": "inmate.denied-number-type",
  "not-approved": "inmate.denied-not-approved",
  schedule: "inmate.denied-schedule",
  // The catalogue has no "wait N minutes" sentence yet; the schedule sentence is the nearest.
  "time-between-calls": "inmate.denied-schedule",
  "max-calls": "inmate.denied-daily-limit",
  "max-minutes": "inmate.denied-minutes-limit",
  "no-rate": "inmate.denied-number-type",
};

interface DecisionRef {
  snapshot: FacilitySnapshot;
  request: Parameters<typeof decide>[1];
  decision: Decision;
}

export interface DomainPortsOptions {
  ds: DomainStore;
  cache: SnapshotCache;
  /** A software or hardware kill switch holding this station off, in words; undefined if none. */
  killed?: (station: StationInfo) => Bilingual | undefined;
  /**
   * Called after the rules were reloaded following a change (kill switches applied to live
   * calls), with the facility reloaded (null: all of them).
   */
  onRefreshed?: (facilityId: string | null) => void;
}

export class DomainCallPorts implements CallRules, CallRecordWriter {
  private readonly ds: DomainStore;
  private readonly cache: SnapshotCache;
  private readonly killed: (station: StationInfo) => Bilingual | undefined;
  private stations = new Map<string, StationInfo>();
  private readonly started = new Map<string, { station: StationInfo; startedAt: number }>();
  private readonly unsubscribe: () => void;

  constructor(opts: DomainPortsOptions) {
    this.ds = opts.ds;
    this.cache = opts.cache;
    this.killed = opts.killed ?? (() => undefined);
    this.unsubscribe = this.ds.onChange((facilityId) => {
      void this.refresh(facilityId).then(
        () => opts.onRefreshed?.(facilityId),
        () => {},
      );
    });
  }

  /**
   * Loads the snapshot of one facility (null: every facility) and indexes its stations by id
   * (= the handset's SIP user). Only the facility a change names is reloaded: an import into one
   * facility's block list must not rebuild every other facility's snapshot.
   */
  async refresh(facilityId: string | null = null): Promise<void> {
    // The cache hears of the change in its own listener: let every listener run first.
    await Promise.resolve();
    const ids =
      facilityId === null
        ? (await this.ds.db.selectFrom("facilities").select("id").execute()).map((f) => f.id)
        : [facilityId];
    const fresh = new Map<string, StationInfo>();
    const gone = new Set<string>();
    for (const id of ids) {
      let s: FacilitySnapshot;
      try {
        s = await this.cache.get(id);
      } catch (err) {
        if (facilityId === null || !(err instanceof DomainError && err.code === "not-found")) throw err;
        gone.add(id); // the facility was removed: its stations go with it
        continue;
      }
      for (const st of s.stations.values()) {
        const unit = st.housingUnitId ? s.housingUnits.get(st.housingUnitId) : undefined;
        const info: StationInfo = {
          stationId: st.id,
          stationNumber: String(st.setNumber),
          facilityId: s.facility.id,
          facilityName: s.facility.name,
          housingUnitId: st.housingUnitId ?? "",
          housingUnitName: unit?.name ?? "",
          bankId: st.phoneBankId,
          location: st.location,
          timeZone: s.facility.timeZone,
        };
        // A handset registers as <board id>-h<set number>; a board's id is its phone bank's id.
        fresh.set(st.id, info);
        fresh.set(`${st.phoneBankId}-h${st.setNumber}`, info);
      }
    }
    if (facilityId === null) {
      this.stations = fresh;
      return;
    }
    // Refreshes of different facilities may run at once: each replaces only its own entries.
    const next = new Map<string, StationInfo>();
    for (const [k, v] of this.stations) if (v.facilityId !== facilityId && !gone.has(v.facilityId)) next.set(k, v);
    for (const [k, v] of fresh) next.set(k, v);
    this.stations = next;
  }

  stop(): void {
    this.unsubscribe();
  }

  station(sipUser: string): StationInfo | undefined {
    return this.stations.get(sipUser);
  }

  stationList(): StationInfo[] {
    return [...new Set(this.stations.values())];
  }

  stationEnabled(station: StationInfo, at: number): Bilingual | undefined {
    const kill = this.killed(station);
    if (kill) return kill;
    const s = this.cache.peek(station.facilityId);
    if (!s) return undefined;
    const st = s.stations.get(station.stationId);
    if (!st?.enabled || !st.phoneBankEnabled) return reasons.stationDisabled();
    if (!s.facility.enabled) return reasons.facilityDisabled();
    const unit = st.housingUnitId ? s.housingUnits.get(st.housingUnitId) : undefined;
    if (unit && !unit.enabled) return reasons.housingUnitDisabled();
    if (!scheduleOpen(s.schedules.facility, at, s.facility.timeZone).open) return reasons.schedule("facility");
    const bank = s.schedules.phoneBanks.get(st.phoneBankId) ?? [];
    if (!scheduleOpen(bank, at, s.facility.timeZone).open) return reasons.schedule("phone-bank");
    return undefined;
  }

  async identify(station: StationInfo, pin: string): Promise<CallerIdentity | undefined> {
    const s = await this.cache.get(station.facilityId);
    const id = s.inmatesByPinHash.get(hashPin(s.pinKey, pin));
    const inmate = id ? s.inmates.get(id) : undefined;
    if (!inmate) return undefined;
    return {
      inmateId: inmate.id,
      inmateNumber: inmate.id,
      name: inmate.name,
      language: inmate.language,
      recordedNameFile: inmate.recordedName ?? undefined,
    };
  }

  async saveRecordedName(inmateId: string, file: string): Promise<void> {
    await this.ds.db.updateTable("inmates").set({ recordedName: file }).where("id", "=", inmateId).execute();
    this.ds.changed(null);
  }

  async authorize(station: StationInfo, caller: CallerIdentity, digits: string, at: number): Promise<CallDecision> {
    const snapshot = await this.cache.get(station.facilityId);
    const usage = await readUsage(this.ds, caller.inmateId, snapshot.facility.timeZone, at);
    const request = { stationId: station.stationId, inmate: { inmateId: caller.inmateId }, dialled: digits, at, usage };
    const decision = decide(snapshot, request);
    const ref: DecisionRef = { snapshot, request, decision };
    if (!decision.allowed) {
      return {
        allowed: false,
        reason: decision.reason,
        promptId: DENIAL_PROMPTS[decision.rule],
        rule: decision.rule,
        destination: decision.destination,
        callType: decision.callType,
        ref,
      };
    }
    return {
      allowed: true,
      destination: decision.destination,
      callType: decision.callType,
      destinationName: decision.place,
      maxDurationSec: decision.maxDurationSec,
      warningsBeforeEndSec: [60, 30],
      record: decision.recording === "record",
      monitorable: decision.monitoringAllowed,
      privileged: decision.privileged !== null,
      passiveAcceptance: decision.passiveAcceptance,
      hotNumber: decision.hotNumber ? { listId: decision.destination, note: decision.hotNumber.reason } : undefined,
      rate: {
        rateId: decision.rate.rateId,
        perMinuteMills: decision.rate.perMinuteMills,
        billingIncrementSec: decision.rate.billingIncrementSec,
        disclosure: decision.rate.disclosure,
      },
      extraDigitLimit: decision.extraDigitsLimit ?? undefined,
      // Dropping calls on false three-way detection has cost families money: report by default.
      fraudAction: "report",
      explanation: decision.explanation.join("; "),
      ref,
    };
  }

  price(decision: AllowedCall, seconds: number): number {
    if (decision.rate.perMinuteMills === 0 || seconds <= 0) return 0;
    return computeCharge(seconds, {
      rateId: decision.rate.rateId ?? "free",
      perMinuteMills: decision.rate.perMinuteMills,
      billingIncrementSec: decision.rate.billingIncrementSec,
      effectiveFrom: "",
    }).amountCents;
  }

  async blockByCalledParty(station: StationInfo, destination: string): Promise<void> {
    await blockByCalledParty(this.ds, station.facilityId, destination, Date.now());
  }

  // --- call records --------------------------------------------------------------------------

  async begin(rec: CallRecordOpen): Promise<void> {
    const st = rec.station;
    const local = DateTime.fromMillis(rec.startedAt, { zone: st.timeZone });
    this.started.set(rec.callId, { station: st, startedAt: rec.startedAt });
    await this.ds.db
      .insertInto("callRecords")
      .values({
        id: rec.callId,
        status: "in-progress",
        facilityId: st.facilityId,
        facilityName: st.facilityName,
        timeZone: st.timeZone,
        stationId: st.stationId,
        stationSetNumber: Number(st.stationNumber) || null,
        stationLocation: st.location,
        phoneBankId: st.bankId,
        housingUnitId: st.housingUnitId || null,
        inmateId: null,
        dialledDigits: "",
        destination: null,
        callType: null,
        trunk: null,
        startedAt: rec.startedAt,
        localDate: local.toISODate() as string,
        localTime: local.toFormat("HH:mm:ss"),
        answeredAt: null,
        acceptedAt: null,
        endedAt: null,
        decision: PENDING,
        denialRule: null,
        notCompletedReason: null,
        acceptance: null,
        ending: null,
        alertType: null,
        recorderChannel: null,
        recordingFile: null,
        recordingHash: null,
        recordingSignature: null,
        rateId: null,
        ratePerMinuteMills: null,
        rateEffectiveFrom: null,
        billingIncrementSec: null,
        billedUnits: null,
        chargeCents: null,
        chargeExplanation: null,
        billingNameAddress: null,
      })
      .execute();
  }

  async decided(callId: string, decision: CallDecision, digits: string): Promise<void> {
    const ref = decision.ref as DecisionRef | undefined;
    const started = this.started.get(callId);
    if (!ref || !started) throw new Error(`call ${callId}: decision without its domain record`);
    await this.ds.db.deleteFrom("callRecords").where("id", "=", callId).where("decision", "=", PENDING).execute();
    await openCallRecord(
      this.ds,
      ref.snapshot,
      { ...ref.request, dialled: digits, at: started.startedAt },
      ref.decision,
      { id: callId },
    );
  }

  answered(callId: string, at: number): Promise<void> {
    return markAnswered(this.ds, callId, at);
  }

  accepted(callId: string, at: number, how: string): Promise<void> {
    return markAccepted(this.ds, callId, at, how);
  }

  recording(callId: string, rec: { file: string; sha256: string; signature: string; channel: string }): Promise<void> {
    return attachRecording(this.ds, callId, {
      file: rec.file,
      hash: rec.sha256,
      signature: rec.signature,
      channel: rec.channel,
    });
  }

  async close(callId: string, end: CallRecordEnd): Promise<{ chargeCents: number; billedSeconds: number }> {
    this.started.delete(callId);
    const row = await this.ds.db
      .selectFrom("callRecords")
      .select(["status", "decision", "chargeCents", "durationSec"])
      .where("id", "=", callId)
      .executeTakeFirst();
    if (!row) throw new Error(`call ${callId}: no call record`);
    if (row.status !== "in-progress") return { chargeCents: row.chargeCents ?? 0, billedSeconds: row.durationSec };
    if (row.decision === PENDING) {
      await this.ds.db
        .updateTable("callRecords")
        .set({ decision: `Not decided: ${end.notCompletedReason ?? end.ending}` })
        .where("id", "=", callId)
        .execute();
    }
    const closed = await closeCallRecord(this.ds, callId, {
      at: end.at,
      ending: end.ending,
      notCompletedReason: end.notCompletedReason,
      acceptance: end.acceptance,
    });
    return { chargeCents: closed.chargeCents ?? 0, billedSeconds: closed.durationSec };
  }
}

/** The decision text of a record opened at off-hook, before the inmate has dialled. */
const PENDING = "Pending: the inmate is at the prompts";
