/**
 * Saved report layouts (General Report Capabilities): "the State shall have the ability to
 * custom design reports ... Customization includes report information (content) and the
 * information sorting sequence and presentation", and "the CDC/CYA Central Office staff shall
 * have the capability to assign reports to categories so that reports with similar functions
 * can be grouped together under one menu item."
 *
 * Who may do what:
 * - Running and saving a layout needs the base report's own permission.
 * - A Central Office user (every facility) may save a layout for all facilities
 *   (`facilityId: null`) and offer it to chosen access levels only (`levelIds`); a facility
 *   user saves layouts for a facility they reach, offered to everyone there who holds the base
 *   report's permission.
 * - A layout is changed or deleted by whoever could have saved it: Central Office for the
 *   agency-wide ones, anyone reaching the facility (with the permission) for a facility's.
 * - Someone else's facility's layout reads as missing (404), as everywhere else.
 */
import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { canSeeFacility, type Principal } from "../../access/principal.ts";
import { type SavedReport, SavedReportStore } from "../../store/saved-report-store.ts";
import { audit, type DomainContext, scopeOf } from "../domain-context.ts";
import { badRequest, forbidden, notFound } from "../errors.ts";
import { principalOf } from "../plugins/auth.ts";
import { reports } from "../reports/catalogue.ts";
import { applyLayout, checkLayout, lastDays } from "../reports/layout.ts";
import type { ReportDefinition } from "../reports/report.ts";
import { errorResponses, IdParams, Ok } from "../schemas/common.ts";
import { ReportResult } from "../schemas/reports.ts";
import { SavedReportBody, SavedReportInfo, SavedRunQuery } from "../schemas/saved-reports.ts";
import { csvReply, runReport } from "./report-routes.ts";

const byId = new Map(reports.map((r) => [r.id, r]));

/** The base report of a saved layout (saved layouts only name reports that exist). */
export function baseOf(s: Pick<SavedReport, "baseReport">): ReportDefinition | undefined {
  return byId.get(s.baseReport);
}

export function mayEdit(p: Principal, s: Pick<SavedReport, "baseReport" | "facilityId">): boolean {
  const def = baseOf(s);
  if (!def || !p.permissions.has(def.permission)) return false;
  return s.facilityId === null ? p.facilities.all : canSeeFacility(p, s.facilityId);
}

export function mayRun(p: Principal, s: SavedReport): boolean {
  if (mayEdit(p, s)) return true;
  const def = baseOf(s);
  if (!def || !p.permissions.has(def.permission)) return false;
  if (s.facilityId !== null && !canSeeFacility(p, s.facilityId)) return false;
  return s.levelIds.length === 0 || s.levelIds.includes(p.levelId);
}

/**
 * The query a saved layout runs with: its saved criteria, overridden by what the caller gives,
 * the period of "the last N days" when it has one and the caller gave no dates, and its
 * facility when it belongs to one. Checked against the base report's own query schema.
 */
export async function savedQuery(
  ctx: DomainContext,
  s: SavedReport,
  overrides: Record<string, string>,
  scope: ReadonlySet<string>,
): Promise<Record<string, unknown>> {
  const def = baseOf(s);
  if (!def) throw notFound("report");
  const q: Record<string, unknown> = { ...s.criteria, ...overrides };
  if (s.facilityId !== null) q.facilityIds = s.facilityId;
  const props = (def.query as { properties?: Record<string, unknown> }).properties ?? {};
  if (s.periodDays !== null && "from" in props && overrides.from === undefined && overrides.to === undefined) {
    // The period is counted in the time zone of the facility it covers (the first, by name,
    // when it covers several: the agency's facilities share one time zone in practice).
    const ids = typeof q.facilityIds === "string" ? q.facilityIds.split(",") : [...scope];
    const f = ids.length
      ? await ctx.ds.db
          .selectFrom("facilities")
          .select("timeZone")
          .where("id", "in", ids)
          .orderBy("name")
          .executeTakeFirst()
      : undefined;
    Object.assign(q, lastDays(s.periodDays, f?.timeZone ?? "UTC", ctx.clock.now()));
  }
  const converted = Value.Convert(def.query, q) as Record<string, unknown>;
  if (!Value.Check(def.query, converted)) {
    const details = [...Value.Errors(def.query, converted)]
      .slice(0, 10)
      .map((e) => ({ path: `/criteria${e.path}`, message: e.message }));
    throw badRequest(`The criteria do not fit report ${def.id}.`, details);
  }
  return converted;
}

/** A saved layout's run for a caller: the base report's run with the layout applied. */
export async function runSaved(
  ctx: DomainContext,
  s: SavedReport,
  overrides: Record<string, string>,
  p: Principal,
  terminal: string,
): Promise<ReportResult> {
  const def = baseOf(s);
  if (!def) throw notFound("report");
  const scope = await scopeOf(ctx, p);
  const query = await savedQuery(ctx, s, overrides, scope);
  const run = await runReport(ctx, def, query, p, terminal, scope);
  return { ...applyLayout(run, s.columns, s.sort), title: s.name };
}

