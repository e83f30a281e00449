import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import {
  loadOrCreateSigningKey,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
  SigningKeyError,
} from "../../../controller/recordings/signing-key.ts";

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "yardline-keys-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("the key pair is created once as PEM files, the private key readable by its owner only", (t) => {
  const dir = tempDir(t);
  const key = loadOrCreateSigningKey(dir);
  t.is(key.privateKey.asymmetricKeyType, "ed25519");
  t.is(statSync(join(dir, PRIVATE_KEY_FILE)).mode & 0o777, 0o600);
  t.regex(key.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  t.regex(key.keyId, /^[0-9a-f]{16}$/);
  const again = loadOrCreateSigningKey(dir);
  t.is(again.keyId, key.keyId);
});

test("a private key readable by others is refused", (t) => {
  const dir = tempDir(t);
  loadOrCreateSigningKey(dir);
  chmodSync(join(dir, PRIVATE_KEY_FILE), 0o644);
  t.throws(() => loadOrCreateSigningKey(dir), { instanceOf: SigningKeyError, message: /chmod 600/ });
});

test("a public key file that does not match the private key is refused", (t) => {
  const dir = tempDir(t);
  loadOrCreateSigningKey(dir);
  const other = loadOrCreateSigningKey(tempDir(t));
  writeFileSync(join(dir, PUBLIC_KEY_FILE), other.publicKeyPem);
  t.throws(() => loadOrCreateSigningKey(dir), { instanceOf: SigningKeyError, message: /does not match/ });
});

test("a damaged private key is an error, never silently replaced", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, PRIVATE_KEY_FILE), "-----BEGIN PRIVATE KEY-----\ngarbage\n", { mode: 0o600 });
  t.throws(() => loadOrCreateSigningKey(dir), { instanceOf: SigningKeyError, message: /unreadable private key/ });
});
