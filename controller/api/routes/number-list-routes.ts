/**
 * Blocked, hot and privileged numbers, and the blocked-number CSV import with progress. The
 * import runs in a worker thread (controller/imports/import-thread.ts); its job here follows the
 * worker's progress messages.
 */
import type { FastifyInstance } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import {
  addBlock,
  addHotNumber,
  addPrivilegedNumber,
  listBlocks,
  listHotNumbers,
  listPrivilegedNumbers,
  removeBlock,
  removeHotNumber,
  removePrivilegedNumber,
} from "../../domain/numbers.ts";
import { assertBlockedImportTarget } from "../../imports/blocked-numbers.ts";
import { importBlockedNumbersInWorker } from "../../imports/import-thread.ts";
import { recoverInterruptedImports } from "../../store/import-store.ts";
import { audit, type DomainContext, requestScope } from "../domain-context.ts";
import { badRequest, notFound } from "../errors.ts";
import type { ImportJobs } from "../import-jobs.ts";
import { principalOf } from "../plugins/auth.ts";
import { errorResponses, IdParams, Ok } from "../schemas/common.ts";
import {
  BlockBody,
  BlockQuery,
  FacilityQuery,
  HotBody,
  ImportJobView,
  ImportQuery,
  PrivilegedBody,
} from "../schemas/domain.ts";

