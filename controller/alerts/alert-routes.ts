/**
 * HTTP for alerts, as two fastify plugins the API registers:
 *
 * - `alertApiRoutes` (under /api, behind sign-on): the list of recent alerts, one alert's
 *   deliveries and delivery log, acknowledging from the UI, and `/alerts/live`, a WebSocket that
 *   pushes every change as it happens (the UI plays its sound on "raised").
 * - `alertLinkRoutes` (at the root, public: the token is the credential): the acknowledgement
 *   link in messages. GET only shows a page with a button; the POST it sends acknowledges, so a
 *   mail scanner that fetches every link in a message cannot acknowledge an alert by itself.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuditInput } from "../access/audit.ts";
import type { Permission } from "../access/permissions.ts";
import { canSeeFacility, type Principal } from "../access/principal.ts";
import { ApiError, badRequest, ErrorCodes, unauthenticated } from "../api/errors.ts";
import type { Clock } from "../../telephony/clock.ts";
import type { AckResult, AlertNotice } from "./alert-service.ts";
import type { AlertRecord, DeliveryLogRecord, DeliveryRecord } from "./alert-store.ts";
import type { AlertConfig } from "./config.ts";
import {
  type AlertConfigDocument,
  AlertConfigSchema,
  type AlertConfigStore,
  checkAlertConfig,
} from "./config-schema.ts";

/** The part of the alert service the routes use. */
export interface AlertApi {
  recentAlerts(limit?: number): Promise<AlertRecord[]>;
  getAlert(id: string): Promise<AlertRecord | undefined>;
  deliveriesOf(alertId: string): Promise<DeliveryRecord[]>;
  deliveryLog(filter?: { alertId?: string; limit?: number }): Promise<DeliveryLogRecord[]>;
  acknowledge(alertId: string, by: string): Promise<AckResult | undefined>;
  acknowledgeByToken(token: string): Promise<AckResult | undefined>;
  subscribe(listener: (n: AlertNotice) => void): () => void;
  currentConfig(): AlertConfig;
  updateConfig(config: AlertConfig): void;
}

export interface AlertRouteOptions {
  alerts: AlertApi;
  /** Who may see alerts and who may acknowledge them (any one of each list). */
  viewPermissions: readonly Permission[];
  ackPermissions: readonly Permission[];
  /** The audit trail (access.audit): acknowledgements and configuration changes are recorded. */
  audit?: { record(input: AuditInput): Promise<unknown> };
  /** Editing recipients, rotations, routes and thresholds; absent = no config routes. */
  configuration?: { store: AlertConfigStore; permissions: readonly Permission[]; clock: Pick<Clock, "now"> };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const NullableTime = Type.Union([Type.String({ format: "date-time" }), Type.Null()]);

export const AlertView = Type.Object({
  id: Type.String(),
  facilityId: Type.String(),
  type: Type.String(),
  category: Type.String(),
  severity: Type.String(),
  title: Type.String(),
  text: Type.String(),
  listenUrl: Type.Union([Type.String(), Type.Null()]),
  state: Type.Union([Type.Literal("open"), Type.Literal("acknowledged"), Type.Literal("resolved")]),
  occurrences: Type.Integer(),
  firstAt: Type.String({ format: "date-time" }),
  lastAt: Type.String({ format: "date-time" }),
  acknowledgedAt: NullableTime,
  acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: NullableTime,
  escalationStep: Type.Integer(),
});
export type AlertView = Static<typeof AlertView>;

export const DeliveryView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  step: Type.Integer(),
  recipientName: Type.String(),
  channel: Type.String(),
  address: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  createdAt: Type.String({ format: "date-time" }),
  sentAt: NullableTime,
  lastError: Type.Union([Type.String(), Type.Null()]),
});

export const AttemptView = Type.Object({
  deliveryId: Type.String(),
  at: Type.String({ format: "date-time" }),
  attempt: Type.Integer(),
  channel: Type.String(),
  address: Type.String(),
  result: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Integer(),
});

export function alertView(a: AlertRecord): AlertView {
  return {
    id: a.id,
    facilityId: a.facilityId,
    type: a.type,
    category: a.category,
    severity: a.severity,
    title: a.title,
    text: a.text,
    listenUrl: a.listenUrl,
    state: a.state,
    occurrences: a.occurrences,
    firstAt: new Date(a.firstAt).toISOString(),
    lastAt: new Date(a.lastAt).toISOString(),
    acknowledgedAt: iso(a.acknowledgedAt),
    acknowledgedBy: a.acknowledgedBy,
    resolvedAt: iso(a.resolvedAt),
    escalationStep: a.escalationStep,
  };
}

