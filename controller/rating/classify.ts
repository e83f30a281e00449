/**
 * Call type of a destination from the facility's own exchange, the NPA-NXX table and
 * libphonenumber-js: "local exchanges, area codes, country codes ... and any other information
 * necessary to accurately process and rate calls" (Call Processing Information).
 *
 * - Same rate center as the facility (or one of its extra local rate centers): local.
 * - Same LATA: intraLATA. Same state, other LATA: interLATA. Other US state: interstate.
 * - A NANP number outside the US (Canada, the Caribbean) and any 011 number: international,
 *   Canada and Mexico apart from the rest.
 * - A US number whose NPA-NXX is not in the table: interstate — "when it cannot be determined,
 *   the interstate cap applies" (regulatory reference).
 */
import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { CallType } from "../domain/call-types.ts";
import type { Dialled } from "../domain/dialled.ts";

export interface ExchangeInfo {
  npa: string;
  nxx: string;
  state: string;
  lata: string;
  rateCenter: string;
  city: string;
  /** ISO 3166 alpha-2. */
  country: string;
}

export interface FacilityLocation {
  state: string;
  lata: string;
  rateCenter: string;
  localRateCenters: ReadonlySet<string>;
}

export interface Classification {
  callType: CallType;
  /** "City, ST" or "City, Country" (Call Record Format: Destination). */
  place: string;
  country: string;
  /** How the type was decided, for the charge explanation. */
  basis: string;
}

export type ExchangeLookup = (npa: string, nxx: string) => ExchangeInfo | undefined;

const countryNames = new Intl.DisplayNames(["en"], { type: "region" });

function countryName(cc: string): string {
  try {
    return countryNames.of(cc) ?? cc;
  } catch {
    return cc;
  }
}

function international(country: string): CallType {
  if (country === "CA") return "international-canada";
  if (country === "MX") return "international-mexico";
  return "international-other";
}

export function classify(
  d: Extract<Dialled, { kind: "nanp" | "international" }>,
  facility: FacilityLocation,
  lookup: ExchangeLookup,
): Classification {
  if (d.kind === "international") {
    const cc = parsePhoneNumberFromString(d.e164)?.country ?? "ZZ";
    const name = cc === "ZZ" ? "unknown country" : countryName(cc);
    return { callType: international(cc), place: name, country: cc, basis: `011 call to ${name}` };
  }
  const ex = lookup(d.npa, d.nxx);
  const country = ex?.country ?? parsePhoneNumberFromString(d.e164)?.country ?? "US";
  if (country !== "US") {
    const name = countryName(country);
    return {
      callType: international(country),
      place: ex ? `${ex.city}, ${name}` : name,
      country,
      basis: `NANP number in ${name}`,
    };
  }
  if (!ex) {
    return {
      callType: "interstate",
      place: "",
      country: "US",
      basis: `exchange ${d.npa}-${d.nxx} not in the NPA-NXX table; rated interstate`,
    };
  }
  const place = `${ex.city}, ${ex.state}`;
  if (ex.rateCenter === facility.rateCenter || facility.localRateCenters.has(ex.rateCenter)) {
    return { callType: "local", place, country, basis: `rate center ${ex.rateCenter} is local to the facility` };
  }
  if (ex.state !== facility.state) {
    return {
      callType: "interstate",
      place,
      country,
      basis: `${ex.state} differs from the facility's ${facility.state}`,
    };
  }
  if (ex.lata === facility.lata) {
    return { callType: "intralata", place, country, basis: `same LATA ${ex.lata}, rate center ${ex.rateCenter}` };
  }
  return {
    callType: "interlata",
    place,
    country,
    basis: `LATA ${ex.lata} differs from the facility's ${facility.lata}`,
  };
}
