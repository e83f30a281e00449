import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { verifyRecording } from "../../../controller/recordings/integrity.ts";
import { recoverRecording, repairWav } from "../../../controller/recordings/repair.ts";
import { loadOrCreateSigningKey } from "../../../controller/recordings/signing-key.ts";
import { VirtualClock } from "../../../telephony/clock.ts";

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "yardline-repair-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A real recording-shaped WAV from sox: 8 kHz, 16-bit, stereo (inmate left, called party right). */
function soxWav(file: string, seconds: number, channels = 2): void {
  execFileSync("sox", [
    "-n",
    "-r",
    "8000",
    "-c",
    String(channels),
    "-b",
    "16",
    "-e",
    "signed-integer",
    file,
    "synth",
    String(seconds),
    "sine",
    "440",
  ]);
}

function soxiSamples(file: string): number {
  return Number(execFileSync("soxi", ["-s", file], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
}

/** What a crash leaves: the recorder's placeholder sizes (0) and a write torn mid-frame. */
function crash(file: string, keepBytes: number): void {
  const bytes = readFileSync(file).subarray(0, keepBytes);
  bytes.writeUInt32LE(0, 4);
  bytes.writeUInt32LE(0, 40);
  writeFileSync(file, bytes);
}

test("a recording cut short by a crash is readable by soxi after repair, with every whole frame", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "call.wav");
  soxWav(file, 3);
  const keep = 44 + 8000 * 4 * 2 + 3; // two seconds of stereo frames plus 3 bytes of a torn frame
  crash(file, keep);
  t.not(soxiSamples(file), 16000, "the crashed file should not already read as two seconds");
  const result = await repairWav(file);
  t.is(result.status, "repaired");
  t.deepEqual(result.after, { riffSize: 36 + 64_000, dataSize: 64_000, fileSize: 44 + 64_000 });
  t.is(result.durationMs, 2000);
  t.true(result.actions.some((a) => a.includes("torn final sample frame")));
  t.is(statSync(file).size, 44 + 64_000);
  t.is(soxiSamples(file), 16000);
  t.is(Number(execFileSync("soxi", ["-c", file], { encoding: "utf8" })), 2);
  // sox can decode the whole file without complaint.
  execFileSync("sox", [file, "-n", "stat"], { stdio: "ignore" });
});

test("a data size left stale by a periodic header update is extended to the real length", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "call.wav");
  soxWav(file, 2, 1);
  const bytes = readFileSync(file);
  bytes.writeUInt32LE(8000, 40); // header last updated after half a second
  bytes.writeUInt32LE(36 + 8000, 4);
  writeFileSync(file, bytes);
  const result = await repairWav(file);
  t.is(result.status, "repaired");
  t.is(result.after?.dataSize, 32_000);
  t.is(soxiSamples(file), 16000);
});

test("the streaming size 0xFFFFFFFF is replaced by the real length", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "call.wav");
  soxWav(file, 1, 1);
  const bytes = readFileSync(file);
  bytes.writeUInt32LE(0xffffffff, 40);
  bytes.writeUInt32LE(0xffffffff, 4);
  writeFileSync(file, bytes);
  t.is((await repairWav(file)).after?.dataSize, 16_000);
  t.is(soxiSamples(file), 8000);
});

test("a file that is already correct is left byte for byte as it was", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "call.wav");
  soxWav(file, 1);
  const before = readFileSync(file);
  const result = await repairWav(file);
  t.is(result.status, "ok");
  t.deepEqual(result.actions, []);
  t.true(readFileSync(file).equals(before));
});

test("a chunk written after the data on close is kept, not swallowed into the audio", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "call.wav");
  soxWav(file, 1, 1);
  const list = Buffer.alloc(8 + 10);
  list.write("LIST", 0, "latin1");
  list.writeUInt32LE(10, 4);
  appendFileSync(file, list);
  const bytes = readFileSync(file);
  bytes.writeUInt32LE(bytes.length - 8 - 100, 4); // only the RIFF size is wrong
  writeFileSync(file, bytes);
  const result = await repairWav(file);
  t.is(result.status, "repaired");
  t.is(result.after?.dataSize, 16_000);
  t.is(result.after?.riffSize, bytes.length - 8);
});

test("an odd-length mu-law recording gets its pad byte", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "call.wav");
  execFileSync("sox", [
    "-n",
    "-r",
    "8000",
    "-c",
    "1",
    "-e",
    "u-law",
    "-t",
    "wavpcm",
    file,
    "synth",
    "1",
    "sine",
    "300",
  ]);
  const bytes = readFileSync(file);
  const dataOffset = bytes.indexOf("data", 12, "latin1") + 8;
  const cut = bytes.subarray(0, dataOffset + 4001);
  cut.writeUInt32LE(0, 4);
  cut.writeUInt32LE(0, dataOffset - 4);
  writeFileSync(file, cut);
  const result = await repairWav(file);
  t.is(result.after?.dataSize, 4001);
  t.is(statSync(file).size, dataOffset + 4002);
  t.is(soxiSamples(file), 4001);
});

test("a file with no WAV header cannot be repaired and says why", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "call.wav");
  writeFileSync(file, Buffer.alloc(10));
  const result = await repairWav(file);
  t.is(result.status, "unrepairable");
  t.regex(result.reason ?? "", /too-short/);
});

test("a recording found after a crash is repaired and sealed as interrupted", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "call.wav");
  soxWav(file, 2);
  crash(file, 44 + 32_000);
  const start = Date.UTC(2026, 2, 1, 18, 0, 0);
  const lastWrite = start + 95_000; // the crash: audio stopped reaching disk 95 s into the call
  utimesSync(file, lastWrite / 1000, lastWrite / 1000);
  const key = loadOrCreateSigningKey(join(dir, "keys"));
  const clock = new VirtualClock(start + 400_000);
  const { repair, seal } = await recoverRecording(file, { callId: "call-7", startedAt: start }, key, clock);
  t.is(repair.status, "repaired");
  t.is(seal?.status, "interrupted");
  t.is(seal?.endedAt, new Date(lastWrite).toISOString());
  t.is(seal?.signedAt, new Date(start + 400_000).toISOString());
  if (!seal) return;
  t.true((await verifyRecording(file, seal, key.publicKey)).valid);
  t.is(soxiSamples(file), 8000);
});
