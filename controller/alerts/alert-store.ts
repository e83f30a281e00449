/**
 * The alerts' tables (migration 0200-alerts) behind a small repository, so the service depends
 * on these few operations rather than on Kysely, and the same code runs on SQLite and PostgreSQL.
 */
import type { Kysely, Selectable } from "kysely";
import type { Store } from "../store/database.ts";
import type { ChannelKind } from "./config.ts";
import type { AlertCategory, AlertType, Severity } from "./events.ts";

export type AlertState = "open" | "acknowledged" | "resolved";
export type DeliveryKind = "alert" | "recovery";
export type DeliveryStatus = "pending" | "sent" | "failed" | "cancelled";
export type AttemptResult = "sent" | "retry" | "failed";

/** bigint columns come back as numbers from SQLite and as strings from PostgreSQL. */
type Millis = number | string;

/** A type alias, not an interface: Kysely's `withTables` wants an index-compatible record. */
export type AlertTables = {
  alerts: {
    id: string;
    facility_id: string;
    type: string;
    category: string;
    severity: string;
    condition_key: string;
    title: string;
    text: string;
    event: string;
    listen_url: string | null;
    state: string;
    occurrences: number;
    first_at: Millis;
    last_at: Millis;
    acknowledged_at: Millis | null;
    acknowledged_by: string | null;
    resolved_at: Millis | null;
    steps: string;
    escalation_step: number;
    step_started_at: Millis | null;
  };
  alert_deliveries: {
    id: string;
    alert_id: string;
    kind: string;
    step: number;
    recipient_id: string;
    recipient_name: string;
    channel: string;
    address: string;
    subject: string;
    body: string;
    short_text: string;
    ack_token_hash: string | null;
    status: string;
    attempts: number;
    created_at: Millis;
    next_attempt_at: Millis;
    sent_at: Millis | null;
    last_error: string | null;
  };
  alert_delivery_log: {
    id: string;
    delivery_id: string;
    alert_id: string;
    at: Millis;
    attempt: number;
    channel: string;
    recipient_id: string;
    address: string;
    result: string;
    error: string | null;
    duration_ms: number;
  };
};

export interface AlertRecord {
  id: string;
  facilityId: string;
  type: AlertType;
  category: AlertCategory;
  severity: Severity;
  conditionKey: string;
  title: string;
  text: string;
  /** The event as raised, JSON. */
  event: string;
  listenUrl: string | null;
  state: AlertState;
  occurrences: number;
  firstAt: number;
  lastAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  /** The escalation chain as routed when the alert opened, JSON (a later config edit does not rewrite it). */
  steps: string;
  /** Index of the step last paged; -1 when no route matched. */
  escalationStep: number;
  stepStartedAt: number | null;
}

export interface DeliveryRecord {
  id: string;
  alertId: string;
  kind: DeliveryKind;
  step: number;
  recipientId: string;
  recipientName: string;
  channel: ChannelKind;
  address: string;
  subject: string;
  body: string;
  shortText: string;
  ackTokenHash: string | null;
  status: DeliveryStatus;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  sentAt: number | null;
  lastError: string | null;
}

export interface DeliveryLogRecord {
  id: string;
  deliveryId: string;
  alertId: string;
  at: number;
  attempt: number;
  channel: ChannelKind;
  recipientId: string;
  address: string;
  result: AttemptResult;
  error: string | null;
  durationMs: number;
}

/** What the alert service needs from storage. Tests may pass a fake. */
export interface AlertRepository {
  insertAlert(a: AlertRecord): Promise<void>;
  updateAlert(id: string, patch: Partial<Omit<AlertRecord, "id">>): Promise<void>;
  getAlert(id: string): Promise<AlertRecord | undefined>;
  /** Alerts of this condition not yet resolved, newest first. */
  unresolvedByCondition(conditionKey: string): Promise<AlertRecord[]>;
  /** Alerts still waiting for someone to acknowledge them. */
  openAlerts(): Promise<AlertRecord[]>;
  recentAlerts(limit: number): Promise<AlertRecord[]>;
  insertDeliveries(ds: DeliveryRecord[]): Promise<void>;
  updateDelivery(id: string, patch: Partial<Omit<DeliveryRecord, "id">>): Promise<void>;
  /** Every pending delivery, in the order it should go out. */
  pendingDeliveries(): Promise<DeliveryRecord[]>;
  deliveriesOf(alertId: string): Promise<DeliveryRecord[]>;
  deliveryByTokenHash(hash: string): Promise<DeliveryRecord | undefined>;
  /** Marks the alert's pending deliveries of this kind cancelled; returns how many. */
  cancelPending(alertId: string, kind: DeliveryKind): Promise<number>;
  appendLog(l: DeliveryLogRecord): Promise<void>;
  deliveryLog(filter?: { alertId?: string; limit?: number }): Promise<DeliveryLogRecord[]>;
}

