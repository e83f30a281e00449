/**
 * The alert service: takes events from anywhere in the controller, decides who must hear about
 * them, and gets the message there.
 *
 * - `raise()` never throws and never waits: call processing hands an event over and goes on
 *   (STYLE: an observer's failure never touches a call). All work happens on an internal queue.
 * - Every message is written to the outbox (the store) before any attempt, so an alert raised
 *   while a channel is down, or just before a restart, still goes out when the channel returns.
 * - Escalation: each route is a chain of steps; a step not acknowledged within its timeout pages
 *   the next one. Acknowledging (UI or the link in a message) stops the chain.
 * - Repeats of an open condition within the group window are counted, not paged again.
 *
 * Spec (IWTS functional requirements, "System-wide hot number capability"): "The IWTS shall
 * provide the capability for the system to alert staff in real-time via a paging signal
 * generated upon receipt of a 'Hot Number' or other time sensitive event."
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Clock, TimerHandle } from "../../telephony/clock.ts";
import type { AlertRecord, AlertRepository, DeliveryRecord, DeliveryLogRecord } from "./alert-store.ts";
import type { AlertChannel } from "./channels/channel.ts";
import { DeliveryError } from "./channels/channel.ts";
import type { AlertConfig, ChannelKind, EscalationStep, Recipient } from "./config.ts";
import { type AlertDescription, type AlertEvent, describeAlert } from "./events.ts";
import { compose } from "./message.ts";
import { recipientsFor, routeFor } from "./routing.ts";
import { ThresholdCounter } from "./thresholds.ts";

/** What the live UI hears. `alert` is the alert as stored after the change. */
export type AlertNotice =
  | { kind: "raised"; alert: AlertRecord }
  | { kind: "repeated"; alert: AlertRecord }
  | { kind: "escalated"; alert: AlertRecord; step: number; recipients: string[] }
  | { kind: "acknowledged"; alert: AlertRecord }
  | { kind: "resolved"; alert: AlertRecord }
  | { kind: "delivery"; alertId: string; log: DeliveryLogRecord };

export type AlertListener = (notice: AlertNotice) => void;

export interface AlertServiceOptions {
  clock: Clock;
  store: AlertRepository;
  channels: Partial<Record<ChannelKind, AlertChannel>>;
  config: AlertConfig;
  /** Base of the links in messages, e.g. "https://phones.facility.example"; no trailing slash needed. */
  publicBaseUrl: string;
  /** Where internal failures are reported (a store write failing, a listener throwing). */
  onError?: (where: string, err: unknown) => void;
}

export interface AckResult {
  alertId: string;
  /** False when it was already acknowledged or resolved. */
  acknowledged: boolean;
}

/**
 * Attempts on the wire at once per channel. A mail relay or paging gateway serves a handful of
 * connections from one client comfortably; more only gets us throttled.
 */
const maxInFlightPerChannel = 8;

/** Bytes of randomness in an acknowledgement token: 256 bits, unguessable. */
const tokenBytes = 32;

let idSeq = 0;

/**
 * Delivery IDs sort in the order they were queued (time, then a counter), so messages queued
 * together go out in the order the service created them; the random tail keeps them unique
 * across processes.
 */
