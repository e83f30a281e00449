/**
 * Call records, newest first, and recordings searched by the spec's criteria (Recording: start
 * and end date/time, destination number, calling telephone, duration, inmate's name).
 * Privileged (attorney, PREA) calls are never recorded and ordinary searches leave them out
 * (store/call-records.ts); the recording signature stays out of lists (it travels with the
 * download).
 */
import type { FastifyInstance } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import { explainCharge } from "../../rating/rates.ts";
import { getCallRecord, queryCallRecords } from "../../store/call-records.ts";
import { audit, type DomainContext, requestScope } from "../domain-context.ts";
import { errorResponses, IdParams } from "../schemas/common.ts";
import { CallRecordQuery, ExportBody, ExportJobView } from "../schemas/domain.ts";
import { csvField, type ExportJobs } from "../export-jobs.ts";
import { principalOf } from "../plugins/auth.ts";
import { notFound } from "../../domain/errors.ts";
import type { CallRecordRow } from "../../store/schema.ts";

/** The spec's Call Record Format, in its order, as CSV columns. */
const exportColumns: [string, (r: CallRecordRow) => unknown][] = [
  ["inmate_name", (r) => r.inmateName],
  ["facility", (r) => r.facilityName],
  ["date", (r) => r.localDate],
  ["time", (r) => r.localTime],
  ["time_zone", (r) => r.timeZone],
  ["dialled_digits", (r) => r.dialledDigits],
  ["destination", (r) => r.destination],
  ["destination_place", (r) => r.destinationPlace],
  ["not_completed_reason", (r) => r.notCompletedReason],
  ["duration_sec", (r) => r.durationSec],
  ["trunk", (r) => r.trunk],
  ["telephone_location", (r) => r.stationLocation],
  ["station_set_number", (r) => r.stationSetNumber],
  ["charge", (r) => (r.chargeCents === null ? "" : (r.chargeCents / 100).toFixed(2))],
  ["call_type", (r) => r.callType],
  ["alert", (r) => (r.alert ? "yes" : "no")],
  ["alert_type", (r) => r.alertType],
  ["recorder_channel", (r) => r.recorderChannel],
  ["acceptance", (r) => r.acceptance],
  ["ending", (r) => r.ending],
  ["call_id", (r) => r.id],
];

