/** A sealed recording on disk attached to a call record, as the recorder leaves one. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { sealRecording, writeSeal } from "../../../controller/recordings/integrity.ts";
import { loadOrCreateSigningKey } from "../../../controller/recordings/signing-key.ts";
import type { DomainStore } from "../../../controller/store/domain-store.ts";
import { SystemClock } from "../../../telephony/clock.ts";

/** A mono 8 kHz 16-bit WAV of a 440 Hz tone. */
export function toneWav(seconds: number): Buffer {
  const rate = 8000;
  const n = rate * seconds;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write("RIFF", 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write("WAVEfmt ", 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return buf;
}

export async function recordedCall(
  ds: DomainStore,
  dir: string,
  call: {
    id: string;
    facilityId: string;
    facilityName: string;
    stationId: string;
    inmateName: string;
    destination: string;
    startedAt: number;
  },
): Promise<{ file: string; sha256: string }> {
  const file = path.join(dir, `${call.id}.wav`);
  writeFileSync(file, toneWav(20));
  const key = loadOrCreateSigningKey(path.join(dir, "keys"));
  const seal = await sealRecording(
    file,
    { callId: call.id, startedAt: call.startedAt, endedAt: call.startedAt + 20_000 },
    key,
    new SystemClock(),
  );
  await writeSeal(file, seal);
  const d = new Date(call.startedAt).toISOString();
  await ds.db
    .insertInto("callRecords")
    .values({
      id: call.id,
      status: "completed",
      facilityId: call.facilityId,
      facilityName: call.facilityName,
      timeZone: "America/Los_Angeles",
      stationId: call.stationId,
      stationSetNumber: 1,
      inmateId: null,
      inmateName: call.inmateName,
      dialledDigits: call.destination.slice(2),
      destination: call.destination,
      callType: "local",
      startedAt: call.startedAt,
      localDate: d.slice(0, 10),
      localTime: d.slice(11, 19),
      answeredAt: call.startedAt + 5000,
      acceptedAt: call.startedAt + 8000,
      endedAt: call.startedAt + 28_000,
      durationSec: 20,
      decision: "allowed",
      recorded: 1,
      recordingFile: path.basename(file),
      recordingHash: seal.sha256,
      recordingSignature: seal.signature,
      chargeCents: 5,
    })
    .execute();
  return { file, sha256: seal.sha256 };
}
