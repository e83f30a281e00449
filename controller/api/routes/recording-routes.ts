/**
 * Recordings: play (with byte ranges, so the player can seek: rewind and fast forward) and
 * download with the seal that proves it is unaltered. Recording: "Recordings shall be
 * electronically stamped with a tamper resistance proof of authenticity"; "multiple recorded
 * conversations to be replayed simultaneously". Every play and download is audited.
 * Searching recordings is the call-record search with `recordedOnly` (its criteria are the
 * spec's: start and end time, destination, calling telephone, duration, inmate's name).
 */
import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Permissions as P } from "../../access/permissions.ts";
import { notFound } from "../../domain/errors.ts";
import { readSeal, sealPath } from "../../recordings/integrity.ts";
import { contentRange, parseRange } from "../../recordings/range.ts";
import { getCallRecord } from "../../store/call-records.ts";
import type { CallRecordRow } from "../../store/schema.ts";
import { audit, type DomainContext, requestScope } from "../domain-context.ts";
import { errorResponses, IdParams } from "../schemas/common.ts";

export interface RecordingDeps {
  /** The recording vault's directory; files outside it are never served. */
  dir: string;
}

export async function recordingRoutes(
  app: FastifyInstance,
  ctx: DomainContext & { recordings: RecordingDeps },
): Promise<void> {
  const tags = ["recordings"];
  const root = path.resolve(ctx.recordings.dir);

  async function recordingOf(
    request: FastifyRequest<{ Params: IdParams }>,
  ): Promise<{ record: CallRecordRow; file: string; size: number }> {
    const record = await getCallRecord(ctx.ds, await requestScope(ctx, request), request.params.id);
    if (!record.recordingFile) throw notFound("recording");
    const file = path.resolve(root, record.recordingFile);
    if (!file.startsWith(root + path.sep) || !existsSync(file)) throw notFound("recording");
    return { record, file, size: (await stat(file)).size };
  }

  async function send(reply: FastifyReply, file: string, size: number, rangeHeader: string | undefined) {
    reply.header("accept-ranges", "bytes").header("content-type", "audio/wav").header("cache-control", "no-store");
    const r = parseRange(rangeHeader, size, { maxRanges: 1 });
    if (r.kind === "unsatisfiable") {
      return reply.status(416).header("content-range", r.contentRange).send();
    }
    if (r.kind === "partial" && r.ranges.length === 1) {
      const range = r.ranges[0]!;
      reply
        .status(206)
        .header("content-range", contentRange(range, size))
        .header("content-length", range.end - range.start + 1);
      return reply.send(createReadStream(file, { start: range.start, end: range.end }));
    }
    reply.header("content-length", size);
    return reply.send(createReadStream(file));
  }

  app.get<{ Params: IdParams }>(
    "/recordings/:id/audio",
    {
      config: { access: { permission: P.actionPlayRecording } },
      schema: {
        tags,
        summary: "Play a call's recording (supports Range for seeking)",
        params: IdParams,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { record, file, size } = await recordingOf(request);
      // One audit entry per listening, not per range request the player makes while seeking.
      if (!request.headers.range || /^bytes=0-/.test(request.headers.range)) {
        await audit(ctx, request, "recording.play", "recording", record.id, record.facilityId, null, {
          file: record.recordingFile,
        });
      }
      return send(reply, file, size, request.headers.range);
    },
  );

  app.get<{ Params: IdParams }>(
    "/recordings/:id/download",
    {
      config: { access: { permission: P.actionDownloadRecording } },
      schema: {
        tags,
        summary: "Download a recording; its SHA-256 and signature travel in headers and in /seal",
        params: IdParams,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { record, file, size } = await recordingOf(request);
      await audit(ctx, request, "recording.download", "recording", record.id, record.facilityId, null, {
        file: record.recordingFile,
        sha256: record.recordingHash,
      });
      reply
        .header("content-disposition", `attachment; filename="${record.id.replace(/[^A-Za-z0-9_.-]/g, "_")}.wav"`)
        .header("x-recording-sha256", record.recordingHash ?? "")
        .header("x-recording-signature", record.recordingSignature ?? "");
      return send(reply, file, size, undefined);
    },
  );

  app.get<{ Params: IdParams }>(
    "/recordings/:id/seal",
    {
      config: { access: { permission: P.actionDownloadRecording } },
      schema: {
        tags,
        summary: "The recording's seal: SHA-256, size, times and Ed25519 signature",
        params: IdParams,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const { record, file } = await recordingOf(request);
      const seal = existsSync(sealPath(file)) ? await readSeal(sealPath(file)) : null;
      if (!seal) throw notFound("seal");
      reply.header(
        "content-disposition",
        `attachment; filename="${record.id.replace(/[^A-Za-z0-9_.-]/g, "_")}.wav.seal.json"`,
      );
      return seal;
    },
  );
}
