import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import {
  readSeal,
  sealRecording,
  sealStatement,
  unsealedRecordings,
  verifyRecording,
  writeSeal,
} from "../../../controller/recordings/integrity.ts";
import { loadOrCreateSigningKey, PUBLIC_KEY_FILE } from "../../../controller/recordings/signing-key.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { makeWav } from "../prompts/wav-fixtures.ts";

const CLI = fileURLToPath(new URL("../../../controller/recordings/verify-cli.ts", import.meta.url));
const START = Date.UTC(2026, 2, 1, 18, 0, 0);

function setup(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), "yardline-seal-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const key = loadOrCreateSigningKey(join(dir, "keys"));
  const clock = new VirtualClock(START + 600_000);
  const file = join(dir, "call-42.wav");
  writeFileSync(file, makeWav({ channels: 2, dataBytes: 32_000 }));
  return { dir, key, clock, file, pub: join(dir, "keys", PUBLIC_KEY_FILE) };
}

const META = { callId: "call-42", startedAt: START, endedAt: START + 590_000 };

test("a sealed recording verifies with the public key", async (t) => {
  const { key, clock, file } = setup(t);
  const seal = await sealRecording(file, META, key, clock);
  t.is(seal.status, "complete");
  t.is(seal.signedAt, new Date(START + 600_000).toISOString());
  t.is(seal.size, readFileSync(file).length);
  t.regex(seal.sha256, /^[0-9a-f]{64}$/);
  const result = await verifyRecording(file, seal, key.publicKey);
  t.deepEqual(result.problems, []);
  t.true(result.valid);
});

test("one flipped byte in the audio is detected", async (t) => {
  const { key, clock, file } = setup(t);
  const seal = await sealRecording(file, META, key, clock);
  const bytes = readFileSync(file);
  bytes[20_000] = (bytes[20_000] as number) ^ 0x01;
  writeFileSync(file, bytes);
  const result = await verifyRecording(file, seal, key.publicKey);
  t.false(result.valid);
  t.deepEqual(result.problems, ["hash-mismatch"]);
});

test("a cut recording is detected by size and hash", async (t) => {
  const { key, clock, file } = setup(t);
  const seal = await sealRecording(file, META, key, clock);
  writeFileSync(file, readFileSync(file).subarray(0, 10_000));
  const result = await verifyRecording(file, seal, key.publicKey);
  t.deepEqual(result.problems, ["size-mismatch", "hash-mismatch"]);
});

test("a seal checked with another controller's key fails", async (t) => {
  const { key, clock, file } = setup(t);
  const other = setup(t).key;
  const seal = await sealRecording(file, META, key, clock);
  const result = await verifyRecording(file, seal, other.publicKey);
  t.false(result.valid);
  t.deepEqual(result.problems, ["key-mismatch", "bad-signature"]);
});

test("editing a signed field (the call's times) breaks the signature", async (t) => {
  const { key, clock, file } = setup(t);
  const seal = await sealRecording(file, META, key, clock);
  const forged = { ...seal, endedAt: new Date(START + 60_000).toISOString() };
  const result = await verifyRecording(file, forged, key.publicKey);
  t.deepEqual(result.problems, ["bad-signature"]);
});

test("a call id that would break the statement's lines is refused", async (t) => {
  const { key, clock, file } = setup(t);
  await t.throwsAsync(sealRecording(file, { ...META, callId: "a\nsha256: 00" }, key, clock), { message: /call id/ });
});

test("the signed statement verifies with plain OpenSSL, without our code", async (t) => {
  const { dir, key, clock, file, pub } = setup(t);
  const seal = await sealRecording(file, META, key, clock);
  const { signature, ...unsigned } = seal;
  writeFileSync(join(dir, "statement.txt"), sealStatement(unsigned));
  writeFileSync(join(dir, "sig.bin"), Buffer.from(signature, "base64"));
  const verifyWith = (statement: string) =>
    execFileSync(
      "openssl",
      ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", statement, "-sigfile", join(dir, "sig.bin")],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
  t.regex(verifyWith(join(dir, "statement.txt")), /Signature Verified Successfully/);
  const sha = execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0];
  t.true(sealStatement(unsigned).includes(`sha256: ${sha}\n`));
  writeFileSync(join(dir, "forged.txt"), sealStatement({ ...unsigned, callId: "call-43" }));
  t.throws(() => verifyWith(join(dir, "forged.txt")));
});

function runCli(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import=tsx", CLI, ...args], { encoding: "utf8" }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
}

test("the verify CLI says VALID with the public key alone, INVALID after tampering", async (t) => {
  const { key, clock, file, pub } = setup(t);
  await writeSeal(file, await sealRecording(file, META, key, clock));
  t.is((await readSeal(`${file}.seal.json`)).callId, "call-42");
  const ok = await runCli(["--key", pub, file]);
  t.is(ok.code, 0, ok.stdout);
  t.regex(ok.stdout, /VALID {2}.*call-42, complete/);
  const bytes = readFileSync(file);
  bytes[100] = (bytes[100] as number) ^ 0x80;
  writeFileSync(file, bytes);
  const bad = await runCli(["--key", pub, file]);
  t.is(bad.code, 1);
  t.regex(bad.stdout, /INVALID \(hash-mismatch\)/);
  const usage = await runCli([file]);
  t.is(usage.code, 2);
});

test("recordings without a seal are found for recovery at start-up", async (t) => {
  const { dir, key, clock, file } = setup(t);
  const other = join(dir, "call-43.wav");
  writeFileSync(other, makeWav());
  writeFileSync(join(dir, "notes.txt"), "not a recording");
  t.deepEqual(await unsealedRecordings(dir), [file, other]);
  await writeSeal(file, await sealRecording(file, META, key, clock));
  t.deepEqual(await unsealedRecordings(dir), [other]);
});