export async function savedReportRoutes(app: FastifyInstance, ctx: DomainContext): Promise<void> {
  const tags = ["reports"];
  const store = new SavedReportStore(ctx.ds);
  const anyReport = { access: { permission: [...new Set(reports.map((r) => r.permission))] } };

  const info = (p: Principal, s: SavedReport): SavedReportInfo => ({
    id: s.id,
    name: s.name,
    category: s.category,
    baseReport: s.baseReport,
    baseTitle: baseOf(s)?.title ?? s.baseReport,
    facilityId: s.facilityId,
    columns: s.columns,
    sort: s.sort,
    criteria: s.criteria,
    periodDays: s.periodDays,
    levelIds: s.levelIds,
    scheduleTime: s.scheduleTime,
    scheduleDays: s.scheduleDays,
    emailTo: s.emailTo,
    lastSentAt: s.lastSentAt === null ? null : new Date(s.lastSentAt).toISOString(),
    createdBy: s.createdBy,
    updatedAt: new Date(s.updatedAt).toISOString(),
    updatedBy: s.updatedBy,
    editable: mayEdit(p, s),
  });

  /** A saved layout the caller may run; anything else reads as missing. */
  async function visible(request: FastifyRequest): Promise<SavedReport> {
    const { id } = request.params as { id: string };
    const s = await store.get(id);
    if (!s || !mayRun(principalOf(request), s)) throw notFound("saved report");
    return s;
  }

  async function checked(request: FastifyRequest, body: SavedReportBody): Promise<SavedReportBody> {
    const p = principalOf(request);
    const def = byId.get(body.baseReport);
    if (!def) {
      throw badRequest(`There is no report ${body.baseReport}.`, [{ path: "/baseReport", message: "unknown report" }]);
    }
    if (!p.permissions.has(def.permission)) throw forbidden();
    const scope = await scopeOf(ctx, p);
    if (body.facilityId === null) {
      if (!p.facilities.all) throw forbidden("Only the Central Office saves reports for every facility.");
    } else if (!scope.has(body.facilityId)) {
      throw notFound("facility");
    }
    if (body.levelIds.length) {
      if (!p.facilities.all) throw forbidden("Only the Central Office assigns reports to access levels.");
      for (const id of body.levelIds) {
        if (!(await ctx.access.levels.get(id))) {
          throw badRequest(`There is no access level ${id}.`, [{ path: "/levelIds", message: "unknown level" }]);
        }
      }
    }
    checkLayout(def, body.columns, body.sort);
    if (new Set(body.scheduleDays).size !== body.scheduleDays.length) throw badRequest("A day is given twice.");
    if (body.scheduleTime !== null && (body.scheduleDays.length === 0 || body.emailTo.length === 0)) {
      throw badRequest("An automatic report needs at least one day and one address to send it to.", [
        { path: body.scheduleDays.length ? "/emailTo" : "/scheduleDays", message: "required with a schedule" },
      ]);
    }
    // The criteria must make a runnable query once the period is filled in.
    const probe: SavedReport = {
      ...body,
      scheduleDays: [...body.scheduleDays].sort(),
      id: "",
      lastSentAt: null,
      createdAt: 0,
      createdBy: "",
      updatedAt: 0,
      updatedBy: "",
    };
    await savedQuery(ctx, probe, {}, scope);
    return { ...body, scheduleDays: probe.scheduleDays };
  }

  app.get(
    "/reports/saved",
    {
      config: anyReport,
      schema: {
        tags,
        summary: "The saved report layouts the caller may run, by category",
        response: { 200: Type.Array(SavedReportInfo), ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return (await store.list()).filter((s) => mayRun(p, s)).map((s) => info(p, s));
    },
  );

  app.post(
    "/reports/saved",
    {
      config: anyReport,
      schema: {
        tags,
        summary: "Save a report layout",
        body: SavedReportBody,
        response: { 200: SavedReportInfo, ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const body = await checked(request, request.body as SavedReportBody);
      const s = await store.create(body, p.username, ctx.clock.now());
      await audit(ctx, request, "saved-report.create", "saved-report", s.id, s.facilityId, null, s);
      return info(p, s);
    },
  );

  app.put(
    "/reports/saved/:id",
    {
      config: anyReport,
      schema: {
        tags,
        summary: "Change a saved report layout",
        params: IdParams,
        body: SavedReportBody,
        response: { 200: SavedReportInfo, ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const before = await visible(request);
      if (!mayEdit(p, before)) throw forbidden("This saved report belongs to the Central Office.");
      const body = await checked(request, request.body as SavedReportBody);
      const after = (await store.update(before.id, body, p.username, ctx.clock.now()))!;
      await audit(ctx, request, "saved-report.update", "saved-report", after.id, after.facilityId, before, after);
      return info(p, after);
    },
  );

  app.delete(
    "/reports/saved/:id",
    {
      config: anyReport,
      schema: {
        tags,
        summary: "Delete a saved report layout",
        params: IdParams,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const before = await visible(request);
      if (!mayEdit(p, before)) throw forbidden("This saved report belongs to the Central Office.");
      await store.remove(before.id);
      await audit(ctx, request, "saved-report.delete", "saved-report", before.id, before.facilityId, before, null);
      return { ok: true };
    },
  );

  app.get(
    "/reports/saved/:id/run",
    {
      config: anyReport,
      schema: {
        tags,
        summary: "Run a saved report layout (any of the base report's criteria override the saved ones)",
        params: IdParams,
        querystring: SavedRunQuery,
        response: { 200: ReportResult, ...errorResponses },
      },
    },
    async (request) => {
      const s = await visible(request);
      return runSaved(ctx, s, request.query as Record<string, string>, principalOf(request), request.ip);
    },
  );

  app.get(
    "/reports/saved/:id/csv",
    {
      config: anyReport,
      schema: {
        tags,
        summary: "A saved report layout's run, as CSV",
        params: IdParams,
        querystring: SavedRunQuery,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const s = await visible(request);
      const r = await runSaved(ctx, s, request.query as Record<string, string>, principalOf(request), request.ip);
      await audit(ctx, request, "report.export", "saved-report", s.id, s.facilityId, null, r.criteria);
      return csvReply(reply, s.baseReport, r);
    },
  );
}