const n = (v: Millis): number => Number(v);
const nn = (v: Millis | null): number | null => (v === null ? null : Number(v));

function toAlert(r: Selectable<AlertTables["alerts"]>): AlertRecord {
  return {
    id: r.id,
    facilityId: r.facility_id,
    type: r.type as AlertType,
    category: r.category as AlertCategory,
    severity: r.severity as Severity,
    conditionKey: r.condition_key,
    title: r.title,
    text: r.text,
    event: r.event,
    listenUrl: r.listen_url,
    state: r.state as AlertState,
    occurrences: r.occurrences,
    firstAt: n(r.first_at),
    lastAt: n(r.last_at),
    acknowledgedAt: nn(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: nn(r.resolved_at),
    steps: r.steps,
    escalationStep: r.escalation_step,
    stepStartedAt: nn(r.step_started_at),
  };
}

function alertPatch(p: Partial<Omit<AlertRecord, "id">>): Partial<AlertTables["alerts"]> {
  const out: Partial<AlertTables["alerts"]> = {};
  if (p.state !== undefined) out.state = p.state;
  if (p.occurrences !== undefined) out.occurrences = p.occurrences;
  if (p.lastAt !== undefined) out.last_at = p.lastAt;
  if (p.acknowledgedAt !== undefined) out.acknowledged_at = p.acknowledgedAt;
  if (p.acknowledgedBy !== undefined) out.acknowledged_by = p.acknowledgedBy;
  if (p.resolvedAt !== undefined) out.resolved_at = p.resolvedAt;
  if (p.escalationStep !== undefined) out.escalation_step = p.escalationStep;
  if (p.stepStartedAt !== undefined) out.step_started_at = p.stepStartedAt;
  if (p.severity !== undefined) out.severity = p.severity;
  if (p.text !== undefined) out.text = p.text;
  return out;
}

function toDelivery(r: Selectable<AlertTables["alert_deliveries"]>): DeliveryRecord {
  return {
    id: r.id,
    alertId: r.alert_id,
    kind: r.kind as DeliveryKind,
    step: r.step,
    recipientId: r.recipient_id,
    recipientName: r.recipient_name,
    channel: r.channel as ChannelKind,
    address: r.address,
    subject: r.subject,
    body: r.body,
    shortText: r.short_text,
    ackTokenHash: r.ack_token_hash,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    createdAt: n(r.created_at),
    nextAttemptAt: n(r.next_attempt_at),
    sentAt: nn(r.sent_at),
    lastError: r.last_error,
  };
}

function deliveryPatch(p: Partial<Omit<DeliveryRecord, "id">>): Partial<AlertTables["alert_deliveries"]> {
  const out: Partial<AlertTables["alert_deliveries"]> = {};
  if (p.status !== undefined) out.status = p.status;
  if (p.attempts !== undefined) out.attempts = p.attempts;
  if (p.nextAttemptAt !== undefined) out.next_attempt_at = p.nextAttemptAt;
  if (p.sentAt !== undefined) out.sent_at = p.sentAt;
  if (p.lastError !== undefined) out.last_error = p.lastError;
  return out;
}

/** The repository over a Kysely store that has run migration 0200-alerts. */
export class AlertStore implements AlertRepository {
  private readonly db: Kysely<AlertTables>;

  constructor(db: Kysely<AlertTables>) {
    this.db = db;
  }

  static from<DB>(store: Store<DB>): AlertStore {
    return new AlertStore(store.db.withTables<AlertTables>() as unknown as Kysely<AlertTables>);
  }

  async insertAlert(a: AlertRecord): Promise<void> {
    await this.db
      .insertInto("alerts")
      .values({
        id: a.id,
        facility_id: a.facilityId,
        type: a.type,
        category: a.category,
        severity: a.severity,
        condition_key: a.conditionKey,
        title: a.title,
        text: a.text,
        event: a.event,
        listen_url: a.listenUrl,
        state: a.state,
        occurrences: a.occurrences,
        first_at: a.firstAt,
        last_at: a.lastAt,
        acknowledged_at: a.acknowledgedAt,
        acknowledged_by: a.acknowledgedBy,
        resolved_at: a.resolvedAt,
        steps: a.steps,
        escalation_step: a.escalationStep,
        step_started_at: a.stepStartedAt,
      })
      .execute();
  }

  async updateAlert(id: string, patch: Partial<Omit<AlertRecord, "id">>): Promise<void> {
    const set = alertPatch(patch);
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable("alerts").set(set).where("id", "=", id).execute();
  }

  async getAlert(id: string): Promise<AlertRecord | undefined> {
    const r = await this.db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
    return r ? toAlert(r) : undefined;
  }

  async unresolvedByCondition(conditionKey: string): Promise<AlertRecord[]> {
    const rows = await this.db
      .selectFrom("alerts")
      .selectAll()
      .where("condition_key", "=", conditionKey)
      .where("state", "!=", "resolved")
      .orderBy("last_at", "desc")
      .execute();
    return rows.map(toAlert);
  }

  async openAlerts(): Promise<AlertRecord[]> {
    const rows = await this.db.selectFrom("alerts").selectAll().where("state", "=", "open").execute();
    return rows.map(toAlert);
  }

  async recentAlerts(limit: number): Promise<AlertRecord[]> {
    const rows = await this.db.selectFrom("alerts").selectAll().orderBy("last_at", "desc").limit(limit).execute();
    return rows.map(toAlert);
  }

  async insertDeliveries(ds: DeliveryRecord[]): Promise<void> {
    if (ds.length === 0) return;
    await this.db
      .insertInto("alert_deliveries")
      .values(
        ds.map((d) => ({
          id: d.id,
          alert_id: d.alertId,
          kind: d.kind,
          step: d.step,
          recipient_id: d.recipientId,
          recipient_name: d.recipientName,
          channel: d.channel,
          address: d.address,
          subject: d.subject,
          body: d.body,
          short_text: d.shortText,
          ack_token_hash: d.ackTokenHash,
          status: d.status,
          attempts: d.attempts,
          created_at: d.createdAt,
          next_attempt_at: d.nextAttemptAt,
          sent_at: d.sentAt,
          last_error: d.lastError,
        })),
      )
      .execute();
  }

  async updateDelivery(id: string, patch: Partial<Omit<DeliveryRecord, "id">>): Promise<void> {
    const set = deliveryPatch(patch);
    if (Object.keys(set).length === 0) return;
    await this.db.updateTable("alert_deliveries").set(set).where("id", "=", id).execute();
  }

  async pendingDeliveries(): Promise<DeliveryRecord[]> {
    const rows = await this.db
      .selectFrom("alert_deliveries")
      .selectAll()
      .where("status", "=", "pending")
      .orderBy("created_at")
      .orderBy("kind")
      .orderBy("id")
      .execute();
    return rows.map(toDelivery);
  }

  async deliveriesOf(alertId: string): Promise<DeliveryRecord[]> {
    const rows = await this.db
      .selectFrom("alert_deliveries")
      .selectAll()
      .where("alert_id", "=", alertId)
      .orderBy("created_at")
      .orderBy("kind")
      .orderBy("id")
      .execute();
    return rows.map(toDelivery);
  }

  async deliveryByTokenHash(hash: string): Promise<DeliveryRecord | undefined> {
    const r = await this.db
      .selectFrom("alert_deliveries")
      .selectAll()
      .where("ack_token_hash", "=", hash)
      .executeTakeFirst();
    return r ? toDelivery(r) : undefined;
  }

  async cancelPending(alertId: string, kind: DeliveryKind): Promise<number> {
    const res = await this.db
      .updateTable("alert_deliveries")
      .set({ status: "cancelled" })
      .where("alert_id", "=", alertId)
      .where("kind", "=", kind)
      .where("status", "=", "pending")
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async appendLog(l: DeliveryLogRecord): Promise<void> {
    await this.db
      .insertInto("alert_delivery_log")
      .values({
        id: l.id,
        delivery_id: l.deliveryId,
        alert_id: l.alertId,
        at: l.at,
        attempt: l.attempt,
        channel: l.channel,
        recipient_id: l.recipientId,
        address: l.address,
        result: l.result,
        error: l.error,
        duration_ms: l.durationMs,
      })
      .execute();
  }

  async deliveryLog(filter: { alertId?: string; limit?: number } = {}): Promise<DeliveryLogRecord[]> {
    let q = this.db.selectFrom("alert_delivery_log").selectAll();
    if (filter.alertId) q = q.where("alert_id", "=", filter.alertId);
    const rows = await q
      .orderBy("at")
      .orderBy("id")
      .limit(filter.limit ?? 1000)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      deliveryId: r.delivery_id,
      alertId: r.alert_id,
      at: n(r.at),
      attempt: r.attempt,
      channel: r.channel as ChannelKind,
      recipientId: r.recipient_id,
      address: r.address,
      result: r.result as AttemptResult,
      error: r.error,
      durationMs: r.duration_ms,
    }));
  }
}