export async function numberListRoutes(app: FastifyInstance, ctx: DomainContext & { jobs: ImportJobs }): Promise<void> {
  const tags = ["number lists"];
  const view = [P.menuNumberLists];
  const entry = P.entryNumberLists;
  const now = () => ctx.clock.now();

  // An import cut off by a stop of the controller left rows behind: take them out before any
  // new import starts (controller/store/import-store.ts).
  for (const run of await recoverInterruptedImports(ctx.ds.db)) {
    app.log.warn({ run }, "took out the rows of an import left unfinished");
    ctx.ds.changed(run.facilityId, "blocks");
  }

  // CSV bodies arrive as text; a 500,000-row list is about 20 MB.
  app.addContentTypeParser(
    ["text/csv", "text/plain"],
    { parseAs: "string", bodyLimit: 64 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );

  app.get<{ Querystring: BlockQuery }>(
    "/blocked-numbers",
    { config: { access: { permission: view } }, schema: { tags, querystring: BlockQuery, response: errorResponses } },
    async (request) => {
      const q = request.query;
      return listBlocks(ctx.ds, await requestScope(ctx, request), {
        ...(q.facilityId ? { facilityId: q.facilityId } : {}),
        ...(q.number ? { number: q.number } : {}),
        ...(q.category ? { category: q.category } : {}),
        byCalledParty: undefined,
        limit: q.limit ?? 200,
        offset: q.offset ?? 0,
      });
    },
  );

  app.post<{ Body: BlockBody }>(
    "/blocked-numbers",
    { config: { access: { permission: entry } }, schema: { tags, body: BlockBody, response: errorResponses } },
    async (request) => {
      const p = principalOf(request);
      const row = await addBlock(
        ctx.ds,
        await requestScope(ctx, request),
        { ...request.body, setBy: p.username },
        now(),
      );
      await audit(ctx, request, "block.add", "blocked_number", row.id, row.facilityId, null, row);
      return row;
    },
  );

  app.delete<{ Params: IdParams }>(
    "/blocked-numbers/:id",
    {
      config: { access: { permission: entry } },
      schema: { tags, params: IdParams, response: { 200: Ok, ...errorResponses } },
    },
    async (request) => {
      const before = await ctx.ds.db
        .selectFrom("blockedNumbers")
        .selectAll()
        .where("id", "=", request.params.id)
        .executeTakeFirst();
      await removeBlock(ctx.ds, await requestScope(ctx, request), request.params.id);
      await audit(
        ctx,
        request,
        "block.remove",
        "blocked_number",
        request.params.id,
        before?.facilityId ?? null,
        before,
        null,
      );
      return { ok: true };
    },
  );

  app.get<{ Querystring: FacilityQuery }>(
    "/hot-numbers",
    {
      config: { access: { permission: view } },
      schema: { tags, querystring: FacilityQuery, response: errorResponses },
    },
    async (request) => listHotNumbers(ctx.ds, await requestScope(ctx, request)),
  );

  app.post<{ Body: HotBody }>(
    "/hot-numbers",
    { config: { access: { permission: entry } }, schema: { tags, body: HotBody, response: errorResponses } },
    async (request) => {
      const row = await addHotNumber(
        ctx.ds,
        await requestScope(ctx, request),
        { ...request.body, setBy: principalOf(request).username },
        now(),
      );
      await audit(ctx, request, "hot.add", "hot_number", row.id, row.facilityId, null, row);
      return row;
    },
  );

  app.delete<{ Params: IdParams }>(
    "/hot-numbers/:id",
    {
      config: { access: { permission: entry } },
      schema: { tags, params: IdParams, response: { 200: Ok, ...errorResponses } },
    },
    async (request) => {
      const before = await ctx.ds.db
        .selectFrom("hotNumbers")
        .selectAll()
        .where("id", "=", request.params.id)
        .executeTakeFirst();
      await removeHotNumber(ctx.ds, await requestScope(ctx, request), request.params.id);
      await audit(
        ctx,
        request,
        "hot.remove",
        "hot_number",
        request.params.id,
        before?.facilityId ?? null,
        before,
        null,
      );
      return { ok: true };
    },
  );

  app.get(
    "/privileged-numbers",
    { config: { access: { permission: view } }, schema: { tags, response: errorResponses } },
    async (request) => listPrivilegedNumbers(ctx.ds, await requestScope(ctx, request)),
  );

  app.post<{ Body: PrivilegedBody }>(
    "/privileged-numbers",
    { config: { access: { permission: entry } }, schema: { tags, body: PrivilegedBody, response: errorResponses } },
    async (request) => {
      const row = await addPrivilegedNumber(
        ctx.ds,
        await requestScope(ctx, request),
        { ...request.body, setBy: principalOf(request).username },
        now(),
      );
      await audit(ctx, request, "privileged.add", "privileged_number", row.id, row.facilityId, null, row);
      return row;
    },
  );

  app.delete<{ Params: IdParams }>(
    "/privileged-numbers/:id",
    {
      config: { access: { permission: entry } },
      schema: { tags, params: IdParams, response: { 200: Ok, ...errorResponses } },
    },
    async (request) => {
      const before = await ctx.ds.db
        .selectFrom("privilegedNumbers")
        .selectAll()
        .where("id", "=", request.params.id)
        .executeTakeFirst();
      await removePrivilegedNumber(ctx.ds, await requestScope(ctx, request), request.params.id);
      await audit(
        ctx,
        request,
        "privileged.remove",
        "privileged_number",
        request.params.id,
        before?.facilityId ?? null,
        before,
        null,
      );
      return { ok: true };
    },
  );

  app.post<{ Querystring: ImportQuery; Body: string }>(
    "/imports/blocked-numbers",
    {
      config: { access: { permission: entry } },
      schema: {
        tags,
        summary:
          "Import blocked numbers from CSV (columns: number, reason, range_end, category, set_by); poll the job for progress",
        querystring: ImportQuery,
        consumes: ["text/csv"],
        response: { 202: ImportJobView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      if (typeof request.body !== "string" || request.body.length === 0)
        throw badRequest("Send the CSV file as a text/csv body.");
      if (!q.facilityId && !q.agencyWide)
        throw badRequest("Name the facility (facilityId) or ask for an agency-wide list (agencyWide=true).");
      const scope = await requestScope(ctx, request);
      const p = principalOf(request);
      const facilityId = q.agencyWide ? null : (q.facilityId ?? null);
      // Check the target before accepting the job, so a cross-facility import is refused at once.
      await assertBlockedImportTarget(ctx.ds, scope, facilityId);
      const config = ctx.ds.config;
      if (!config)
        throw new Error(
          "the domain store was opened without its configuration: imports cannot open their own connection",
        );
      const csv = request.body;
      const target = { facilityId, setBy: p.username, now: now() };
      const job = ctx.jobs.start(
        p.userId,
        "blocked numbers",
        async (onProgress) => {
          let wrote = false;
          try {
            return await importBlockedNumbersInWorker(
              { config, csv, target, ...(q.acceptPartial ? { acceptPartial: true } : {}) },
              (phase, done, total) => {
                if (phase === "writing") wrote = true;
                onProgress(phase, done, total);
              },
            );
          } finally {
            // Rows written (or written and taken out again) change what calls are decided on.
            if (wrote) ctx.ds.changed(facilityId, "blocks");
          }
        },
        async (done) => {
          await audit(ctx, request, "block.import", "blocked_number", done.id, facilityId, null, {
            state: done.state,
            total: done.total,
            written: done.written,
            rejected: done.rejected.length,
            error: done.error,
          });
        },
      );
      reply.status(202);
      return job;
    },
  );

  app.get<{ Params: IdParams }>(
    "/imports/:id",
    {
      config: { access: { permission: entry } },
      schema: {
        tags,
        summary: "Progress of an import",
        params: IdParams,
        response: { 200: ImportJobView, ...errorResponses },
      },
    },
    async (request) => {
      const job = ctx.jobs.get(request.params.id);
      if (!job || job.ownerId !== principalOf(request).userId) throw notFound("Import");
      return job;
    },
  );
}
