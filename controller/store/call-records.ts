/**
 * Call records: one row per call attempted, opened when the call is decided and closed when it
 * ends, with every field of the spec's "Call Record Format", how the call was accepted or
 * denied and how it ended in plain English ("The IWTS must record the method in which the call
 * was accepted or denied. Furthermore, the system must record the method in which the call was
 * terminated." — Call Detail Record), the rate row used and the charge.
 * A record is visible the moment it is written ("Call Record Availability").
 */
import { DateTime } from "luxon";
import type { AuthorizeRequest, Decision } from "../domain/authorize.ts";
import { trunkOf } from "../domain/call-types.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { type FacilityScope, newId } from "../domain/scope.ts";
import type { FacilitySnapshot } from "../domain/snapshot.ts";
import { computeCharge } from "../rating/charge.ts";
import type { DomainStore } from "./domain-store.ts";
import type { CallRecordRow } from "./schema.ts";

export type CallStatus = "in-progress" | "completed" | "not-completed";

export interface OpenOptions {
  id?: string;
  recorderChannel?: string | null;
}

function localParts(at: number, zone: string): { localDate: string; localTime: string } {
  const d = DateTime.fromMillis(at, { zone });
  return { localDate: d.toISODate() as string, localTime: d.toFormat("HH:mm:ss") };
}

/**
 * Writes the record for a decided call. An allowed call is "in-progress" until closeCall();
 * a denied one is closed at once as not completed, with the denial in words.
 */
export async function openCallRecord(
  ds: DomainStore,
  s: FacilitySnapshot,
  req: AuthorizeRequest,
  decision: Decision,
  opts: OpenOptions = {},
): Promise<CallRecordRow> {
  const station = s.stations.get(req.stationId);
  const inmateId = decision.allowed ? decision.inmateId : (decision.inmateId ?? null);
  const inmate = inmateId ? s.inmates.get(inmateId) : undefined;
  const callType = decision.allowed ? decision.callType : (decision.callType ?? null);
  const base = {
    id: opts.id ?? newId(),
    facilityId: s.facility.id,
    facilityName: s.facility.name,
    timeZone: s.facility.timeZone,
    stationId: req.stationId,
    stationSetNumber: station?.setNumber ?? null,
    stationLocation: station?.location ?? "",
    phoneBankId: station?.phoneBankId ?? null,
    housingUnitId: inmate?.housingUnitId ?? station?.housingUnitId ?? null,
    inmateId: inmateId ?? null,
    inmateName: inmate?.name ?? "",
    dialledDigits: req.dialled,
    destination: decision.allowed ? decision.destination : (decision.destination ?? null),
    callType,
    trunk: callType ? trunkOf(callType) : null,
    startedAt: req.at,
    ...localParts(req.at, s.facility.timeZone),
    language: inmate?.language ?? "en",
  };
  let row: CallRecordRow;
  if (decision.allowed) {
    row = {
      ...base,
      status: "in-progress",
      destinationPlace: decision.place,
      answeredAt: null,
      acceptedAt: null,
      endedAt: null,
      durationSec: 0,
      decision: `Allowed: ${decision.explanation.join("; ")}; limit ${decision.maxDurationSec} s`,
      denialRule: null,
      notCompletedReason: null,
      acceptance: null,
      ending: null,
      privileged: decision.privileged ? 1 : 0,
      recorded: decision.recording === "record" ? 1 : 0,
      alert: decision.hotNumber ? 1 : 0,
      alertType: decision.hotNumber ? `hot number ${decision.destination}: ${decision.hotNumber.reason}` : null,
      recorderChannel: opts.recorderChannel ?? null,
      recordingFile: null,
      recordingHash: null,
      recordingSignature: null,
      rateId: decision.rate.rateId,
      ratePerMinuteMills: decision.rate.perMinuteMills,
      rateEffectiveFrom: decision.rate.effectiveFrom,
      billingIncrementSec: decision.rate.billingIncrementSec,
      billedUnits: null,
      chargeCents: null,
      chargeExplanation: null,
      billingNameAddress: null,
    };
  } else {
    row = {
      ...base,
      status: "not-completed",
      destinationPlace: "",
      answeredAt: null,
      acceptedAt: null,
      endedAt: req.at,
      durationSec: 0,
      decision: `Denied: ${decision.reason.en}${decision.detail ? ` (${decision.detail})` : ""}`,
      denialRule: decision.rule,
      notCompletedReason: decision.reason.en,
      acceptance: null,
      ending: "Not connected: refused before dialling out.",
      privileged: 0,
      recorded: 0,
      alert: 0,
      alertType: null,
      recorderChannel: null,
      recordingFile: null,
      recordingHash: null,
      recordingSignature: null,
      rateId: null,
      ratePerMinuteMills: null,
      rateEffectiveFrom: null,
      billingIncrementSec: null,
      billedUnits: 0,
      chargeCents: 0,
      chargeExplanation: "Not connected: no charge.",
      billingNameAddress: null,
    };
  }
  await ds.db.insertInto("callRecords").values(row).execute();
  return row;
}

