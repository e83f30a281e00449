/**
 * Calls in progress and the dashboard. "Display of Calls in Progress": staff with the proper
 * access level see, in real time, the number called, BNA when available, hot-number
 * association, recorder channel, duration, charge, location, type and denial reason; and they
 * can "manually terminate calls from a single or group of inmate/ward telephone(s)".
 *
 * The routes take the narrow part of the call manager and event bus they use, so a controller
 * without the call flow (or a test) passes what it has.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import { canSeeFacility, type Principal } from "../../access/principal.ts";
import type { BankState } from "../../banks/bank-state.ts";
import type { CallEventMap, LiveCall } from "../../calls/events.ts";
import { notFound } from "../../domain/errors.ts";
import { audit, type DomainContext } from "../domain-context.ts";
import { principalOf } from "../plugins/auth.ts";
import { errorResponses, IdParams } from "../schemas/common.ts";
import { TerminateGroupBody } from "../schemas/domain.ts";
import { type LiveMonitorControl, monitorRoutes, visibleLiveCall } from "./monitor-routes.ts";
import { type MonitorStationAdmin, monitorStationRoutes } from "./monitor-station-routes.ts";

/** What the live routes need from the call manager (controller/calls/call-manager.ts). */
export interface LiveCallControl {
  live(filter?: (c: LiveCall) => boolean): LiveCall[];
  terminate(callId: string, by: string): boolean;
  terminateGroup(
    sel: { facilityId?: string; housingUnitId?: string; bankId?: string; stationId?: string },
    by: string,
    why?: string,
  ): number;
}

/** What the live feed needs from the call event bus (controller/calls/events.ts). */
export interface CallEventSource {
  on<K extends keyof CallEventMap>(event: K, listener: (payload: CallEventMap[K]) => void): () => void;
}

/** Phone-bank health (controller/banks/server.ts `all()`). */
export interface BankHealthSource {
  all(): BankState[];
}

export interface LiveDeps {
  calls: LiveCallControl;
  events: CallEventSource;
  banks?: BankHealthSource;
  /** Monitoring stations (controller/calls/monitor-stations.ts); without them, no monitor routes. */
  monitors?: LiveMonitorControl;
  /** The stations administrators set up (controller/calls/monitor-station-directory.ts). */
  stations?: MonitorStationAdmin;
}

/** The live feed's messages, one JSON object per change. */
export type LiveFeedMessage =
  | { type: "snapshot"; calls: LiveCall[] }
  | { type: "call"; call: LiveCall }
  | { type: "ended"; call: LiveCall; ending: string }
  | { type: "denied"; call: LiveCall; reason: string }
  /** A monitor ended: stopped (by `by`), station hung up or did not answer, call ended. */
  | {
      type: "monitor-ended";
      callId: string;
      monitor: LiveCall["monitors"][number];
      cause: string;
      reason: string;
      by?: string;
    };

const viewPerms = [P.menuLiveCalls, P.menuDashboard];

