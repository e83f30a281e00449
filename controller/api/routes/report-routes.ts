/**
 * The spec's reports (Reporting Tools, Specific Reports), each as `GET /api/reports/<id>` (JSON
 * for the screen) and `GET /api/reports/<id>/csv` ("All reported data shall be capable of being
 * stored in an ASCII file format"). Each report's query is validated with its own schema; every
 * run covers only the facilities the caller reaches, narrowed by `facilityIds`. A facility
 * outside the caller's reach reads as missing (404), as everywhere else.
 */

import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Principal } from "../../access/principal.ts";
import { notFound } from "../../domain/errors.ts";
import { audit, type DomainContext, scopeOf } from "../domain-context.ts";
import { principalOf } from "../plugins/auth.ts";
import { reports } from "../reports/catalogue.ts";
import { csvOf, type ReportDefinition, totalsOf } from "../reports/report.ts";
import { errorResponses } from "../schemas/common.ts";
import { ReportInfo, ReportResult } from "../schemas/reports.ts";
import { savedReportRoutes } from "./saved-report-routes.ts";

/**
 * One run of a report for a caller: over the facilities the caller reaches, narrowed by the
 * query's `facilityIds` (a facility outside the reach reads as missing). A caller that has
 * already read the caller's reach passes it as `scope`.
 */
export async function runReport(
  ctx: DomainContext,
  def: ReportDefinition,
  query: Record<string, unknown>,
  p: Principal,
  terminal: string,
  scope?: ReadonlySet<string>,
): Promise<ReportResult> {
  const q = query as Record<string, unknown> & { facilityIds?: string };
  scope ??= await scopeOf(ctx, p);
  let facilityIds = [...scope].sort();
  if (q.facilityIds) {
    const asked = [...new Set(q.facilityIds.split(","))];
    if (asked.some((id) => !scope.has(id))) throw notFound("facility");
    facilityIds = asked;
  }
  const now = ctx.clock.now();
  const out = await def.run({ ds: ctx.ds, facilityIds, query: q, now });
  const facilities = facilityIds.length
    ? await ctx.ds.db
        .selectFrom("facilities")
        .select(["id", "name", "timeZone"])
        .where("id", "in", facilityIds)
        .orderBy("name")
        .execute()
    : [];
  const criteria: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined) criteria[k] = v as string | number | boolean;
  return {
    report: def.id,
    title: def.title,
    generatedAt: new Date(now).toISOString(),
    generatedBy: p.username,
    terminal,
    criteria,
    facilities,
    columns: out.columns,
    rows: out.rows,
    subtotalRows: [...(out.subtotalRows ?? [])].sort((a, b) => a - b),
    totals: totalsOf(out),
    inmateCount: out.inmates ? out.inmates.size : null,
    truncated: out.truncated ?? false,
  };
}

/** A run as a CSV download named after the report and the day it was made. */
export function csvReply(reply: FastifyReply, name: string, r: ReportResult): string {
  reply
    .header("content-type", "text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${name}-${r.generatedAt.slice(0, 10)}.csv"`);
  return csvOf(r.columns, r.rows, r.totals);
}

export async function reportRoutes(app: FastifyInstance, ctx: DomainContext): Promise<void> {
  const tags = ["reports"];
  const all = reports.map((r) => r.permission);

  app.get(
    "/reports",
    {
      config: { access: { permission: [...new Set(all)] } },
      schema: {
        tags,
        summary: "The reports the caller may run",
        response: { 200: Type.Array(ReportInfo), ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return reports
        .filter((r) => p.permissions.has(r.permission))
        .map((r) => ({
          id: r.id,
          title: r.title,
          spec: r.spec ?? null,
          permission: r.permission,
          columns: [...r.columnKeys],
        }));
    },
  );

  const run = (def: ReportDefinition, request: FastifyRequest) =>
    runReport(ctx, def, request.query as Record<string, unknown>, principalOf(request), request.ip);

  for (const def of reports) {
    const config = { access: { permission: def.permission } };
    app.get(
      `/reports/${def.id}`,
      {
        config,
        schema: {
          tags,
          summary: def.spec ? `${def.title} (${def.spec})` : def.title,
          querystring: def.query,
          response: { 200: ReportResult, ...errorResponses },
        },
      },
      async (request) => run(def, request),
    );
    app.get(
      `/reports/${def.id}/csv`,
      {
        config,
        schema: { tags, summary: `${def.title}, as CSV`, querystring: def.query, response: errorResponses },
      },
      async (request, reply) => {
        const r = await run(def, request);
        await audit(
          ctx,
          request,
          "report.export",
          "report",
          def.id,
          r.facilities.length === 1 ? r.facilities[0]!.id : null,
          null,
          r.criteria,
        );
        return csvReply(reply, def.id, r);
      },
    );
  }
  await savedReportRoutes(app, ctx);
}
