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
import { type DomainContext, requestScope } from "../domain-context.ts";
import { errorResponses, IdParams } from "../schemas/common.ts";
import { CallRecordQuery } from "../schemas/domain.ts";

export async function callRecordRoutes(app: FastifyInstance, ctx: DomainContext): Promise<void> {
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