/** What the live feed sends: one JSON object per change. */
export type LiveMessage =
  | { kind: "raised" | "repeated" | "acknowledged" | "resolved"; alert: AlertView }
  | { kind: "escalated"; alert: AlertView; step: number; recipients: string[] }
  | { kind: "delivery"; alertId: string; channel: string; address: string; result: string; error: string | null };

function principal(request: FastifyRequest): Principal {
  const p = (request as FastifyRequest & { principal?: Principal | null }).principal;
  if (!p) throw unauthenticated();
  return p;
}

/** An alert outside the caller's facilities answers exactly like one that does not exist. */
const notFound = () => new ApiError(404, ErrorCodes.notFound, "Alert not found.");

export async function alertApiRoutes(app: FastifyInstance, opts: AlertRouteOptions): Promise<void> {
  const { alerts } = opts;
  const view = { access: { permission: opts.viewPermissions } };
  const ack = { access: { permission: opts.ackPermissions } };

  app.get<{ Querystring: { limit?: number } }>(
    "/alerts",
    {
      config: view,
      schema: {
        tags: ["alerts"],
        summary: "Recent alerts in the caller's facilities, newest first",
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: Type.Array(AlertView) },
      },
    },
    async (request) => {
      const p = principal(request);
      const list = await alerts.recentAlerts(request.query.limit ?? 100);
      return list.filter((a) => canSeeFacility(p, a.facilityId)).map(alertView);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/alerts/:id/deliveries",
    {
      config: view,
      schema: {
        tags: ["alerts"],
        summary: "Who was sent what for one alert, and every attempt",
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({ deliveries: Type.Array(DeliveryView), attempts: Type.Array(AttemptView) }) },
      },
    },
    async (request) => {
      const a = await alerts.getAlert(request.params.id);
      if (!a || !canSeeFacility(principal(request), a.facilityId)) throw notFound();
      const deliveries = await alerts.deliveriesOf(a.id);
      const attempts = await alerts.deliveryLog({ alertId: a.id });
      return {
        deliveries: deliveries.map((d) => ({
          id: d.id,
          kind: d.kind,
          step: d.step,
          recipientName: d.recipientName,
          channel: d.channel,
          address: d.address,
          status: d.status,
          attempts: d.attempts,
          createdAt: new Date(d.createdAt).toISOString(),
          sentAt: iso(d.sentAt),
          lastError: d.lastError,
        })),
        attempts: attempts.map((l) => ({
          deliveryId: l.deliveryId,
          at: new Date(l.at).toISOString(),
          attempt: l.attempt,
          channel: l.channel,
          address: l.address,
          result: l.result,
          error: l.error,
          durationMs: l.durationMs,
        })),
      };
    },
  );

  app.post<{ Params: { id: string } }>(
    "/alerts/:id/ack",
    {
      config: ack,
      schema: {
        tags: ["alerts"],
        summary: "Acknowledge an alert (stops its escalation)",
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({ acknowledged: Type.Boolean(), alert: AlertView }) },
      },
    },
    async (request) => {
      const p = principal(request);
      const a = await alerts.getAlert(request.params.id);
      if (!a || !canSeeFacility(p, a.facilityId)) throw notFound();
      const res = await alerts.acknowledge(a.id, p.displayName);
      const after = (await alerts.getAlert(a.id)) ?? a;
      await opts.audit?.record({
        actorId: p.userId,
        actorName: p.username,
        action: "alert.acknowledge",
        entity: "alert",
        entityId: a.id,
        facilityId: a.facilityId,
        before: { state: a.state },
        after: { state: after.state, acknowledgedBy: after.acknowledgedBy, byThisRequest: res?.acknowledged ?? false },
        ip: request.ip,
      });
      return { acknowledged: res?.acknowledged ?? false, alert: alertView(after) };
    },
  );

  const configuration = opts.configuration;
  if (configuration) {
    const ConfigView = Type.Object({
      config: AlertConfigSchema,
      updatedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
      updatedBy: Type.Union([Type.String(), Type.Null()]),
    });
    const access = { access: { permission: configuration.permissions } };
    app.get(
      "/alerts/config",
      {
        config: access,
        schema: {
          tags: ["alerts"],
          summary: "Who gets which alert: recipients, rotations, routes, thresholds",
          response: { 200: ConfigView },
        },
      },
      async () => {
        const saved = await configuration.store.load();
        return saved
          ? { config: saved.config, updatedAt: iso(saved.updatedAt), updatedBy: saved.updatedBy }
          : { config: alerts.currentConfig(), updatedAt: null, updatedBy: null };
      },
    );
    app.put<{ Body: AlertConfigDocument }>(
      "/alerts/config",
      {
        config: access,
        schema: {
          tags: ["alerts"],
          summary: "Replace the alert configuration (applies to the next alert)",
          body: AlertConfigSchema,
          response: { 200: ConfigView },
        },
      },
      async (request) => {
        const problems = checkAlertConfig(request.body);
        if (problems.length > 0) throw badRequest("The alert configuration has problems.", problems);
        const p = principal(request);
        const at = configuration.clock.now();
        const before = (await configuration.store.load())?.config ?? alerts.currentConfig();
        await configuration.store.save(request.body, p.displayName, at);
        alerts.updateConfig(request.body);
        await opts.audit?.record({
          actorId: p.userId,
          actorName: p.username,
          action: "alert.config.update",
          entity: "alert-config",
          entityId: "current",
          before,
          after: request.body,
          ip: request.ip,
        });
        return { config: request.body, updatedAt: iso(at), updatedBy: p.displayName };
      },
    );
  }

  app.get("/alerts/live", { websocket: true, config: view, schema: { hide: true } }, (socket, request) => {
    const p = principal(request);
    const unsubscribe = alerts.subscribe((n) => {
      const msg = liveMessage(n, p);
      if (msg && socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
    });
    socket.on("close", unsubscribe);
    socket.on("error", unsubscribe);
  });
}

