/**
 * What the inmate dialled, read the one statewide way ("Placing Calls": a dialing pattern
 * that is the same at every facility): 7 or 10 digits or 1+10 for North American numbers,
 * 011+ for international; operator (0, 0+), N11 service codes and carrier access codes
 * (101XXXX) are recognised so they can be blocked as such.
 */
export type Dialled =
  | { kind: "nanp"; digits: string; e164: string; npa: string; nxx: string }
  | { kind: "international"; digits: string; e164: string }
  | { kind: "operator"; digits: string }
  | { kind: "n11"; digits: string; code: string }
  | { kind: "carrier-access"; digits: string }
  | { kind: "invalid"; digits: string };

const NANP10 = /^[2-9]\d{2}[2-9]\d{6}$/;

export function parseDialled(raw: string, facilityNpa: string): Dialled {
  const digits = raw.replace(/[\s()+.-]/g, "");
  if (!/^\d+$/.test(digits)) return { kind: "invalid", digits: raw };
  if (digits.startsWith("011")) {
    const rest = digits.slice(3);
    if (rest.length < 7 || rest.length > 15 || rest.startsWith("0")) return { kind: "invalid", digits };
    if (rest.startsWith("1")) return nanp(rest.slice(1), digits);
    return { kind: "international", digits, e164: `+${rest}` };
  }
  if (/^[2-9]11$/.test(digits)) return { kind: "n11", digits, code: digits };
  if (digits.startsWith("101") && digits.length >= 7) return { kind: "carrier-access", digits };
  if (digits.startsWith("0")) return { kind: "operator", digits };
  if (digits.length === 11 && digits.startsWith("1")) return nanp(digits.slice(1), digits);
  if (digits.length === 7) return nanp(facilityNpa + digits, digits);
  return nanp(digits, digits);
}

function nanp(ten: string, digits: string): Dialled {
  if (!NANP10.test(ten)) return { kind: "invalid", digits };
  return { kind: "nanp", digits, e164: `+1${ten}`, npa: ten.slice(0, 3), nxx: ten.slice(3, 6) };
}

/**
 * A number typed into a list (blocked, hot, privileged, approved) to E.164, or undefined.
 * Accepts +E.164, 10 digits, 1+10 and 011+international.
 */
export function normalizeNumber(input: string): string | undefined {
  const s = input.trim();
  // Fast path for the common list format (10 digits), which bulk imports are made of.
  if (s.length === 10 && NANP10.test(s)) return `+1${s}`;
  if (s.startsWith("+")) {
    const d = s.slice(1).replace(/[\s().-]/g, "");
    if (!/^[1-9]\d{6,14}$/.test(d)) return undefined;
    if (d.startsWith("1") && !NANP10.test(d.slice(1))) return undefined;
    return `+${d}`;
  }
  const p = parseDialled(s, "000");
  if ((p.kind === "nanp" && p.digits.length !== 7) || p.kind === "international") return p.e164;
  return undefined;
}

/** The numeric key of an E.164 number (digits only; at most 15 digits, exact in a double). */
export function numberKey(e164: string): number {
  return Number(e164.slice(1));
}
