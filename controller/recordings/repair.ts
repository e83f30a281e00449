/**
 * Making a recording cut short by a crash playable again, and sealing it as interrupted.
 *
 * The recorder writes a header with placeholder sizes first and fixes them on close
 * (AudioMediaRecorder.close). After a crash the RIFF and data sizes are 0 or stale, which most
 * players read as "no audio" or stop early. The samples themselves are intact up to the last
 * write, so rewriting the two sizes from the file's real length recovers everything on disk.
 */
import { type FileHandle, open, stat } from "node:fs/promises";
import type { Clock } from "../../telephony/clock.ts";
import { type RecordingSeal, sealRecording } from "./integrity.ts";
import type { SigningKey } from "./signing-key.ts";
import { parseWavHeader, WavFormatError, type WavHeader } from "./wav.ts";

export interface RepairResult {
  /** ok: nothing to fix; repaired: sizes rewritten; unrepairable: no usable header (see reason). */
  status: "ok" | "repaired" | "unrepairable";
  /** What was done, in words, for the log and the call record. */
  actions: string[];
  reason?: string;
  before?: { riffSize: number; dataSize: number; fileSize: number };
  after?: { riffSize: number; dataSize: number; fileSize: number };
  /** Audio left in the file, from the data size and byte rate. */
  durationMs?: number;
}

/** Enough of the file to hold every chunk before the samples. */
const HEADER_PROBE_BYTES = 64 * 1024;
/** A size some writers leave while streaming: "unknown, read to the end". */
const STREAMING_SIZE = 0xffffffff;

/**
 * Whether the bytes at `off` are a chunk (e.g. a LIST written on close) that ends exactly at
 * the end of the file, rather than samples written after a stale data size.
 */
async function chunkEndsFileAt(fh: FileHandle, off: number, fileSize: number): Promise<boolean> {
  if (off + 8 > fileSize) return false;
  const head = Buffer.alloc(8);
  await fh.read(head, 0, 8, off);
  const size = head.readUInt32LE(4);
  return /^[\x20-\x7e]{4}$/.test(head.toString("latin1", 0, 4)) && off + 8 + size + (size % 2) === fileSize;
}

/**
 * Rewrites the RIFF and data sizes of `file` from its real length. A trailing partial sample
 * frame (a write torn mid-frame) is cut off; an odd data length gets its RIFF pad byte.
 * Safe to run on a file that is already correct (status "ok", file untouched). Must not run on
 * a file a recorder still has open: the controller repairs at start-up, before taking calls.
 */
export async function repairWav(file: string): Promise<RepairResult> {
  const fh = await open(file, "r+");
  try {
    const fileSize = (await fh.stat()).size;
    const probe = Buffer.alloc(Math.min(fileSize, HEADER_PROBE_BYTES));
    await fh.read(probe, 0, probe.length, 0);
    let h: WavHeader;
    try {
      h = parseWavHeader(probe);
    } catch (err) {
      if (err instanceof WavFormatError)
        return { status: "unrepairable", actions: [], reason: `${err.code}: ${err.message}` };
      throw err;
    }
    const before = { riffSize: h.riffSize, dataSize: h.dataSize, fileSize };
    const blockAlign = Math.max(1, h.format.blockAlign);
    const onDisk = fileSize - h.dataOffset;
    const declaredEnd = h.dataOffset + h.dataSize + (h.dataSize % 2);
    const declaredFits =
      h.dataSize !== STREAMING_SIZE &&
      h.dataSize > 0 &&
      (declaredEnd === fileSize || (declaredEnd < fileSize && (await chunkEndsFileAt(fh, declaredEnd, fileSize))));
    const actions: string[] = [];
    let dataSize = h.dataSize;
    let newFileSize = fileSize;
    if (!declaredFits) {
      dataSize = onDisk - (onDisk % blockAlign);
      if (dataSize !== onDisk) {
        actions.push(`dropped ${onDisk - dataSize} byte(s) of a torn final sample frame`);
        newFileSize = h.dataOffset + dataSize;
        await fh.truncate(newFileSize);
      }
      if (dataSize % 2 === 1) {
        // RIFF chunks are word aligned: an odd-sized data chunk is followed by a pad byte.
        await fh.write(Buffer.alloc(1), 0, 1, newFileSize);
        newFileSize += 1;
        actions.push("added the RIFF pad byte after odd-sized data");
      }
      if (dataSize !== h.dataSize) actions.push(`data size ${h.dataSize} -> ${dataSize}`);
    }
    const riffSize = newFileSize - 8;
    if (riffSize !== h.riffSize) actions.push(`RIFF size ${h.riffSize} -> ${riffSize}`);
    if (actions.length === 0) {
      return { status: "ok", actions, before, after: before, durationMs: durationOf(h, dataSize) };
    }
    const sizes = Buffer.alloc(4);
    sizes.writeUInt32LE(riffSize, 0);
    await fh.write(sizes, 0, 4, 4);
    sizes.writeUInt32LE(dataSize, 0);
    await fh.write(sizes, 0, 4, h.dataOffset - 4);
    await fh.sync();
    return {
      status: "repaired",
      actions,
      before,
      after: { riffSize, dataSize, fileSize: newFileSize },
      durationMs: durationOf(h, dataSize),
    };
  } finally {
    await fh.close();
  }
}

function durationOf(h: WavHeader, dataSize: number): number | undefined {
  return h.format.byteRate > 0 ? Math.round((dataSize / h.format.byteRate) * 1000) : undefined;
}

export interface RecoveredRecording {
  repair: RepairResult;
  /** Absent when the file had no usable header. */
  seal?: RecordingSeal;
}

/**
 * A recording found open after a crash: repair it and seal it with status "interrupted", its
 * end time taken from the file's last modification (the last moment audio reached disk).
 * The call record should say the call was interrupted (the CDR side's job).
 */
export async function recoverRecording(
  file: string,
  meta: { callId: string; startedAt: number },
  key: SigningKey,
  clock: Clock,
): Promise<RecoveredRecording> {
  // Before repairing: the repair itself writes the file and would move its mtime to now.
  const lastWrite = (await stat(file)).mtimeMs;
  const repair = await repairWav(file);
  if (repair.status === "unrepairable") return { repair };
  const endedAt = Math.max(meta.startedAt, Math.floor(lastWrite));
  const seal = await sealRecording(
    file,
    { callId: meta.callId, startedAt: meta.startedAt, endedAt, status: "interrupted" },
    key,
    clock,
  );
  return { repair, seal };
}