function liveMessage(n: AlertNotice, p: Principal): LiveMessage | undefined {
  if (n.kind === "delivery") {
    // Delivery notices carry no facility; only users who see every facility get them live.
    if (!p.facilities.all) return undefined;
    const l = n.log;
    return {
      kind: "delivery",
      alertId: n.alertId,
      channel: l.channel,
      address: l.address,
      result: l.result,
      error: l.error,
    };
  }
  if (!canSeeFacility(p, n.alert.facilityId)) return undefined;
  if (n.kind === "escalated")
    return { kind: "escalated", alert: alertView(n.alert), step: n.step, recipients: n.recipients };
  return { kind: n.kind, alert: alertView(n.alert) };
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
  `<meta name="referrer" content="no-referrer"><title>${title}</title></head><body>${body}</body></html>`;

const esc = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

export async function alertLinkRoutes(app: FastifyInstance, opts: { alerts: AlertApi }): Promise<void> {
  const { alerts } = opts;
  const params = Type.Object({ token: Type.String({ minLength: 20, maxLength: 100, pattern: "^[A-Za-z0-9_-]+$" }) });
  const pub = { access: { public: true } };
  // The confirmation page posts an HTML form; its (empty) body needs no parsing.
  if (!app.hasContentTypeParser("application/x-www-form-urlencoded")) {
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
      done(null, body),
    );
  }

  app.get<{ Params: { token: string } }>(
    "/alerts/ack/:token",
    { config: pub, schema: { hide: true, params } },
    async (request, reply) => {
      reply
        .type("text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header("content-security-policy", "default-src 'none'; form-action 'self'");
      return page(
        "Acknowledge alert",
        `<h1>Acknowledge this alert?</h1><p>Acknowledging stops paging the next person on the escalation list.</p>` +
          `<form method="post" action="${esc(request.params.token)}"><button type="submit">Acknowledge</button></form>`,
      );
    },
  );

  app.post<{ Params: { token: string } }>(
    "/alerts/ack/:token",
    { config: pub, schema: { hide: true, params } },
    async (request, reply) => {
      const res = await alerts.acknowledgeByToken(request.params.token);
      reply.type("text/html; charset=utf-8").header("cache-control", "no-store");
      if (!res) {
        reply.code(404);
        return page("Unknown link", "<h1>This acknowledgement link is not valid.</h1>");
      }
      const a = await alerts.getAlert(res.alertId);
      const what = a ? `<p>${esc(a.title)}</p>` : "";
      return res.acknowledged
        ? page("Acknowledged", `<h1>Acknowledged. Escalation stopped.</h1>${what}`)
        : page(
            "Already handled",
            `<h1>Already ${a?.state === "resolved" ? "resolved" : "acknowledged"}${a?.acknowledgedBy ? ` by ${esc(a.acknowledgedBy)}` : ""}.</h1>${what}`,
          );
    },
  );
}
