/**
 * The rate disclosure the called party hears before accepting: "the system shall be capable
 * of providing the called party with per minute rates and surcharges prior to call acceptance"
 * (Call Acceptance), and 47 CFR 64.710: who the provider is, how to get the total cost, and
 * that hanging up before acceptance is free.
 */
import { formatMills } from "./charge.ts";

function centsWords(mills: number, lang: "en" | "es"): string {
  const cents = mills / 10;
  const n = Number.isInteger(cents) ? String(cents) : cents.toFixed(1);
  if (lang === "en") return `${n} cent${cents === 1 ? "" : "s"}`;
  return `${n.replace(".", ",")} centavo${cents === 1 ? "" : "s"} de dólar`;
}

export interface Disclosure {
  en: string;
  es: string;
}

export function rateDisclosure(
  provider: string,
  perMinuteMills: number,
  billingIncrementSec: number,
  free: boolean,
): Disclosure {
  if (free) {
    return {
      en: `This call from ${provider} is free of charge.`,
      es: `Esta llamada de ${provider} es gratuita.`,
    };
  }
  const unitEn =
    billingIncrementSec === 60 ? "each minute or part of a minute" : `every ${billingIncrementSec} seconds, pro rata`;
  const unitEs =
    billingIncrementSec === 60
      ? "cada minuto o fracción de minuto"
      : `cada ${billingIncrementSec} segundos, en proporción`;
  return {
    en:
      `This call is provided by ${provider}. It costs ${centsWords(perMinuteMills, "en")} per minute (${formatMills(perMinuteMills)}), ` +
      `charged for ${unitEn} after you accept, with no other fees. To hear the total cost of the call, stay on the line. ` +
      "You may hang up now at no charge.",
    es:
      `Esta llamada la presta ${provider}. Cuesta ${centsWords(perMinuteMills, "es")} por minuto (${formatMills(perMinuteMills)}), ` +
      `cobrados por ${unitEs} después de aceptar, sin ningún otro cargo. Para escuchar el costo total de la llamada, permanezca en la línea. ` +
      "Puede colgar ahora sin ningún costo.",
  };
}
