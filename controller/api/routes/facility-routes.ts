/**
 * Facilities, housing units, phone banks and their kill switches, and calling schedules.
 * IWTS "Manual Override": staff can "turn-off the entire system, individual telephones, or
 * groups of telephones"; kill switches are per facility, housing unit, phone bank or station.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import { getSchedule, setSchedule } from "../../domain/classes.ts";
import { notFound } from "../../domain/errors.ts";
import {
  getFacility,
  listFacilities,
  listHousingUnits,
  listPhoneBanks,
  listStations,
  setFacilityEnabled,
  setHousingUnitEnabled,
  setPhoneBankEnabled,
  setStationEnabled,
} from "../../domain/facilities.ts";
import { audit, type DomainContext, requestScope } from "../domain-context.ts";
import { errorResponses, IdParams, Ok } from "../schemas/common.ts";
import { EnabledBody, ScheduleBody, ScheduleParams } from "../schemas/domain.ts";

const anyMenu = [
  P.menuDashboard,
  P.menuInmates,
  P.menuPhoneBanks,
  P.menuCallRecords,
  P.menuRecordings,
  P.menuNumberLists,
  P.menuRates,
  P.menuClassesOfService,
  P.menuLiveCalls,
];

type Switchable = "facility" | "housing-unit" | "phone-bank" | "station";
const tableOf = { "housing-unit": "housingUnits", "phone-bank": "phoneBanks", station: "stations" } as const;

export async function facilityRoutes(app: FastifyInstance, ctx: DomainContext): Promise<void> {
  const tags = ["facilities"];

  app.get(
    "/facilities",
    {
      config: { access: { permission: anyMenu } },
      schema: { tags, summary: "Facilities the caller reaches", response: errorResponses },
    },
    async (request) => listFacilities(ctx.ds, await requestScope(ctx, request)),
  );

  app.get<{ Params: IdParams }>(
    "/facilities/:id/structure",
    {
      config: { access: { permission: anyMenu } },
      schema: {
        tags,
        summary: "Housing units, phone banks and stations of a facility",
        params: IdParams,
        response: errorResponses,
      },
    },
    async (request) => {
      const scope = await requestScope(ctx, request);
      const id = request.params.id;
      const [facility, housingUnits, phoneBanks, stations] = await Promise.all([
        getFacility(ctx.ds, scope, id),
        listHousingUnits(ctx.ds, scope, id),
        listPhoneBanks(ctx.ds, scope, id),
        listStations(ctx.ds, scope, id),
      ]);
      return { facility, housingUnits, phoneBanks, stations };
    },
  );

  const switchRoute = (kind: Switchable, path: string) =>
    app.put<{ Params: IdParams; Body: EnabledBody }>(
      path,
      {
        config: { access: { permission: P.entryPhoneBanks } },
        schema: {
          tags,
          summary: `Kill switch: turn a ${kind} on or off`,
          params: IdParams,
          body: EnabledBody,
          response: { 200: Ok, ...errorResponses },
        },
      },
      async (request) => {
        const scope = await requestScope(ctx, request);
        const id = request.params.id;
        let facilityId = id;
        let before: number | undefined;
        if (kind === "facility") {
          before = (await getFacility(ctx.ds, scope, id)).enabled;
        } else {
          const row = await ctx.ds.db
            .selectFrom(tableOf[kind])
            .select(["facilityId", "enabled"])
            .where("id", "=", id)
            .executeTakeFirst();
          if (!row || !scope.has(row.facilityId)) throw notFound(kind);
          facilityId = row.facilityId;
          before = row.enabled;
        }
        const on = request.body.enabled;
        if (kind === "facility") await setFacilityEnabled(ctx.ds, scope, id, on);
        else if (kind === "housing-unit") await setHousingUnitEnabled(ctx.ds, scope, id, on);
        else if (kind === "phone-bank") await setPhoneBankEnabled(ctx.ds, scope, id, on);
        else await setStationEnabled(ctx.ds, scope, id, on);
        await audit(
          ctx,
          request,
          `${kind}.${on ? "enable" : "disable"}`,
          kind,
          id,
          facilityId,
          { enabled: before === 1 },
          { enabled: on },
        );
        return { ok: true };
      },
    );
  switchRoute("facility", "/facilities/:id/enabled");
  switchRoute("housing-unit", "/housing-units/:id/enabled");
  switchRoute("phone-bank", "/phone-banks/:id/enabled");
  switchRoute("station", "/stations/:id/enabled");

  app.get<{ Params: ScheduleParams }>(
    "/schedules/:kind/:id",
    {
      config: { access: { permission: [P.menuClassesOfService, P.menuPhoneBanks, P.menuInmates] } },
      schema: {
        tags,
        summary: "Calling schedule of a facility, phone bank or inmate",
        params: ScheduleParams,
        response: errorResponses,
      },
    },
    async (request) => getSchedule(ctx.ds, await requestScope(ctx, request), request.params.kind, request.params.id),
  );

  app.put<{ Params: ScheduleParams; Body: ScheduleBody }>(
    "/schedules/:kind/:id",
    {
      config: { access: { permission: [P.entryClassesOfService, P.entryPhoneBanks] } },
      schema: {
        tags,
        summary: "Replace a calling schedule (timed on/off windows; empty: no restriction)",
        params: ScheduleParams,
        body: ScheduleBody,
        response: { 200: Type.Array(Type.Unknown()), ...errorResponses },
      },
    },
    async (request) => {
      const scope = await requestScope(ctx, request);
      const { kind, id } = request.params;
      const before = await getSchedule(ctx.ds, scope, kind, id);
      await setSchedule(ctx.ds, scope, kind, id, request.body);
      const after = await getSchedule(ctx.ds, scope, kind, id);
      await audit(ctx, request, "schedule.set", `${kind}-schedule`, id, kind === "facility" ? id : null, before, after);
      return after;
    },
  );
}
