/**
 * Live monitoring of a call in progress (spec "Monitoring Requirements"): an officer asks the
 * controller to call one of the monitoring stations an administrator set up for the call's
 * facility (monitor-station-routes.ts) and attach it to the call, silently, with a periodic beep both parties hear, or barging in; the mode can be
 * changed and the monitor stopped. Several monitors may be on one call.
 *
 * Authorization, checked here on the server: `action.monitor` for any monitor, and
 * `action.barge` as well to barge in (start in, or change to, barge mode); the call must be in
 * one of the caller's facilities (another facility's call reads as not found, like the other
 * live-call routes). Privileged calls are refused. Every start, mode change and stop (and every
 * refusal) is written to the audit trail, and so is every end nobody asked for (station hung
 * up, call ended), under the officer who started the monitor. A start or mode change is
 * written before it takes effect: if the trail cannot be written, nobody listens unrecorded.
 */
import { randomUUID } from "node:crypto";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import { canSeeFacility, type Principal } from "../../access/principal.ts";
import type { LiveCall, MonitorEnded } from "../../calls/events.ts";
import type { MonitorMode, MonitorView } from "../../calls/monitor.ts";
import { MonitorError, type MonitorRequest } from "../../calls/monitor-stations.ts";
import { notFound } from "../../domain/errors.ts";
import { audit, type DomainContext } from "../domain-context.ts";
import { ApiError, conflict, ErrorCodes, forbidden } from "../errors.ts";
import { principalOf } from "../plugins/auth.ts";
import { errorResponses, IdParams } from "../schemas/common.ts";
import { ChangeMonitorBody, MonitorParams, MonitorViewSchema, StartMonitorBody } from "../schemas/monitor.ts";

/** What the monitor routes need from the monitoring stations (controller/calls/monitor-stations.ts). */
export interface LiveMonitorControl {
  /** Refuses (MonitorError) a station that may not be used for the call; returns its name. */
  check(callId: string, stationId: string): { station: { name: string } };
  start(req: MonitorRequest): MonitorView;
  setMode(callId: string, monitorId: string, mode: MonitorMode): MonitorView;
  stop(callId: string, monitorId: string, by?: string): MonitorView;
  list(callId: string): MonitorView[];
}

export interface MonitorRouteDeps {
  calls: { live(filter?: (c: LiveCall) => boolean): LiveCall[] };
  monitors: LiveMonitorControl;
  /** Announces monitors that ended without a request (station hung up, call ended). */
  events: { on(event: "monitor.ended", listener: (e: MonitorEnded) => void): () => void };
}

const tags = ["live calls"];

/** The call, if the caller may see it; otherwise "not found" (ids of other facilities are not probed). */
export function visibleLiveCall(calls: MonitorRouteDeps["calls"], p: Principal, callId: string): LiveCall {
  const call = calls.live((c) => c.callId === callId)[0];
  if (!call || !canSeeFacility(p, call.facilityId)) throw notFound("call in progress");
  return call;
}