export async function callRecordRoutes(
  app: FastifyInstance,
  ctx: DomainContext & { exports: ExportJobs },
): Promise<void> {
  const tags = ["call records"];

  app.get<{ Querystring: CallRecordQuery }>(
    "/call-records",
    {
      config: { access: { permission: [P.menuCallRecords, P.queryCallRecords, P.menuRecordings, P.queryRecordings] } },
      schema: { tags, summary: "Call records, newest first", querystring: CallRecordQuery, response: errorResponses },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const postFilter =
        q.minDurationSec !== undefined || q.maxDurationSec !== undefined || q.inmateName || q.recordedOnly;
      const rows = await queryCallRecords(ctx.ds, await requestScope(ctx, request), {
        ...(q.facilityId ? { facilityId: q.facilityId } : {}),
        ...(q.inmateId ? { inmateId: q.inmateId } : {}),
        ...(q.stationId ? { stationId: q.stationId } : {}),
        ...(q.destination ? { destination: q.destination } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.callType ? { callType: q.callType } : {}),
        ...(q.alertOnly ? { alertOnly: true } : {}),
        ...(q.from ? { from: Date.parse(q.from) } : {}),
        ...(q.to ? { to: Date.parse(q.to) } : {}),
        ...(q.beforeStartedAt !== undefined && q.beforeId
          ? { before: { startedAt: q.beforeStartedAt, id: q.beforeId } }
          : {}),
        // Filters the store has no index for are applied here over a wider page.
        limit: postFilter ? Math.min(limit * 20, 10_000) : limit,
      });
      const name = q.inmateName?.toLowerCase();
      return rows
        .filter(
          (r) =>
            (q.minDurationSec === undefined || r.durationSec >= q.minDurationSec) &&
            (q.maxDurationSec === undefined || r.durationSec <= q.maxDurationSec) &&
            (!name || r.inmateName.toLowerCase().includes(name)) &&
            (!q.recordedOnly || (r.recorded === 1 && r.recordingFile !== null)),
        )
        .slice(0, limit)
        .map(({ recordingSignature: _s, ...r }) => r);
    },
  );

  app.post<{ Body: ExportBody }>(
    "/exports/call-records",
    {
      config: { access: { permission: [P.reportCallDetail, P.queryCallRecords] } },
      schema: {
        tags,
        summary: "Export call records as CSV (a job: poll it, then download the file)",
        body: ExportBody,
        response: { 202: ExportJobView, ...errorResponses },
      },
    },
    async (request, reply) => {
      const scope = await requestScope(ctx, request);
      const p = principalOf(request);
      const b = request.body;
      if (b.facilityId && !scope.has(b.facilityId)) throw notFound("facility");
      const filter = {
        ...(b.facilityId ? { facilityId: b.facilityId } : {}),
        ...(b.from ? { from: Date.parse(b.from) } : {}),
        ...(b.to ? { to: Date.parse(b.to) } : {}),
      };
      const job = ctx.exports.start(p.userId, "call records", "call-records.csv", async (write, progress) => {
        const ids = [...scope].filter((f) => !filter.facilityId || f === filter.facilityId);
        let countQ = ctx.ds.db
          .selectFrom("callRecords")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("privileged", "=", 0);
        countQ = ids.length ? countQ.where("facilityId", "in", ids) : countQ.where("facilityId", "=", "");
        if (filter.from !== undefined) countQ = countQ.where("startedAt", ">=", filter.from);
        if (filter.to !== undefined) countQ = countQ.where("startedAt", "<", filter.to);
        const total = Number((await countQ.executeTakeFirst())?.n ?? 0);
        write(`${exportColumns.map(([h]) => h).join(",")}\r\n`);
        let done = 0;
        let before: { startedAt: number; id: string } | undefined;
        progress(0, total);
        for (;;) {
          const page = await queryCallRecords(ctx.ds, scope, { ...filter, limit: 1000, ...(before ? { before } : {}) });
          for (const r of page) write(`${exportColumns.map(([, f]) => csvField(f(r))).join(",")}\r\n`);
          done += page.length;
          progress(done, Math.max(total, done));
          const last = page[page.length - 1];
          if (!last || page.length < 1000) break;
          before = { startedAt: last.startedAt, id: last.id };
        }
      });
      await audit(ctx, request, "call-records.export", "export", job.id, b.facilityId ?? null, null, b);
      reply.status(202);
      return job;
    },
  );

  app.get<{ Params: IdParams }>(
    "/exports/:id",
    {
      config: { access: { permission: [P.reportCallDetail, P.queryCallRecords] } },
      schema: {
        tags,
        summary: "Progress of an export",
        params: IdParams,
        response: { 200: ExportJobView, ...errorResponses },
      },
    },
    async (request) => {
      const job = ctx.exports.get(request.params.id);
      if (!job || job.ownerId !== principalOf(request).userId) throw notFound("export");
      return job;
    },
  );

  app.get<{ Params: IdParams }>(
    "/exports/:id/file",
    {
      config: { access: { permission: [P.reportCallDetail, P.queryCallRecords] } },
      schema: { tags, summary: "The finished export (CSV)", params: IdParams, response: errorResponses },
    },
    async (request, reply) => {
      const job = ctx.exports.get(request.params.id);
      const file = ctx.exports.file(request.params.id);
      if (!job || job.ownerId !== principalOf(request).userId || file === undefined) throw notFound("export");
      reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${job.fileName}"`);
      return file;
    },
  );

  app.get<{ Params: IdParams }>(
    "/call-records/:id",
    {
      config: { access: { permission: [P.menuCallRecords, P.queryCallRecords] } },
      schema: {
        tags,
        summary: "One call record with its charge recomputed from the dated rate",
        params: IdParams,
        response: errorResponses,
      },
    },
    async (request) => {
      const scope = await requestScope(ctx, request);
      const record = await getCallRecord(ctx.ds, scope, request.params.id);
      const charge = await explainCharge(ctx.ds, scope, record);
      return { record, charge };
    },
  );
}
