/**
 * Tamper evidence for call recordings.
 *
 * "Recordings shall be electronically stamped with a tamper resistance proof of authenticity or
 * security envelope to insure with technical certainty the authenticity and integrity of the
 * record." (IWTS, Recording Requirements)
 *
 * When a call ends the controller hashes the WAV (SHA-256, FIPS 180-4) and signs a short
 * canonical text statement of the hash, the call id and the times with its Ed25519 key
 * (RFC 8032). Anyone holding the public key can check a recording, with this module's CLI or
 * with plain OpenSSL (docs/recordings.md), without access to the controller.
 */
import { createHash, type KeyObject, sign, verify } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../../telephony/clock.ts";
import { keyIdOf, type SigningKey } from "./signing-key.ts";

/** How the recording ended: normally, or cut short by a crash and repaired afterwards. */
export type RecordingStatus = "complete" | "interrupted";

export interface RecordingMeta {
  callId: string;
  /** Epoch milliseconds. */
  startedAt: number;
  endedAt: number;
  status?: RecordingStatus;
}

export interface RecordingSeal {
  version: 1;
  callId: string;
  status: RecordingStatus;
  /** ISO 8601 UTC. */
  startedAt: string;
  endedAt: string;
  signedAt: string;
  size: number;
  sha256: string;
  keyId: string;
  /** Ed25519 signature over `sealStatement(seal)`, base64. */
  signature: string;
}

export class SealError extends Error {
  override readonly name = "SealError";
}

const STATEMENT_HEADER = "yardline-recording-seal 1";
/** Call ids are opaque tokens: printable ASCII without spaces, so the statement stays one field per line. */
const CALL_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The exact bytes that are signed: one `name: value` per line, fixed order, LF endings, UTF-8
 * (ASCII in practice). Text rather than JSON so an investigator can read what was signed and
 * rebuild it by hand; no canonicalisation rules to get wrong.
 */
export function sealStatement(s: Omit<RecordingSeal, "signature">): string {
  return [
    STATEMENT_HEADER,
    `call-id: ${s.callId}`,
    `status: ${s.status}`,
    `started-at: ${s.startedAt}`,
    `ended-at: ${s.endedAt}`,
    `signed-at: ${s.signedAt}`,
    `size: ${s.size}`,
    `sha256: ${s.sha256}`,
    `key-id: ${s.keyId}`,
    "",
  ].join("\n");
}

/** SHA-256 and length of a file, streamed (recordings can be hundreds of megabytes). */
export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

function iso(ms: number, what: string): string {
  if (!Number.isFinite(ms)) throw new SealError(`${what} is not a time`);
  return new Date(ms).toISOString();
}

/** Hashes and signs a finished recording. Call after the recorder has closed the file. */
export async function sealRecording(
  file: string,
  meta: RecordingMeta,
  key: SigningKey,
  clock: Clock,
): Promise<RecordingSeal> {
  if (!CALL_ID.test(meta.callId)) throw new SealError(`call id must be 1-128 printable characters: ${meta.callId}`);
  if (meta.endedAt < meta.startedAt) throw new SealError("call ends before it starts");
  const { sha256, size } = await hashFile(file);
  const unsigned = {
    version: 1 as const,
    callId: meta.callId,
    status: meta.status ?? "complete",
    startedAt: iso(meta.startedAt, "startedAt"),
    endedAt: iso(meta.endedAt, "endedAt"),
    signedAt: iso(clock.now(), "signedAt"),
    size,
    sha256,
    keyId: key.keyId,
  };
  const signature = sign(null, Buffer.from(sealStatement(unsigned), "utf8"), key.privateKey).toString("base64");
  return { ...unsigned, signature };
}

export type VerifyProblem = "size-mismatch" | "hash-mismatch" | "bad-signature" | "key-mismatch" | "malformed-seal";

export interface VerifyResult {
  valid: boolean;
  /** Every check that failed; empty when valid. */
  problems: VerifyProblem[];
  /** What the file hashes to now. */
  actual: { sha256: string; size: number };
}

/**
 * Checks a recording against its seal with the public key alone. The file must hash to the
 * sealed value and the signature must verify over the statement; a key id that differs from
 * the key given is reported too (it explains a bad signature: wrong key, not forgery).
 */
export async function verifyRecording(file: string, seal: RecordingSeal, publicKey: KeyObject): Promise<VerifyResult> {
  const actual = await hashFile(file);
  const problems: VerifyProblem[] = [];
  if (!isSeal(seal)) return { valid: false, problems: ["malformed-seal"], actual };
  if (actual.size !== seal.size) problems.push("size-mismatch");
  if (actual.sha256 !== seal.sha256) problems.push("hash-mismatch");
  if (keyIdOf(publicKey) !== seal.keyId) problems.push("key-mismatch");
  const { signature, ...unsigned } = seal;
  let ok: boolean;
  try {
    ok = verify(null, Buffer.from(sealStatement(unsigned), "utf8"), publicKey, Buffer.from(signature, "base64"));
  } catch {
    ok = false; // a signature of the wrong length, or a key that is not Ed25519
  }
  if (!ok) problems.push("bad-signature");
  return { valid: problems.length === 0, problems, actual };
}

/** Shape check for a seal read from disk (a boundary: the file may be anything). */
export function isSeal(v: unknown): v is RecordingSeal {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Record<string, unknown>;
  const str = (k: string) => typeof s[k] === "string";
  return (
    s.version === 1 &&
    str("callId") &&
    (s.status === "complete" || s.status === "interrupted") &&
    str("startedAt") &&
    str("endedAt") &&
    str("signedAt") &&
    typeof s.size === "number" &&
    str("sha256") &&
    str("keyId") &&
    str("signature")
  );
}

/** The seal's file beside the recording. */
export function sealPath(recording: string): string {
  return `${recording}.seal.json`;
}

export async function writeSeal(recording: string, seal: RecordingSeal): Promise<string> {
  const path = sealPath(recording);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(seal, null, 2)}\n`);
  await rename(tmp, path);
  return path;
}

export async function readSeal(path: string): Promise<RecordingSeal> {
  const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
  if (!isSeal(parsed)) throw new SealError(`${path} is not a recording seal`);
  return parsed;
}

/**
 * Recordings in `dir` that have no seal: calls that were in progress when the controller
 * stopped. At start-up, before taking calls, each goes through `recoverRecording` (repair.ts).
 */
export async function unsealedRecordings(dir: string): Promise<string[]> {
  const names = new Set(await readdir(dir));
  return [...names]
    .filter((n) => n.endsWith(".wav") && !names.has(`${n}.seal.json`))
    .sort()
    .map((n) => join(dir, n));
}