/** The HTTP answer to a refusal from the monitoring stations. */
function apiErrorOf(err: unknown): unknown {
  if (!(err instanceof MonitorError)) return err;
  switch (err.kind) {
    case "no-call":
      return notFound("call in progress");
    case "no-monitor":
      return notFound("monitor");
    case "not-monitorable":
      return new ApiError(403, ErrorCodes.callNotMonitorable, "Privileged calls are never monitored.");
    case "not-connected":
      return conflict("The call can be monitored once the called party has accepted it.");
    case "unknown-station":
      return notFound("monitoring station");
    case "station-not-allowed":
      return new ApiError(422, ErrorCodes.stationUnavailable, `${capitalized(err.message)}.`);
    case "station-unregistered":
      return new ApiError(
        422,
        ErrorCodes.stationUnavailable,
        `${capitalized(err.message)}: the station's phone must be on and registered with the controller.`,
      );
  }
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export async function monitorRoutes(app: FastifyInstance, ctx: DomainContext & { monitor: MonitorRouteDeps }) {
  const { calls, monitors, events } = ctx.monitor;

  /** Barge-in needs its own permission besides `action.monitor`; a refusal is audited. */
  const mayUse = async (request: FastifyRequest, call: LiveCall, mode: MonitorMode) => {
    const p = principalOf(request);
    if (mode === "barge" && !p.permissions.has(P.actionBarge)) {
      await ctx.access.audit.record({
        actorId: p.userId,
        actorName: p.username,
        action: "access.denied",
        entity: "call",
        entityId: call.callId,
        facilityId: call.facilityId,
        outcome: "denied",
        after: { method: request.method, needed: [P.actionBarge], mode },
        ip: request.ip,
      });
      throw forbidden("Your access level does not allow barging in.");
    }
  };

  app.get<{ Params: IdParams }>(
    "/live-calls/:id/monitors",
    {
      config: { access: { permission: [P.actionMonitor, P.menuLiveCalls] } },
      schema: {
        tags,
        summary: "Monitors of a call in progress",
        params: IdParams,
        response: { 200: Type.Array(MonitorViewSchema), ...errorResponses },
      },
    },
    async (request) => {
      const call = visibleLiveCall(calls, principalOf(request), request.params.id);
      return monitors.list(call.callId);
    },
  );

  app.post<{ Params: IdParams; Body: StartMonitorBody }>(
    "/live-calls/:id/monitors",
    {
      config: { access: { permission: P.actionMonitor } },
      schema: {
        tags,
        summary: "Monitor a call: the controller calls the station and attaches it when it answers",
        params: IdParams,
        body: StartMonitorBody,
        response: { 202: Type.Object({ monitor: MonitorViewSchema }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      const call = visibleLiveCall(calls, p, request.params.id);
      const { mode, stationId } = request.body;
      await mayUse(request, call, mode);
      const refused = async (err: unknown, station: string | null) => {
        const refusal = err instanceof MonitorError ? err.kind : "error";
        await audit(ctx, request, "call.monitor-start", "call", call.callId, call.facilityId, null, {
          mode,
          stationId,
          station,
          refused: refusal,
        });
        return apiErrorOf(err);
      };
      let station: string;
      try {
        station = monitors.check(call.callId, stationId).station.name;
      } catch (err) {
        throw await refused(err, null);
      }
      // Written before the station is called: a monitor nobody could audit never starts.
      const monitorId = randomUUID();
      await audit(ctx, request, "call.monitor-start", "call", call.callId, call.facilityId, null, {
        monitorId,
        mode,
        stationId,
        station,
        numberCalled: call.numberCalled ?? null,
      });
      let monitor: MonitorView;
      try {
        monitor = monitors.start({
          callId: call.callId,
          mode,
          stationId,
          monitorId,
          by: { userId: p.userId, username: p.username },
        });
      } catch (err) {
        // The call ended or the station went away while the start was being written.
        throw await refused(err, station);
      }
      return reply.code(202).send({ monitor });
    },
  );

  app.patch<{ Params: MonitorParams; Body: ChangeMonitorBody }>(
    "/live-calls/:id/monitors/:monitorId",
    {
      config: { access: { permission: P.actionMonitor } },
      schema: {
        tags,
        summary: "Change a monitor's mode (silent, beep, barge)",
        params: MonitorParams,
        body: ChangeMonitorBody,
        response: { 200: Type.Object({ monitor: MonitorViewSchema }), ...errorResponses },
      },
    },
    async (request) => {
      const call = visibleLiveCall(calls, principalOf(request), request.params.id);
      const { mode } = request.body;
      await mayUse(request, call, mode);
      const before = monitors.list(call.callId).find((m) => m.monitorId === request.params.monitorId);
      if (!before) throw notFound("monitor");
      // Written before the change (barging in above all) takes effect.
      await audit(
        ctx,
        request,
        "call.monitor-mode",
        "call",
        call.callId,
        call.facilityId,
        { monitorId: before.monitorId, mode: before.mode },
        { monitorId: before.monitorId, mode, station: before.station },
      );
      try {
        return { monitor: monitors.setMode(call.callId, request.params.monitorId, mode) };
      } catch (err) {
        throw apiErrorOf(err);
      }
    },
  );

  app.delete<{ Params: MonitorParams }>(
    "/live-calls/:id/monitors/:monitorId",
    {
      config: { access: { permission: P.actionMonitor } },
      schema: {
        tags,
        summary: "Stop a monitor (the station is hung up)",
        params: MonitorParams,
        response: { 200: Type.Object({ monitor: MonitorViewSchema }), ...errorResponses },
      },
    },
    async (request) => {
      const call = visibleLiveCall(calls, principalOf(request), request.params.id);
      let monitor: MonitorView;
      try {
        monitor = monitors.stop(call.callId, request.params.monitorId, principalOf(request).username);
      } catch (err) {
        throw apiErrorOf(err);
      }
      await audit(
        ctx,
        request,
        "call.monitor-stop",
        "call",
        call.callId,
        call.facilityId,
        { monitorId: monitor.monitorId, mode: monitor.mode, station: monitor.station },
        null,
      );
      return { monitor };
    },
  );

  // Ends nobody asked for through the API, under the officer who started the monitor.
  const off = events.on("monitor.ended", (e) => {
    if (e.cause === "stopped") return;
    void ctx.access.audit
      .record({
        actorId: e.startedById,
        actorName: e.monitor.startedBy,
        action: "call.monitor-end",
        entity: "call",
        entityId: e.callId,
        facilityId: e.facilityId || null,
        outcome: e.cause === "call-ended" || e.cause === "station-hung-up" ? "success" : "failure",
        before: { monitorId: e.monitor.monitorId, mode: e.monitor.mode, station: e.monitor.station },
        after: { cause: e.cause, reason: e.reason },
        ip: null,
      })
      .catch((err) => app.log.error({ err }, "audit of a monitor's end failed"));
  });
  app.addHook("onClose", async () => off());
}
