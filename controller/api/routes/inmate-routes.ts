/**
 * Inmates: search, detail (with the class of service in effect, where each value comes from,
 * and usage against the limits), PIN reset, approved numbers.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import { explainInmateCos } from "../../domain/classes.ts";
import {
  getInmate,
  listApprovedNumbers,
  listInmates,
  resetPin,
  setApprovedNumbers,
  updateInmate,
} from "../../domain/inmates.ts";
import { readUsage } from "../../store/usage.ts";
import { audit, type DomainContext, requestScope } from "../domain-context.ts";
import { errorResponses, IdParams } from "../schemas/common.ts";
import { ApprovedNumbersBody, InmatePatchBody, InmateQuery } from "../schemas/domain.ts";

export async function inmateRoutes(app: FastifyInstance, ctx: DomainContext): Promise<void> {
  const tags = ["inmates"];
  const view = [P.menuInmates, P.queryInmates];

  app.get<{ Querystring: InmateQuery }>(
    "/inmates",
    { config: { access: { permission: view } }, schema: { tags, querystring: InmateQuery, response: errorResponses } },
    async (request) => {
      const q = request.query;
      return listInmates(ctx.ds, await requestScope(ctx, request), {
        ...(q.facilityId ? { facilityId: q.facilityId } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.name ? { nameContains: q.name } : {}),
        limit: q.limit ?? 100,
        offset: q.offset ?? 0,
      });
    },
  );

  app.get<{ Params: IdParams }>(
    "/inmates/:id",
    {
      config: { access: { permission: view } },
      schema: {
        tags,
        summary: "An inmate with approved numbers, effective class of service and usage",
        params: IdParams,
        response: errorResponses,
      },
    },
    async (request) => {
      const scope = await requestScope(ctx, request);
      const inmate = await getInmate(ctx.ds, scope, request.params.id);
      const facility = await ctx.ds.db
        .selectFrom("facilities")
        .select("timeZone")
        .where("id", "=", inmate.facilityId)
        .executeTakeFirstOrThrow();
      const [approvedNumbers, cos, usage] = await Promise.all([
        listApprovedNumbers(ctx.ds, scope, inmate.id),
        explainInmateCos(ctx.ds, scope, inmate.id),
        readUsage(ctx.ds, inmate.id, facility.timeZone, ctx.clock.now()),
      ]);
      return { inmate, approvedNumbers, cos, usage };
    },
  );

  app.patch<{ Params: IdParams; Body: InmatePatchBody }>(
    "/inmates/:id",
    {
      config: { access: { permission: P.entryInmates } },
      schema: { tags, params: IdParams, body: InmatePatchBody, response: errorResponses },
    },
    async (request) => {
      const scope = await requestScope(ctx, request);
      const before = await getInmate(ctx.ds, scope, request.params.id);
      const after = await updateInmate(ctx.ds, scope, request.params.id, request.body);
      await audit(ctx, request, "inmate.update", "inmate", after.id, after.facilityId, before, after);
      return after;
    },
  );

  app.post<{ Params: IdParams }>(
    "/inmates/:id/pin-reset",
    {
      config: { access: { permission: P.entryPinReset } },
      schema: {
        tags,
        summary: "Issue a new random PIN (shown once)",
        params: IdParams,
        response: { 200: Type.Object({ pin: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      const scope = await requestScope(ctx, request);
      const inmate = await getInmate(ctx.ds, scope, request.params.id);
      const pin = await resetPin(ctx.ds, scope, inmate.id);
      await audit(
        ctx,
        request,
        "inmate.pin-reset",
        "inmate",
        inmate.id,
        inmate.facilityId,
        { hasPin: inmate.hasPin },
        { hasPin: true },
      );
      return { pin };
    },
  );

  app.put<{ Params: IdParams; Body: ApprovedNumbersBody }>(
    "/inmates/:id/approved-numbers",
    {
      config: { access: { permission: P.entryApprovedNumbers } },
      schema: {
        tags,
        summary: "Replace the approved-number list",
        params: IdParams,
        body: ApprovedNumbersBody,
        response: errorResponses,
      },
    },
    async (request) => {
      const scope = await requestScope(ctx, request);
      const inmate = await getInmate(ctx.ds, scope, request.params.id);
      const before = await listApprovedNumbers(ctx.ds, scope, inmate.id);
      await setApprovedNumbers(ctx.ds, scope, inmate.id, request.body);
      const after = await listApprovedNumbers(ctx.ds, scope, inmate.id);
      await audit(ctx, request, "inmate.approved-numbers", "inmate", inmate.id, inmate.facilityId, before, after);
      return after;
    },
  );
}
