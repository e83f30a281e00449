/**
 * PINs are stored as HMAC-SHA256(pinKey, pin). A keyed hash rather than a salted slow hash
 * (scrypt/argon2) because the call path must find an inmate *by* PIN in one map lookup, which
 * a per-row salt makes impossible; and a 4–8 digit PIN has so few values that a slow hash
 * would not stop an offline search anyway. The key is what protects them: keep it outside the
 * database (DomainStoreOptions.pinKey) and a stolen database alone reveals no PIN.
 */
import { createHmac, randomInt } from "node:crypto";
import { invalid } from "./errors.ts";

export const PIN_PATTERN = /^\d{4,12}$/;

export function hashPin(key: Buffer, pin: string): string {
  return createHmac("sha256", key).update(pin).digest("hex");
}

export function checkPinFormat(pin: string): void {
  if (!PIN_PATTERN.test(pin)) throw invalid("a PIN is 4 to 12 digits");
}

/** A random PIN of `length` digits (leading zeros allowed). */
export function randomPin(length = 6): string {
  let s = "";
  for (let i = 0; i < length; i++) s += String(randomInt(10));
  return s;
}