export async function liveRoutes(app: FastifyInstance, ctx: DomainContext & { live: LiveDeps }): Promise<void> {
  const { calls, events, banks, monitors, stations } = ctx.live;
  if (monitors) await monitorRoutes(app, { ...ctx, monitor: { calls, monitors, events } });
  if (stations) await monitorStationRoutes(app, { ...ctx, stations });
  const tags = ["live calls"];
  const visible = (p: Principal) => (c: LiveCall) => canSeeFacility(p, c.facilityId);
  /**
   * Monitoring is covert: who is listening, from where, is shown only to users who may monitor
   * (`action.monitor`); everyone else sees the call with no monitors.
   */
  const shown =
    (p: Principal) =>
    <C extends LiveCall>(c: C): C =>
      p.permissions.has(P.actionMonitor) || c.monitors.length === 0 ? c : { ...c, monitors: [] };

  app.get(
    "/live-calls",
    {
      config: { access: { permission: viewPerms } },
      schema: { tags, summary: "Calls in progress the caller may see", response: errorResponses },
    },
    async (request) => {
      const p = principalOf(request);
      return calls.live(visible(p)).map(shown(p));
    },
  );

  app.post<{ Params: IdParams }>(
    "/live-calls/:id/terminate",
    {
      config: { access: { permission: P.actionTerminate } },
      schema: {
        tags,
        summary: "Terminate one call in progress",
        params: IdParams,
        response: { 200: Type.Object({ terminated: Type.Boolean() }), ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const call = visibleLiveCall(calls, p, request.params.id);
      const terminated = calls.terminate(call.callId, p.username);
      await audit(
        ctx,
        request,
        "call.terminate",
        "call",
        call.callId,
        call.facilityId,
        { phase: call.phase, numberCalled: call.numberCalled ?? null },
        { terminated },
      );
      return { terminated };
    },
  );

  app.post<{ Body: Static<typeof TerminateGroupBody> }>(
    "/live-calls/terminate-group",
    {
      config: { access: { permission: P.actionTerminate } },
      schema: {
        tags,
        summary: "Terminate every call of a facility, housing unit or phone bank",
        body: TerminateGroupBody,
        response: { 200: Type.Object({ terminated: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const b = request.body;
      if (!canSeeFacility(p, b.facilityId)) throw notFound("facility");
      const sel = {
        facilityId: b.facilityId,
        ...(b.housingUnitId ? { housingUnitId: b.housingUnitId } : {}),
        ...(b.phoneBankId ? { bankId: b.phoneBankId } : {}),
      };
      const terminated = calls.terminateGroup(sel, p.username);
      await audit(ctx, request, "call.terminate-group", "call", null, b.facilityId, null, { ...sel, terminated });
      return { terminated };
    },
  );

  app.get(
    "/dashboard",
    {
      config: { access: { permission: viewPerms } },
      schema: {
        tags,
        summary: "Calls in progress, handsets in use per housing unit, phone-bank health",
        response: errorResponses,
      },
    },
    async (request) => {
      const p = principalOf(request);
      const live = calls.live(visible(p)).map(shown(p));
      const perUnit = new Map<string, { facilityId: string; housingUnitId: string; inUse: number }>();
      for (const c of live) {
        const key = `${c.facilityId}/${c.housingUnitId}`;
        const u = perUnit.get(key) ?? { facilityId: c.facilityId, housingUnitId: c.housingUnitId, inUse: 0 };
        u.inUse++;
        perUnit.set(key, u);
      }
      // A board's id is its phone bank's id; a board the domain does not know is shown only to
      // users who reach every facility.
      const bankRows = await ctx.ds.db.selectFrom("phoneBanks").select(["id", "facilityId", "name"]).execute();
      const bankFacility = new Map(bankRows.map((b) => [b.id, b]));
      const bankHealth = (banks?.all() ?? [])
        .filter((s) => {
          const row = bankFacility.get(s.boardId);
          return row ? canSeeFacility(p, row.facilityId) : p.facilities.all;
        })
        .map((s) => ({
          boardId: s.boardId,
          name: bankFacility.get(s.boardId)?.name ?? s.boardId,
          connected: s.connected,
          serviceAvailable: s.serviceAvailable,
          handsets: Object.keys(s.handsets).length,
          offHook: Object.values(s.handsets).filter((h) => h.offHook).length,
          faults: s.faults,
          health: s.health ?? null,
        }));
      return { calls: live, housingUnits: [...perUnit.values()], banks: bankHealth };
    },
  );

  app.get(
    "/live",
    { websocket: true, config: { access: { permission: viewPerms } }, schema: { hide: true } },
    (socket, request) => {
      const p = principalOf(request);
      const see = visible(p);
      const show = shown(p);
      const mayMonitor = p.permissions.has(P.actionMonitor);
      const send = (m: LiveFeedMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(m));
      };
      send({ type: "snapshot", calls: calls.live(see).map(show) });
      const offs = [
        events.on("call.started", (c) => see(c) && send({ type: "call", call: show(c) })),
        events.on("call.updated", (c) => see(c) && send({ type: "call", call: show(c) })),
        events.on("call.ended", (c) => see(c) && send({ type: "ended", call: show(c), ending: c.ending })),
        events.on(
          "call.denied",
          (d) => see(d.call) && send({ type: "denied", call: show(d.call), reason: d.reason.en }),
        ),
        events.on(
          "monitor.ended",
          (e) =>
            mayMonitor &&
            canSeeFacility(p, e.facilityId) &&
            send({
              type: "monitor-ended",
              callId: e.callId,
              monitor: e.monitor,
              cause: e.cause,
              reason: e.reason,
              ...(e.by ? { by: e.by } : {}),
            }),
        ),
      ];
      const stop = () => {
        for (const off of offs.splice(0)) off();
      };
      socket.on("close", stop);
      socket.on("error", stop);
    },
  );
}
