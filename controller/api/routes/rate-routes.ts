/**
 * Rate tables. Every new rate is checked against the FCC cap for the facility (47 CFR 64.6030);
 * the check that passed is stored and shown beside the rate, a rate above the cap is refused
 * with the cap's own figures.
 */
import type { FastifyInstance } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import { createRate, listRates } from "../../rating/rates.ts";
import { audit, type DomainContext, requestScope } from "../domain-context.ts";
import { principalOf } from "../plugins/auth.ts";
import { errorResponses } from "../schemas/common.ts";
import { RateBody, RequiredFacilityQuery } from "../schemas/domain.ts";

export async function rateRoutes(app: FastifyInstance, ctx: DomainContext): Promise<void> {
  const tags = ["rates"];

  app.get<{ Querystring: RequiredFacilityQuery }>(
    "/rates",
    {
      config: { access: { permission: [P.menuRates, P.entryRates] } },
      schema: { tags, querystring: RequiredFacilityQuery, response: errorResponses },
    },
    async (request) => listRates(ctx.ds, await requestScope(ctx, request), request.query.facilityId),
  );

  app.post<{ Body: RateBody }>(
    "/rates",
    {
      config: { access: { permission: P.entryRates } },
      schema: {
        tags,
        summary: "Add a dated rate (refused above the FCC cap: 422 rate_above_cap)",
        body: RateBody,
        response: { ...errorResponses, 422: errorResponses[400] },
      },
    },
    async (request) => {
      const row = await createRate(
        ctx.ds,
        await requestScope(ctx, request),
        { ...request.body, createdBy: principalOf(request).username },
        ctx.clock.now(),
      );
      await audit(ctx, request, "rate.create", "rate", row.id, row.facilityId, null, row);
      return row;
    },
  );
}
