/**
 * Where recordings live and how they are sealed: one WAV per call under
 * `<dir>/<YYYY>/<MM>/<DD>/<call id>.wav` (UTC date of off-hook), a `<file>.seal.json` beside it
 * holding the SHA-256 and Ed25519 signature, and first-use recorded names under `<dir>/names/`.
 */
import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Clock } from "../../telephony/clock.ts";
import { sealRecording, writeSeal } from "../recordings/integrity.ts";
import type { SigningKey } from "../recordings/signing-key.ts";
import type { RecordingSeal, RecordingVault } from "./ports.ts";

export class FileVault implements RecordingVault {
  private readonly dir: string;
  private readonly key: SigningKey;
  private readonly clock: Clock;

  constructor(dir: string, key: SigningKey, clock: Clock) {
    this.dir = dir;
    this.key = key;
    this.clock = clock;
  }

  pathFor(callId: string, startedAt: number): string {
    const d = new Date(startedAt).toISOString();
    const folder = path.join(this.dir, d.slice(0, 4), d.slice(5, 7), d.slice(8, 10));
    mkdirSync(folder, { recursive: true });
    return path.join(folder, `${safe(callId)}.wav`);
  }

  namePathFor(inmateId: string): string {
    const folder = path.join(this.dir, "names");
    mkdirSync(folder, { recursive: true });
    return path.join(folder, `${safe(inmateId)}.wav`);
  }

  async seal(file: string, meta: { callId: string; startedAt: number; endedAt: number }): Promise<RecordingSeal> {
    const seal = await sealRecording(file, meta, this.key, this.clock);
    await writeSeal(file, seal);
    return { sha256: seal.sha256, signature: seal.signature };
  }

  async destroy(file: string): Promise<void> {
    await rm(file, { force: true });
  }
}

function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_");
}
