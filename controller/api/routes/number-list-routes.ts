/**
 * Blocked, hot and privileged numbers, and the blocked-number CSV import with progress.
 */
import type { FastifyInstance } from "fastify";
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import { Permissions as P } from "../../access/permissions.ts";
import { DomainError } from "../../domain/errors.ts";
import {
  addBlock,
  addHotNumber,
  addPrivilegedNumber,
  blockRowOf,
  listBlocks,
  listHotNumbers,
  listPrivilegedNumbers,
  removeBlock,
  removeHotNumber,
  removePrivilegedNumber,
} from "../../domain/numbers.ts";
import { importBlockedNumbers } from "../../imports/blocked-numbers.ts";
import { parseCsvObjects } from "../../imports/csv.ts";
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

/**
 * Lets the event loop breathe after every query of an import, so progress polls (and every
 * other request) are answered while a large file is written batch by batch.
 */
class YieldAfterEachQuery implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    await new Promise((resolve) => setImmediate(resolve));
    return args.result;
  }
}

/**
 * Checks every row of a blocked-number CSV the way the import will (same parser, same row
 * rules), a slice at a time with the event loop free in between, reporting progress. The
 * import itself then checks again and writes all or nothing; this pass is what lets the UI
 * show a moving bar and a refused file's lines before anything is written.
 */
async function checkBlockedCsv(
  csv: string,
  facilityId: string | null,
  setBy: string,
  at: number,
  onProgress: (done: number, total: number) => void,
): Promise<{ rows: { line: number; reason: string }[]; bad: number; total: number }> {
  const total = Math.max(0, csv.split("\n").filter((l) => l.trim() !== "").length - 1);
  const rows: { line: number; reason: string }[] = [];
  let done = 0;
  let bad = 0;
  onProgress(0, total);
  for (const { line, row } of parseCsvObjects(csv)) {
    try {
      const category = row.category || "specific";
      if (category !== "general" && category !== "specific")
        throw new Error(`category "${category}" is not general or specific`);
      if (!row.reason) throw new Error("reason is empty");
      blockRowOf(
        {
          facilityId,
          kind: row.range_end ? "range" : "number",
          number: row.number ?? "",
          category,
          reason: row.reason,
          setBy: row.set_by || setBy,
          ...(row.range_end ? { rangeEnd: row.range_end } : {}),
        },
        at,
      );
    } catch (err) {
      bad++;
      if (rows.length < 200) rows.push({ line, reason: err instanceof Error ? err.message : String(err) });
    }
    done++;
    if (done % checkSlice === 0) {
      onProgress(done, total);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  onProgress(done, done);
  return { rows, bad, total: done };
}

/** Rows checked between two turns of the event loop. */
const checkSlice = 1000;

export async function numberListRoutes(app: FastifyInstance, ctx: DomainContext & { jobs: ImportJobs }): Promise<void> {
  const tags = ["number lists"];
  const view = [P.menuNumberLists];
  const entry = P.entryNumberLists;
  const now = () => ctx.clock.now();

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
      if (facilityId !== null && !scope.has(facilityId)) throw notFound("facility");
      const csv = request.body;
      const ds = { ...ctx.ds, db: ctx.ds.db.withPlugin(new YieldAfterEachQuery()) };
      // About a hundred progress steps whatever the file's size (200 to 5,000 rows a batch).
      const lines = csv.split("\n").length;
      const batchSize = Math.min(5000, Math.max(200, Math.ceil(lines / 100)));
      const job = ctx.jobs.start(
        p.userId,
        "blocked numbers",
        async (onProgress) => {
          const rejected = await checkBlockedCsv(csv, facilityId, p.username, now(), (d, total) =>
            onProgress("checking", d, total),
          );
          if (rejected.bad > 0 && !q.acceptPartial) {
            throw new DomainError(
              "import-rejected",
              `blocked numbers import refused: ${rejected.bad} rows rejected, nothing written`,
              {
                kind: "blocked numbers",
                total: rejected.total,
                written: 0,
                rejected: rejected.rows,
                committed: false,
                ms: 0,
              },
            );
          }
          return importBlockedNumbers(
            ds,
            scope,
            csv,
            { facilityId, setBy: p.username, now: now() },
            {
              onProgress: (d, total) => onProgress("writing", d, total),
              batchSize,
              ...(q.acceptPartial ? { acceptPartial: true } : {}),
            },
          );
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
