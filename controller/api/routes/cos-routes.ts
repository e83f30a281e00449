/**
 * Classes of service and feature groups. A COS is agency-wide; changing one changes every
 * facility it is assigned in, so editing parameters needs a caller who reaches every facility
 * that uses it.
 */
import type { FastifyInstance } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import { assignCos, listCos, listFeatureGroups, updateCos } from "../../domain/classes.ts";
import { notFound } from "../../domain/errors.ts";
import { audit, type DomainContext, requestScope } from "../domain-context.ts";
import { forbidden } from "../errors.ts";
import { errorResponses, IdParams, Ok } from "../schemas/common.ts";
import { CosAssignBody, CosParamsBody } from "../schemas/domain.ts";

export async function cosRoutes(app: FastifyInstance, ctx: DomainContext): Promise<void> {
  const tags = ["classes of service"];
  const view = [P.menuClassesOfService, P.menuInmates];

  app.get(
    "/classes-of-service",
    { config: { access: { permission: view } }, schema: { tags, response: errorResponses } },
    async () => {
      const [classes, featureGroups] = await Promise.all([listCos(ctx.ds), listFeatureGroups(ctx.ds)]);
      return { classes, featureGroups };
    },
  );

  app.put<{ Params: IdParams; Body: CosParamsBody }>(
    "/classes-of-service/:id",
    {
      config: { access: { permission: P.entryClassesOfService } },
      schema: {
        tags,
        summary: "Change a class of service's parameters",
        params: IdParams,
        body: CosParamsBody,
        response: errorResponses,
      },
    },
    async (request) => {
      const id = request.params.id;
      const before = (await listCos(ctx.ds)).find((c) => c.id === id);
      if (!before) throw notFound("class of service");
      // Every facility where this COS applies must be within the caller's reach.
      const scope = await requestScope(ctx, request);
      const users = await ctx.ds.db
        .selectFrom("facilities as f")
        .leftJoin("facilityGroups as g", "g.id", "f.groupId")
        .leftJoin("housingUnits as h", "h.facilityId", "f.id")
        .leftJoin("inmates as i", "i.facilityId", "f.id")
        .select("f.id")
        .where((eb) =>
          eb.or([eb("f.cosId", "=", id), eb("g.cosId", "=", id), eb("h.cosId", "=", id), eb("i.cosId", "=", id)]),
        )
        .distinct()
        .execute();
      if (users.some((u) => !scope.has(u.id))) {
        throw forbidden("This class of service is used in facilities you do not reach.");
      }
      const after = await updateCos(ctx.ds, id, request.body.params);
      await audit(ctx, request, "cos.update", "class_of_service", id, null, before, after);
      return after;
    },
  );

  app.put<{ Body: CosAssignBody }>(
    "/cos-assignments",
    {
      config: { access: { permission: P.entryClassesOfService } },
      schema: {
        tags,
        summary: "Assign (or with null remove) a class of service at one level",
        body: CosAssignBody,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const { level, id, cosId } = request.body;
      await assignCos(ctx.ds, await requestScope(ctx, request), { level, id }, cosId);
      await audit(ctx, request, "cos.assign", level, id, level === "facility" ? id : null, null, { cosId });
      return { ok: true };
    },
  );
}
