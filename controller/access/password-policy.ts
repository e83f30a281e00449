/**
 * Password policy, configurable by the Central Office.
 *
 * Two presets:
 * - `nist` (the default): NIST SP 800-63B §5.1.1.2 — at least 8 characters, at least 64
 *   allowed, no composition rules, no periodic expiry, reject known-compromised values.
 * - `iwts`: the spec's own Access Control table — "Length range: 4-8. Composition: Uppercase
 *   letters (A-Z), lowercase letters (a-z), and digits (0-9). Lifetime: 6 months (with an
 *   automated prompt for the user to change when necessary)."
 */
export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  requireUpper: boolean;
  requireLower: boolean;
  requireDigit: boolean;
  /** Days before the user is prompted to change; null: never (NIST 800-63B §5.1.1.2). */
  lifetimeDays: number | null;
  /** Reject values from the common-password list (NIST 800-63B §5.1.1.2). */
  rejectCommon: boolean;
}

export const nistPolicy: PasswordPolicy = {
  minLength: 8,
  maxLength: 64,
  requireUpper: false,
  requireLower: false,
  requireDigit: false,
  lifetimeDays: null,
  rejectCommon: true,
};

export const iwtsPolicy: PasswordPolicy = {
  minLength: 4,
  maxLength: 8,
  requireUpper: true,
  requireLower: true,
  requireDigit: true,
  // "Lifetime: 6 months": 182 days.
  lifetimeDays: 182,
  rejectCommon: true,
};

/** The most common passwords in public breach corpora; a short list, checked case-insensitively. */
const common = new Set([
  "password",
  "password1",
  "password123",
  "12345678",
  "123456789",
  "1234567890",
  "qwerty123",
  "qwertyuiop",
  "iloveyou",
  "admin123",
  "welcome1",
  "letmein1",
  "abc12345",
  "11111111",
  "00000000",
  "passw0rd",
  "p@ssw0rd",
  "changeme",
  "sunshine",
  "football",
  "baseball",
  "trustno1",
  "Abc123",
  "Passw0rd",
]);

/** Problems with a proposed password, as sentences; empty when the password is acceptable. */
export function checkPassword(policy: PasswordPolicy, password: string, username = ""): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < policy.minLength) problems.push(`must be at least ${policy.minLength} characters`);
  if (length > policy.maxLength) problems.push(`must be at most ${policy.maxLength} characters`);
  if (policy.requireUpper && !/[A-Z]/.test(password)) problems.push("must contain an uppercase letter (A-Z)");
  if (policy.requireLower && !/[a-z]/.test(password)) problems.push("must contain a lowercase letter (a-z)");
  if (policy.requireDigit && !/[0-9]/.test(password)) problems.push("must contain a digit (0-9)");
  if (policy.rejectCommon) {
    const lower = password.toLowerCase();
    if ([...common].some((c) => c.toLowerCase() === lower)) problems.push("is a commonly used password");
    if (username && lower === username.toLowerCase()) problems.push("must not be the user name");
  }
  return problems;
}

/** True when a password changed at `changedAtMs` must be changed at `nowMs`. */
export function passwordExpired(policy: PasswordPolicy, changedAtMs: number, nowMs: number): boolean {
  if (policy.lifetimeDays === null) return false;
  return nowMs - changedAtMs >= policy.lifetimeDays * 86_400_000;
}
