/**
 * Numbers, money, durations and key names as sequences of word prompts, so a rate or a
 * remaining time is spoken by concatenating files made at build time, never synthesized while
 * a call waits. Pure functions over prompt ids; `PromptLibrary` turns them into files.
 */
import type { Lang, NumberPromptId } from "./catalogue.ts";

/** The largest number we speak: amounts and minutes stay far below it. */
export const MAX_SPOKEN_NUMBER = 999_999;

export interface SayNumberOptions {
  /**
   * The number precedes a masculine noun, so Spanish uses the short form of "uno"
   * ("veintiún centavos"). English is unaffected.
   */
  beforeNoun?: boolean;
}

function checkInteger(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SPOKEN_NUMBER)
    throw new RangeError(`${what} must be an integer from 0 to ${MAX_SPOKEN_NUMBER}, got ${n}`);
}

function below100(n: number, lang: Lang, beforeNoun: boolean): NumberPromptId {
  if (lang === "es" && beforeNoun && n % 10 === 1 && n !== 11) return `num.${n}-before-noun`;
  return `num.${n}`;
}

function below1000(n: number, lang: Lang, beforeNoun: boolean): NumberPromptId[] {
  if (n < 100) return [below100(n, lang, beforeNoun)];
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (rest === 0) return [`num.${h * 100}`];
  // Spanish: "cien" alone, "ciento" before more ("ciento uno"); English says "one hundred" both times.
  const head: NumberPromptId = h === 1 ? "num.100-and-more" : `num.${h * 100}`;
  return [head, below100(rest, lang, beforeNoun)];
}

/** Word prompt ids that speak `n` (0..999,999). */
export function sayNumberIds(n: number, lang: Lang, opts: SayNumberOptions = {}): NumberPromptId[] {
  checkInteger(n, "number");
  const beforeNoun = opts.beforeNoun ?? false;
  if (n < 1000) return below1000(n, lang, beforeNoun);
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  // Spanish says "mil", never "un mil"; "mil" is masculine, so 21,000 is "veintiún mil".
  const head: NumberPromptId[] =
    lang === "es" && thousands === 1 ? ["word.thousand"] : [...below1000(thousands, lang, true), "word.thousand"];
  return rest === 0 ? head : [...head, ...below1000(rest, lang, beforeNoun)];
}

/**
 * Word prompt ids for an amount in US cents: "one dollar and twenty one cents",
 * "un dólar con veintiún centavos". Whole cents only: rates are configured in cents.
 */
export function sayAmountIds(cents: number, lang: Lang): NumberPromptId[] {
  if (!Number.isInteger(cents) || cents < 0)
    throw new RangeError(`amount must be a whole number of cents, got ${cents}`);
  const dollars = Math.floor(cents / 100);
  const rest = cents % 100;
  checkInteger(dollars, "dollars");
  const out: NumberPromptId[] = [];
  if (dollars > 0)
    out.push(...sayNumberIds(dollars, lang, { beforeNoun: true }), dollars === 1 ? "word.dollar" : "word.dollars");
  if (rest > 0 || dollars === 0) {
    if (dollars > 0) out.push("word.and-cents");
    out.push(...sayNumberIds(rest, lang, { beforeNoun: true }), rest === 1 ? "word.cent" : "word.cents");
  }
  return out;
}

/** Word prompt ids for a whole number of minutes, noun included: "one minute", "veintiún minutos". */
export function sayMinutesIds(minutes: number, lang: Lang): NumberPromptId[] {
  return [...sayNumberIds(minutes, lang, { beforeNoun: true }), minutes === 1 ? "word.minute" : "word.minutes"];
}

/** The name of one telephone key: "0"-"9", "*" or "#". */
export function sayKeyIds(key: string): NumberPromptId[] {
  if (/^[0-9]$/.test(key)) return [`num.${key}`];
  if (key === "*") return ["word.star"];
  if (key === "#") return ["word.pound"];
  throw new RangeError(`not a telephone key: ${JSON.stringify(key)}`);
}
