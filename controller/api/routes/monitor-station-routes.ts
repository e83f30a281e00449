/**
 * Monitoring stations' administration: the officers' SIP phones that live monitoring may call
 * (controller/calls/monitor-station-directory.ts). A station's credential opens live inmate
 * audio, so stations are administered like user accounts, not like phone banks: changed with
 * `admin.users` (Facility Administrators, the Central Office), listed by them and by anyone
 * who may monitor (to pick one), within the caller's facilities; every change is audited with
 * its before and after (never a password).
 *
 * A station's password is made by the controller and returned once, when the station is created
 * and when its credential is reset; the old one stops working at once.
 */

import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import {
  DirectoryError,
  type MonitorStation,
  type MonitorStationDirectory,
} from "../../calls/monitor-station-directory.ts";
import { notFound } from "../../domain/errors.ts";
import type { FacilityScope } from "../../domain/scope.ts";
import { audit, type DomainContext, requestScope } from "../domain-context.ts";
import { conflict, facilityForbidden } from "../errors.ts";
import { principalOf } from "../plugins/auth.ts";
import { errorResponses, IdParams } from "../schemas/common.ts";
import {
  CreateMonitorStationBody,
  MonitorStationCredential,
  MonitorStationSchema,
  type MonitorStationView,
  UpdateMonitorStationBody,
} from "../schemas/monitor.ts";

/** What the routes need: the directory, and whether a station is registered now (if known). */
export interface MonitorStationAdmin {
  directory: Pick<MonitorStationDirectory, "list" | "get" | "create" | "update" | "resetCredential" | "realm">;
  registered?: (account: string) => boolean;
}

const tags = ["monitoring stations"];

export async function monitorStationRoutes(
  app: FastifyInstance,
  ctx: DomainContext & { stations: MonitorStationAdmin },
): Promise<void> {
  const { directory, registered } = ctx.stations;
  const view = (s: MonitorStation): MonitorStationView => ({
    ...s,
    ...(registered ? { registered: registered(s.account) } : {}),
  });

  /** The station, if the caller may change it: every facility it serves is theirs. */
  const ownStation = async (
    request: FastifyRequest,
    id: string,
  ): Promise<{ st: MonitorStation; scope: FacilityScope }> => {
    const scope = await requestScope(ctx, request);
    const st = directory.get(id);
    // A station outside every facility of the caller reads as missing, like other records.
    if (!st?.facilityIds.some((f) => scope.has(f))) throw notFound("monitoring station");
    const other = st.facilityIds.find((f) => !scope.has(f));
    if (other) throw facilityForbidden(other);
    return { st, scope };
  };
  const checkFacilities = (scope: FacilityScope, ids: string[]) => {
    for (const f of ids) if (!scope.has(f)) throw facilityForbidden(f);
  };
  const refusal = (err: unknown): unknown => {
    if (!(err instanceof DirectoryError)) return err;
    if (err.kind === "no-station") return notFound("monitoring station");
    return conflict(`${err.message}.`);
  };
  const by = (request: FastifyRequest) => principalOf(request).username;

  app.get<{ Querystring: { facilityId?: string } }>(
    "/monitor-stations",
    {
      config: { access: { permission: [P.adminUsers, P.actionMonitor] } },
      schema: {
        tags,
        summary: "Monitoring stations serving the caller's facilities (or one of them)",
        querystring: Type.Object({ facilityId: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.Array(MonitorStationSchema), ...errorResponses },
      },
    },
    async (request) => {
      const scope = await requestScope(ctx, request);
      const { facilityId } = request.query;
      return directory
        .list(scope)
        .filter((s) => !facilityId || s.facilityIds.includes(facilityId))
        .map(view);
    },
  );

  app.post<{ Body: CreateMonitorStationBody }>(
    "/monitor-stations",
    {
      config: { access: { permission: P.adminUsers } },
      schema: {
        tags,
        summary: "Set up a monitoring station; its password is returned this once",
        body: CreateMonitorStationBody,
        response: { 201: MonitorStationCredential, ...errorResponses },
      },
    },
    async (request, reply) => {
      const scope = await requestScope(ctx, request);
      checkFacilities(scope, request.body.facilityIds);
      let made: { station: MonitorStation; password: string };
      try {
        made = await directory.create(
          {
            name: request.body.name.trim(),
            facilityIds: request.body.facilityIds,
            ...(request.body.account ? { account: request.body.account } : {}),
          },
          by(request),
        );
      } catch (err) {
        throw refusal(err);
      }
      const st = made.station;
      await audit(ctx, request, "monitor-station.create", "monitor-station", st.id, st.facilityIds[0] ?? null, null, {
        ...st,
      });
      return reply.code(201).send({ station: view(st), password: made.password, realm: directory.realm });
    },
  );

  app.patch<{ Params: IdParams; Body: UpdateMonitorStationBody }>(
    "/monitor-stations/:id",
    {
      config: { access: { permission: P.adminUsers } },
      schema: {
        tags,
        summary: "Rename a monitoring station, change its facilities, or switch it on or off",
        params: IdParams,
        body: UpdateMonitorStationBody,
        response: { 200: MonitorStationSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { scope } = await ownStation(request, request.params.id);
      const b = request.body;
      if (b.facilityIds) checkFacilities(scope, b.facilityIds);
      let change: { before: MonitorStation; after: MonitorStation };
      try {
        change = await directory.update(
          request.params.id,
          {
            ...(b.name !== undefined ? { name: b.name.trim() } : {}),
            ...(b.facilityIds ? { facilityIds: b.facilityIds } : {}),
            ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
          },
          by(request),
        );
      } catch (err) {
        throw refusal(err);
      }
      const { before, after } = change;
      const action =
        before.enabled !== after.enabled
          ? `monitor-station.${after.enabled ? "enable" : "disable"}`
          : "monitor-station.update";
      await audit(ctx, request, action, "monitor-station", after.id, after.facilityIds[0] ?? null, before, after);
      return view(after);
    },
  );

  app.post<{ Params: IdParams }>(
    "/monitor-stations/:id/credential",
    {
      config: { access: { permission: P.adminUsers } },
      schema: {
        tags,
        summary: "Reset a monitoring station's password: the new one is returned this once, the old one stops working",
        params: IdParams,
        response: { 200: MonitorStationCredential, ...errorResponses },
      },
    },
    async (request) => {
      const { st: before } = await ownStation(request, request.params.id);
      let made: { station: MonitorStation; password: string };
      try {
        made = await directory.resetCredential(before.id, by(request));
      } catch (err) {
        throw refusal(err);
      }
      await audit(
        ctx,
        request,
        "monitor-station.credential-reset",
        "monitor-station",
        before.id,
        before.facilityIds[0] ?? null,
        { credentialSetAt: before.credentialSetAt },
        { credentialSetAt: made.station.credentialSetAt },
      );
      return { station: view(made.station), password: made.password, realm: directory.realm };
    },
  );
}