function sortableId(atMs: number): string {
  idSeq = (idSeq + 1) % 1_000_000;
  return `${atMs.toString(36).padStart(9, "0")}-${idSeq.toString().padStart(6, "0")}-${randomBytes(6).toString("hex")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export class AlertService {
  private readonly clock: Clock;
  private readonly store: AlertRepository;
  private readonly channels: Partial<Record<ChannelKind, AlertChannel>>;
  private config: AlertConfig;
  private readonly baseUrl: string;
  private readonly onError: (where: string, err: unknown) => void;

  private started = false;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  /** Attempts on the wire, by delivery ID. */
  private readonly attempts = new Map<string, { channel: ChannelKind; done: Promise<void> }>();
  private dispatchQueued = false;
  /** Conditions paged directly while the store was failing, and when (in-memory grouping). */
  private readonly directlyPaged = new Map<string, number>();
  private dispatchTimer: TimerHandle | undefined;
  private dispatchAt: number | undefined;
  private readonly escalations = new Map<string, TimerHandle>();
  private readonly listeners = new Set<AlertListener>();
  private readonly thresholds = new ThresholdCounter();

  constructor(opts: AlertServiceOptions) {
    this.clock = opts.clock;
    this.store = opts.store;
    this.channels = opts.channels;
    this.config = opts.config;
    this.baseUrl = opts.publicBaseUrl.replace(/\/+$/, "");
    this.onError = opts.onError ?? (() => {});
  }

  currentConfig(): AlertConfig {
    return this.config;
  }

  /** Replaces the routing configuration; applies from the next decision on. */
  updateConfig(config: AlertConfig): void {
    this.config = config;
    this.thresholds.prune(config.thresholds);
  }

  /** Reloads open escalations and the outbox, then starts delivering. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.enqueue("start", async () => {
      for (const a of await this.store.openAlerts()) this.scheduleEscalation(a);
    });
    this.kick();
    await this.queue;
  }

  /**
   * Stops: removes every timer and listener and waits for attempts already on the wire. Pending
   * messages stay in the outbox for the next start.
   */
  async stop(): Promise<void> {
    this.started = false;
    this.clock.clearTimeout(this.dispatchTimer);
    this.dispatchTimer = undefined;
    this.dispatchAt = undefined;
    for (const h of this.escalations.values()) this.clock.clearTimeout(h);
    this.escalations.clear();
    this.listeners.clear();
    await this.idle();
  }

  /** Resolves when the queue is empty and no attempt is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      await this.queue;
      if (this.attempts.size === 0 && this.queued === 0) return;
      await Promise.allSettled([...this.attempts.values()].map((a) => a.done));
    }
  }

  subscribe(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  /**
   * Hands an event over. Never throws, never blocks: the caller is usually in the middle of a
   * call. The work happens on the service's queue.
   */
  raise(event: AlertEvent): void {
    try {
      const d = describeAlert(event);
      const at = this.clock.now();
      this.enqueue(`raise ${d.type}`, () =>
        this.handleEvent(event, d, at).catch((err: unknown) => this.storeDown(event, d, at, err)),
      );
      this.count(event.type, event.facilityId, at);
    } catch (err) {
      this.onError("raise", err);
    }
  }

  /**
   * Counts an occurrence of something that is not itself an alert (a blocked call, a denied
   * PIN) toward the threshold rules. Never throws.
   */
  observe(metric: string, facilityId: string): void {
    try {
      this.count(metric, facilityId, this.clock.now());
    } catch (err) {
      this.onError("observe", err);
    }
  }

  /** Acknowledges from the UI; stops escalation. */
  acknowledge(alertId: string, by: string): Promise<AckResult | undefined> {
    return this.run("acknowledge", () => this.handleAck(alertId, by));
  }

  /** Acknowledges from the link in a message. Undefined when the token matches nothing. */
  acknowledgeByToken(token: string): Promise<AckResult | undefined> {
    return this.run("acknowledge by link", async () => {
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
      const d = await this.store.deliveryByTokenHash(hashToken(token));
      if (!d) return undefined;
      return this.handleAck(d.alertId, `${d.recipientName} (link in ${d.channel} message)`);
    });
  }

  getAlert(id: string): Promise<AlertRecord | undefined> {
    return this.store.getAlert(id);
  }

  recentAlerts(limit = 100): Promise<AlertRecord[]> {
    return this.store.recentAlerts(limit);
  }

  deliveryLog(filter?: { alertId?: string; limit?: number }): Promise<DeliveryLogRecord[]> {
    return this.store.deliveryLog(filter);
  }

  deliveriesOf(alertId: string): Promise<DeliveryRecord[]> {
    return this.store.deliveriesOf(alertId);
  }

  // ---- the queue ---------------------------------------------------------------------------

  private enqueue(where: string, fn: () => Promise<void>): void {
    void this.run(where, fn);
  }

  /** Runs `fn` after everything queued before it; failures are reported, never thrown. */
  private run<T>(where: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.queued++;
    const p = this.queue.then(fn).then(
      (v) => {
        this.queued--;
        return v;
      },
      (err: unknown) => {
        this.queued--;
        this.onError(where, err);
        return undefined;
      },
    );
    this.queue = p.then(() => undefined);
    return p;
  }

  private emit(n: AlertNotice): void {
    for (const l of [...this.listeners]) {
      try {
        l(n);
      } catch (err) {
        this.onError("listener", err);
      }
    }
  }

  private count(metric: string, facilityId: string, at: number): void {
    for (const c of this.thresholds.observe(this.config.thresholds, metric, facilityId, at)) {
      this.raise({
        type: "threshold-crossed",
        facilityId: c.facilityId,
        ruleId: c.rule.id,
        metric: c.rule.metric,
        count: c.count,
        limit: c.rule.limit,
        windowMs: c.rule.windowMs,
      });
    }
  }

  // ---- alerts ------------------------------------------------------------------------------

  private async handleEvent(event: AlertEvent, d: AlertDescription, at: number): Promise<void> {
    if (d.phase === "clear") return this.handleClear(event, d, at);

    const [existing] = await this.store.unresolvedByCondition(d.conditionKey);
    if (existing && at - existing.lastAt <= this.config.groupWindowMs) {
      const occurrences = existing.occurrences + 1;
      await this.store.updateAlert(existing.id, { occurrences, lastAt: at });
      this.emit({ kind: "repeated", alert: { ...existing, occurrences, lastAt: at } });
      return;
    }

    const route = routeFor(this.config, event.facilityId, d);
    const steps: EscalationStep[] = route?.steps ?? [];
    const alert: AlertRecord = {
      id: randomUUID(),
      facilityId: event.facilityId,
      type: d.type,
      category: d.category,
      severity: d.severity,
      conditionKey: d.conditionKey,
      title: d.title,
      text: d.text,
      event: JSON.stringify(event),
      listenUrl: d.listenPath ? `${this.baseUrl}${d.listenPath}` : null,
      state: "open",
      occurrences: 1,
      firstAt: at,
      lastAt: at,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
      steps: JSON.stringify(steps),
      escalationStep: -1,
      stepStartedAt: null,
    };
    await this.store.insertAlert(alert);
    this.emit({ kind: "raised", alert });
    if (steps.length > 0) await this.startStep(alert, 0, at);
  }

  /**
   * The store failed while taking an alert (the database itself may be what is down). Nothing
   * can be queued on disk, so page the first step directly, once, without an acknowledgement
   * link, grouping repeats in memory; and still show it live. The failure is reported.
   */
  private async storeDown(event: AlertEvent, d: AlertDescription, at: number, err: unknown): Promise<void> {
    this.onError("store (alert paged directly, not recorded)", err);
    if (d.phase !== "raise") return;
    for (const [k, t] of this.directlyPaged) if (at - t > this.config.groupWindowMs) this.directlyPaged.delete(k);
    if (this.directlyPaged.has(d.conditionKey)) return;
    this.directlyPaged.set(d.conditionKey, at);
    const id = `unrecorded-${randomUUID()}`;
    const listenUrl = d.listenPath ? `${this.baseUrl}${d.listenPath}` : null;
    this.emit({
      kind: "raised",
      alert: {
        id,
        facilityId: event.facilityId,
        type: d.type,
        category: d.category,
        severity: d.severity,
        conditionKey: d.conditionKey,
        title: d.title,
        text: d.text,
        event: JSON.stringify(event),
        listenUrl,
        state: "open",
        occurrences: 1,
        firstAt: at,
        lastAt: at,
        acknowledgedAt: null,
        acknowledgedBy: null,
        resolvedAt: null,
        steps: "[]",
        escalationStep: -1,
        stepStartedAt: null,
      },
    });
    const step = routeFor(this.config, event.facilityId, d)?.steps[0];
    if (!step) return;
    const msg = compose({
      kind: "alert",
      severity: d.severity,
      title: d.title,
      text: `${d.text} (Not recorded: the alert store is unavailable; acknowledge by phone.)`,
      facilityId: event.facilityId,
      alertId: id,
      atMs: at,
      listenUrl,
    });
    for (const r of recipientsFor(this.config, step, at)) {
      for (const c of r.contacts) {
        const channel = this.channels[c.channel];
        if (!channel) continue;
        const key = `${id}|${r.id}|${c.channel}|${c.address}`;
        const done = Promise.resolve()
          .then(() => channel.send({ to: c.address, subject: msg.subject, text: msg.body, short: msg.short }))
          .catch((e: unknown) => this.onError(`direct ${c.channel} to ${c.address}`, e))
          .then(() => {
            this.attempts.delete(key);
          });
        this.attempts.set(key, { channel: c.channel, done });
      }
    }
  }

  /** A recovery closes every unresolved alert of its condition and tells whoever was told. */
  private async handleClear(_event: AlertEvent, d: AlertDescription, at: number): Promise<void> {
    const open = await this.store.unresolvedByCondition(d.conditionKey);
    for (const a of open) {
      this.clearEscalation(a.id);
      await this.store.updateAlert(a.id, { state: "resolved", resolvedAt: at });
      const resolved: AlertRecord = { ...a, state: "resolved", resolvedAt: at };

      const told = new Map<string, DeliveryRecord>();
      for (const del of await this.store.deliveriesOf(a.id)) {
        if (del.kind !== "alert" || del.status === "cancelled") continue;
        told.set(`${del.recipientId}|${del.channel}|${del.address}`, del);
      }
      const msg = compose({
        kind: "recovery",
        severity: d.severity,
        title: d.title,
        text: d.text,
        facilityId: a.facilityId,
        alertId: a.id,
        atMs: at,
      });
      const recoveries: DeliveryRecord[] = [...told.values()].map((del) => ({
        ...this.newDelivery(a.id, "recovery", del.step, at),
        recipientId: del.recipientId,
        recipientName: del.recipientName,
        channel: del.channel,
        address: del.address,
        subject: msg.subject,
        body: msg.body,
        shortText: msg.short,
        ackTokenHash: null,
      }));
      await this.store.insertDeliveries(recoveries);
      this.emit({ kind: "resolved", alert: resolved });
    }
    this.kick();
  }

  /** Pages one escalation step: one outbox message per contact of each recipient. */
  private async startStep(alert: AlertRecord, index: number, at: number): Promise<void> {
    const steps = JSON.parse(alert.steps) as EscalationStep[];
    let i = index;
    let recipients: Recipient[] = [];
    // A step that resolves to nobody (an empty rotation) passes straight to the next one.
    for (; i < steps.length; i++) {
      recipients = recipientsFor(this.config, steps[i] as EscalationStep, at);
      if (recipients.length > 0) break;
    }
    if (i >= steps.length) {
      this.onError("escalation", new Error(`alert ${alert.id}: no recipient left to page from step ${index}`));
      return;
    }

    const deliveries: DeliveryRecord[] = [];
    for (const r of recipients) {
      for (const c of r.contacts) {
        const token = randomBytes(tokenBytes).toString("base64url");
        const msg = compose({
          kind: "alert",
          severity: alert.severity,
          title: alert.title,
          text: alert.text,
          facilityId: alert.facilityId,
          alertId: alert.id,
          atMs: alert.firstAt,
          listenUrl: alert.listenUrl,
          ackUrl: `${this.baseUrl}/alerts/ack/${token}`,
          occurrences: alert.occurrences,
        });
        deliveries.push({
          ...this.newDelivery(alert.id, "alert", i, at),
          recipientId: r.id,
          recipientName: r.name,
          channel: c.channel,
          address: c.address,
          subject: msg.subject,
          body: msg.body,
          shortText: msg.short,
          ackTokenHash: hashToken(token),
        });
      }
    }
    await this.store.insertDeliveries(deliveries);
    await this.store.updateAlert(alert.id, { escalationStep: i, stepStartedAt: at });
    const updated = { ...alert, escalationStep: i, stepStartedAt: at };
    if (i > 0) this.emit({ kind: "escalated", alert: updated, step: i, recipients: recipients.map((r) => r.name) });
    this.scheduleEscalation(updated);
    this.kick();
  }

  private newDelivery(
    alertId: string,
    kind: "alert" | "recovery",
    step: number,
    at: number,
  ): Omit<
    DeliveryRecord,
    "recipientId" | "recipientName" | "channel" | "address" | "subject" | "body" | "shortText" | "ackTokenHash"
  > {
    return {
      id: sortableId(at),
      alertId,
      kind,
      step,
      status: "pending",
      attempts: 0,
      createdAt: at,
      nextAttemptAt: at,
      sentAt: null,
      lastError: null,
    };
  }

  /** Arms the timer that pages the next step if this one does not acknowledge in time. */
  private scheduleEscalation(a: AlertRecord): void {
    if (!this.started || a.state !== "open" || a.stepStartedAt === null) return;
    const steps = JSON.parse(a.steps) as EscalationStep[];
    const step = steps[a.escalationStep];
    if (!step || a.escalationStep + 1 >= steps.length) return;
    this.clearEscalation(a.id);
    const due = a.stepStartedAt + step.ackTimeoutMs;
    const handle = this.clock.setTimeout(
      () => {
        this.escalations.delete(a.id);
        this.enqueue("escalate", () => this.escalate(a.id));
      },
      Math.max(0, due - this.clock.now()),
    );
    this.escalations.set(a.id, handle);
  }

  private clearEscalation(alertId: string): void {
    const h = this.escalations.get(alertId);
    if (h) this.clock.clearTimeout(h);
    this.escalations.delete(alertId);
  }

  private async escalate(alertId: string): Promise<void> {
    const a = await this.store.getAlert(alertId);
    if (a?.state !== "open") return;
    await this.startStep(a, a.escalationStep + 1, this.clock.now());
  }

  private async handleAck(alertId: string, by: string): Promise<AckResult | undefined> {
    const a = await this.store.getAlert(alertId);
    if (!a) return undefined;
    if (a.state !== "open") return { alertId, acknowledged: false };
    const at = this.clock.now();
    this.clearEscalation(alertId);
    await this.store.updateAlert(alertId, { state: "acknowledged", acknowledgedAt: at, acknowledgedBy: by });
    // Someone has it: pages not yet out would only wake people for nothing.
    await this.store.cancelPending(alertId, "alert");
    this.emit({ kind: "acknowledged", alert: { ...a, state: "acknowledged", acknowledgedAt: at, acknowledgedBy: by } });
    return { alertId, acknowledged: true };
  }

  // ---- delivery ----------------------------------------------------------------------------

  /**
   * Looks at the outbox soon (on the queue, so it sees everything written before). Kicks that
   * arrive while a look is already queued share it.
   */
  private kick(): void {
    if (!this.started || this.dispatchQueued) return;
    this.dispatchQueued = true;
    this.enqueue("dispatch", () => {
      this.dispatchQueued = false;
      return this.dispatch();
    });
  }

  /**
   * Starts every due message that has nothing earlier waiting for the same alert and address
   * (so a recovery never overtakes its alert), at most `maxInFlightPerChannel` per channel (so
   * a hanging gateway ties up only its own channel), then arms one timer for the next retry.
   */
  private async dispatch(): Promise<void> {
    if (!this.started) return;
    const now = this.clock.now();
    const perChannel = new Map<ChannelKind, number>();
    for (const a of this.attempts.values()) perChannel.set(a.channel, (perChannel.get(a.channel) ?? 0) + 1);
    const blocked = new Set<string>();
    let next: number | undefined;
    for (const d of await this.store.pendingDeliveries()) {
      const key = `${d.alertId}|${d.channel}|${d.address}`;
      if (blocked.has(key)) continue;
      blocked.add(key);
      if (this.attempts.has(d.id)) continue;
      if (d.nextAttemptAt > now) {
        if (next === undefined || d.nextAttemptAt < next) next = d.nextAttemptAt;
        continue;
      }
      // A full channel is looked at again when one of its attempts finishes (that kicks).
      const busy = perChannel.get(d.channel) ?? 0;
      if (busy >= maxInFlightPerChannel) continue;
      perChannel.set(d.channel, busy + 1);
      this.attempt(d);
    }
    this.armDispatch(next);
  }

  private armDispatch(at: number | undefined): void {
    if (at === undefined || !this.started) return;
    if (this.dispatchTimer && this.dispatchAt !== undefined && this.dispatchAt <= at) return;
    this.clock.clearTimeout(this.dispatchTimer);
    this.dispatchAt = at;
    this.dispatchTimer = this.clock.setTimeout(
      () => {
        this.dispatchTimer = undefined;
        this.dispatchAt = undefined;
        this.kick();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  /** One attempt on the wire, outside the queue so a slow gateway holds up nothing else. */
  private attempt(d: DeliveryRecord): void {
    const startedAt = this.clock.now();
    const channel = this.channels[d.channel];
    const send = new Promise<void>((resolve) => {
      if (!channel) throw new DeliveryError(`no ${d.channel} channel configured`, { permanent: true });
      resolve(channel.send({ to: d.address, subject: d.subject, text: d.body, short: d.shortText }));
    });
    const done = send
      .then(
        () => this.run("record attempt", () => this.recordAttempt(d, startedAt, undefined)),
        (err: unknown) => this.run("record attempt", () => this.recordAttempt(d, startedAt, err)),
      )
      .then(() => {
        this.attempts.delete(d.id);
        this.kick();
      });
    this.attempts.set(d.id, { channel: d.channel, done });
  }

  /**
   * Logs an attempt and decides what is next: sent; retried after an exponential back-off
   * (base × 2^(attempts−1), capped); or given up (permanent error, or too old).
   */
  private async recordAttempt(d: DeliveryRecord, startedAt: number, err: unknown): Promise<void> {
    const now = this.clock.now();
    const attempt = d.attempts + 1;
    const { baseMs, maxMs, giveUpAfterMs } = this.config.retry;
    let result: DeliveryLogRecord["result"];
    let error: string | null = null;
    if (err === undefined) {
      result = "sent";
      await this.store.updateDelivery(d.id, { status: "sent", attempts: attempt, sentAt: now, lastError: null });
    } else {
      error = err instanceof Error ? err.message : String(err);
      const permanent = err instanceof DeliveryError && err.permanent;
      const nextAt = now + Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      if (permanent || nextAt - d.createdAt > giveUpAfterMs) {
        result = "failed";
        await this.store.updateDelivery(d.id, { status: "failed", attempts: attempt, lastError: error });
      } else {
        result = "retry";
        await this.store.updateDelivery(d.id, { attempts: attempt, nextAttemptAt: nextAt, lastError: error });
      }
    }
    const log: DeliveryLogRecord = {
      id: sortableId(now),
      deliveryId: d.id,
      alertId: d.alertId,
      at: startedAt,
      attempt,
      channel: d.channel,
      recipientId: d.recipientId,
      address: d.address,
      result,
      error,
      durationMs: Math.max(0, now - startedAt),
    };
    await this.store.appendLog(log);
    this.emit({ kind: "delivery", alertId: d.alertId, log });
  }
}