async function inProgress(ds: DomainStore, id: string): Promise<CallRecordRow> {
  const r = await ds.db.selectFrom("callRecords").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r) throw notFound("call record");
  if (r.status !== "in-progress") throw new DomainError("conflict", `call ${id} is already closed`);
  return r;
}

export async function markAnswered(ds: DomainStore, id: string, at: number): Promise<void> {
  await inProgress(ds, id);
  await ds.db.updateTable("callRecords").set({ answeredAt: at }).where("id", "=", id).execute();
}

/**
 * The called party accepted; billing starts now. `how` in words, e.g. "Accepted by the called
 * party pressing 1 (RFC 4733 telephone-event)" or "Passive acceptance (hotline)".
 */
export async function markAccepted(
  ds: DomainStore,
  id: string,
  at: number,
  how: string,
  billingNameAddress?: string,
): Promise<void> {
  await inProgress(ds, id);
  await ds.db
    .updateTable("callRecords")
    .set({ acceptedAt: at, acceptance: how, ...(billingNameAddress ? { billingNameAddress } : {}) })
    .where("id", "=", id)
    .execute();
}

export interface CloseInput {
  at: number;
  /** How the call ended, in words: "The inmate hung up.", "Cut off at the 15-minute limit." */
  ending: string;
  /** For a call never accepted: why it was not completed ("The called party declined the call."). */
  notCompletedReason?: string;
  /** What the acceptance prompt got instead of an acceptance (when not accepted). */
  acceptance?: string;
}

/** Closes an in-progress call: duration from acceptance, charge from its rate row. */
export async function closeCallRecord(ds: DomainStore, id: string, input: CloseInput): Promise<CallRecordRow> {
  const r = await inProgress(ds, id);
  let patch: Partial<CallRecordRow>;
  if (r.acceptedAt !== null) {
    const durationSec = Math.max(0, Math.round((input.at - r.acceptedAt) / 1000));
    let billedUnits = 0;
    let chargeCents = 0;
    let chargeExplanation = "Free call: no charge.";
    if (r.rateId && r.ratePerMinuteMills !== null && r.billingIncrementSec !== null) {
      const c = computeCharge(durationSec, {
        rateId: r.rateId,
        perMinuteMills: r.ratePerMinuteMills,
        billingIncrementSec: r.billingIncrementSec,
        effectiveFrom: r.rateEffectiveFrom ?? "",
      });
      billedUnits = c.billedUnits;
      chargeCents = c.amountCents;
      chargeExplanation = c.explanation;
    }
    patch = {
      status: "completed",
      endedAt: input.at,
      durationSec,
      ending: input.ending,
      billedUnits,
      chargeCents,
      chargeExplanation,
    };
  } else {
    patch = {
      status: "not-completed",
      endedAt: input.at,
      durationSec: 0,
      ending: input.ending,
      notCompletedReason: input.notCompletedReason ?? input.ending,
      acceptance: input.acceptance ?? r.acceptance ?? "Not accepted.",
      billedUnits: 0,
      chargeCents: 0,
      chargeExplanation: "Not accepted: no charge (billing starts only at acceptance).",
    };
  }
  await ds.db.updateTable("callRecords").set(patch).where("id", "=", id).execute();
  return { ...r, ...patch };
}

