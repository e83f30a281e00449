/**
 * The controller's Ed25519 key pair for sealing recordings (RFC 8032), kept as PEM files:
 *   recording-seal.key  PKCS#8 private key, mode 0600, never leaves the controller
 *   recording-seal.pub  SPKI public key, handed to investigators with the recordings
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const PRIVATE_KEY_FILE = "recording-seal.key";
export const PUBLIC_KEY_FILE = "recording-seal.pub";

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  /** First 16 hex digits of SHA-256 over the SPKI DER encoding: names the key in each seal. */
  keyId: string;
}

export class SigningKeyError extends Error {
  override readonly name = "SigningKeyError";
}

/** The key id of a public key (SPKI DER hash), so a seal names the key that made it. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16);
}

/** Reads an Ed25519 public key from PEM text (what investigators are given). */
export function publicKeyFromPem(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new SigningKeyError(`not an Ed25519 key: ${key.asymmetricKeyType}`);
  return key;
}

function fromPrivate(privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== "ed25519")
    throw new SigningKeyError(`not an Ed25519 key: ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return { privateKey, publicKey, publicKeyPem, keyId: keyIdOf(publicKey) };
}

/**
 * Loads the key pair from `dir`, creating it on first use. Refuses a private key file that
 * group or others can read (as ssh does): a leaked key lets anyone forge seals.
 * Creation is atomic (written aside, then hard-linked into place, which fails if another
 * process got there first), so a crash never leaves half a key to be mistaken for one.
 */
export function loadOrCreateSigningKey(dir: string): SigningKey {
  mkdirSync(dir, { recursive: true });
  const privPath = join(dir, PRIVATE_KEY_FILE);
  const pubPath = join(dir, PUBLIC_KEY_FILE);
  if (!existsSync(privPath)) {
    const { privateKey } = generateKeyPairSync("ed25519");
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const tmp = join(dir, `.${PRIVATE_KEY_FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, pem, { mode: 0o600, flag: "wx" });
    chmodSync(tmp, 0o600); // the umask can only remove bits; make the mode exact
    try {
      linkSync(tmp, privPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  const mode = statSync(privPath).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new SigningKeyError(`${privPath} is accessible by group or others (mode ${mode.toString(8)}); chmod 600 it`);
  let key: SigningKey;
  try {
    key = fromPrivate(createPrivateKey(readFileSync(privPath, "utf8")));
  } catch (err) {
    if (err instanceof SigningKeyError) throw err;
    throw new SigningKeyError(`${privPath}: unreadable private key (${(err as Error).message})`);
  }
  if (existsSync(pubPath)) {
    const stored = publicKeyFromPem(readFileSync(pubPath, "utf8"));
    if (keyIdOf(stored) !== key.keyId)
      throw new SigningKeyError(`${pubPath} does not match ${privPath}; remove the public key to rewrite it`);
  } else {
    writeFileSync(pubPath, key.publicKeyPem, { mode: 0o644 });
  }
  return key;
}
