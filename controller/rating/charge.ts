/**
 * Charges. Rates are integer mills (tenths of a cent) per minute, so a $0.105 rate is exact;
 * the charge is computed exactly in integers and rounded half-up to the cent once, at the end.
 * Billing starts at acceptance ("Collect calls shall not be connected nor shall billing
 * commence until the called party indicates acceptance of the call") and is per billing
 * increment (60 s: per started minute; 1 s: per second), never in blocks longer than a
 * minute (flat 15-minute blocks are unlawful — regulatory reference).
 */
export interface RateTerms {
  rateId: string;
  perMinuteMills: number;
  billingIncrementSec: number;
  effectiveFrom: string;
}

export interface Charge {
  billedUnits: number;
  billedSeconds: number;
  amountCents: number;
  explanation: string;
}

export function formatMills(mills: number): string {
  const cents = mills / 10;
  return `$${(cents / 100).toFixed(mills % 10 === 0 ? 2 : 3)}`;
}

export function formatCents(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

/** Charge of a call that lasted `durationSec` from acceptance to the first hang-up. */
export function computeCharge(durationSec: number, rate: RateTerms): Charge {
  const secs = Math.max(0, Math.ceil(durationSec));
  const inc = rate.billingIncrementSec;
  const units = Math.ceil(secs / inc);
  const billedSeconds = units * inc;
  // amount in cents = billedSeconds/60 min × mills/10 ¢ = billedSeconds × mills / 600, half-up.
  const num = billedSeconds * rate.perMinuteMills;
  const amountCents = Math.floor((2 * num + 600) / 1200);
  const unitText =
    inc === 60 ? `${units} started minute${units === 1 ? "" : "s"}` : `${units} × ${inc} s = ${billedSeconds} s`;
  const explanation =
    `${secs} s from acceptance; billed ${unitText} at ${formatMills(rate.perMinuteMills)}/min ` +
    `(rate ${rate.rateId}, effective ${rate.effectiveFrom}) = ${formatCents(amountCents)}, rounded half-up to the cent; no other fees`;
  return { billedUnits: units, billedSeconds, amountCents, explanation };
}