/** Filled by the recording module when the file is sealed. */
export async function attachRecording(
  ds: DomainStore,
  id: string,
  rec: { file: string; hash: string; signature: string; channel?: string },
): Promise<void> {
  const r = await ds.db.selectFrom("callRecords").select(["privileged"]).where("id", "=", id).executeTakeFirst();
  if (!r) throw notFound("call record");
  if (r.privileged) throw new DomainError("invalid", "privileged calls are never recorded");
  await ds.db
    .updateTable("callRecords")
    .set({
      recordingFile: rec.file,
      recordingHash: rec.hash,
      recordingSignature: rec.signature,
      ...(rec.channel ? { recorderChannel: rec.channel } : {}),
    })
    .where("id", "=", id)
    .execute();
}

export const INTERRUPTED_ENDING =
  "The controller stopped while this call was in progress; the record was closed when it started again. The real end time is unknown, so the call is not charged.";

/**
 * Run at start-up: closes every call left "in-progress" by a crash. The true end is unknown,
 * so the duration is counted as 0 and nothing is charged (the family is not billed for a
 * guess). Returns the ids closed.
 */
export async function recoverInterruptedCalls(ds: DomainStore, at: number): Promise<string[]> {
  const open = await ds.db
    .selectFrom("callRecords")
    .select(["id", "acceptedAt"])
    .where("status", "=", "in-progress")
    .execute();
  for (const r of open) {
    await ds.db
      .updateTable("callRecords")
      .set({
        status: r.acceptedAt !== null ? "completed" : "not-completed",
        endedAt: at,
        durationSec: 0,
        ending: INTERRUPTED_ENDING,
        notCompletedReason: r.acceptedAt !== null ? null : INTERRUPTED_ENDING,
        billedUnits: 0,
        chargeCents: 0,
        chargeExplanation: "Interrupted by a controller restart: no charge.",
      })
      .where("id", "=", r.id)
      .where("status", "=", "in-progress")
      .execute();
  }
  return open.map((r) => r.id);
}

export interface CallRecordFilter {
  facilityId?: string;
  inmateId?: string;
  stationId?: string;
  destination?: string;
  status?: CallStatus;
  callType?: string;
  alertOnly?: boolean;
  from?: number;
  to?: number;
  /** Privileged calls are hidden from ordinary searches; only callers allowed to see them set this. */
  includePrivileged?: boolean;
  /** Keyset paging: records started before this (startedAt, id). */
  before?: { startedAt: number; id: string };
  limit?: number;
}

/** Newest first ("all call records shall reflect the most current record first"). */
export async function queryCallRecords(
  ds: DomainStore,
  scope: FacilityScope,
  f: CallRecordFilter = {},
): Promise<CallRecordRow[]> {
  const ids = f.facilityId ? [...scope].filter((x) => x === f.facilityId) : [...scope];
  if (ids.length === 0) return [];
  let q = ds.db.selectFrom("callRecords").selectAll().where("facilityId", "in", ids);
  if (f.inmateId) q = q.where("inmateId", "=", f.inmateId);
  if (f.stationId) q = q.where("stationId", "=", f.stationId);
  if (f.destination) q = q.where("destination", "=", f.destination);
  if (f.status) q = q.where("status", "=", f.status);
  if (f.callType) q = q.where("callType", "=", f.callType);
  if (f.alertOnly) q = q.where("alert", "=", 1);
  if (f.from !== undefined) q = q.where("startedAt", ">=", f.from);
  if (f.to !== undefined) q = q.where("startedAt", "<", f.to);
  if (!f.includePrivileged) q = q.where("privileged", "=", 0);
  if (f.before) {
    const b = f.before;
    q = q.where((eb) =>
      eb.or([eb("startedAt", "<", b.startedAt), eb.and([eb("startedAt", "=", b.startedAt), eb("id", "<", b.id)])]),
    );
  }
  return q
    .orderBy("startedAt", "desc")
    .orderBy("id", "desc")
    .limit(Math.min(f.limit ?? 100, 10_000))
    .execute();
}

export async function getCallRecord(ds: DomainStore, scope: FacilityScope, id: string): Promise<CallRecordRow> {
  const r = await ds.db.selectFrom("callRecords").selectAll().where("id", "=", id).executeTakeFirst();
  if (!r || !scope.has(r.facilityId)) throw notFound("call record");
  return r;
}
