/**
 * Why a call is refused, in plain words: "The IWTS shall record the reason for a call not being
 * connected in the call record using English constructs. The use of notification messages in
 * the form of codes that must be looked up to ascertain their meaning is unacceptable." (Calls
 * Not Completed). Spanish is for the prompt the inmate hears. `rule` names the check for
 * reports; it is never shown without the sentence.
 */
import { CALL_TYPE_NAMES, type CallType } from "./call-types.ts";

export type DenialRule =
  | "station-unknown"
  | "station-disabled"
  | "facility-disabled"
  | "housing-unit-disabled"
  | "inmate-unknown"
  | "inmate-inactive"
  | "number-invalid"
  | "blocked-general"
  | "blocked-called-party"
  | "blocked-number"
  | "call-type-not-allowed"
  | "not-approved"
  | "schedule"
  | "time-between-calls"
  | "max-calls"
  | "max-minutes"
  | "no-rate";

/** The order authorize() checks in; the first failing check is the reason given. */
export const DENIAL_ORDER: readonly DenialRule[] = [
  "station-unknown",
  "station-disabled",
  "facility-disabled",
  "housing-unit-disabled",
  "inmate-unknown",
  "inmate-inactive",
  "number-invalid",
  "blocked-general",
  "blocked-called-party",
  "blocked-number",
  "call-type-not-allowed",
  "not-approved",
  "schedule",
  "time-between-calls",
  "max-calls",
  "max-minutes",
  "no-rate",
];

export interface Reason {
  en: string;
  es: string;
}

export type Period = "day" | "week" | "month";
const PERIOD: Record<Period, Reason> = {
  day: { en: "day", es: "día" },
  week: { en: "week", es: "semana" },
  month: { en: "month", es: "mes" },
};

export type ScheduleScope = "facility" | "phone-bank" | "inmate" | "class-of-service";

export const reasons = {
  stationUnknown: (): Reason => ({
    en: "This telephone is not registered with the calling system.",
    es: "Este teléfono no está registrado en el sistema de llamadas.",
  }),
  stationDisabled: (): Reason => ({
    en: "This telephone is switched off.",
    es: "Este teléfono está desactivado.",
  }),
  facilityDisabled: (): Reason => ({
    en: "Calling is switched off for the whole facility.",
    es: "Las llamadas están desactivadas en todo el centro.",
  }),
  housingUnitDisabled: (): Reason => ({
    en: "Calling is switched off for this housing unit.",
    es: "Las llamadas están desactivadas en esta unidad de vivienda.",
  }),
  inmateUnknown: (): Reason => ({
    en: "The PIN entered is not valid.",
    es: "El PIN ingresado no es válido.",
  }),
  inmateInactive: (): Reason => ({
    en: "This calling account is not active.",
    es: "Esta cuenta de llamadas no está activa.",
  }),
  numberInvalid: (): Reason => ({
    en: "The number dialled is not a valid telephone number.",
    es: "El número marcado no es un número de teléfono válido.",
  }),
  /** `pattern` is the general block's pattern (number-lists.ts); its own reason text stays for staff. */
  blockedGeneral: (pattern: string | undefined): Reason => {
    const what = describePattern(pattern ?? "");
    return {
      en: `Calls to ${what.en} cannot be made from this telephone system.`,
      es: `No se pueden hacer llamadas a ${what.es} desde este sistema telefónico.`,
    };
  },
  blockedCalledParty: (): Reason => ({
    en: "The person at this number has asked not to receive calls from this facility.",
    es: "La persona de este número ha pedido no recibir llamadas de este centro.",
  }),
  blockedNumber: (): Reason => ({
    en: "The number dialled is blocked.",
    es: "El número marcado está bloqueado.",
  }),
  callTypeNotAllowed: (t: CallType): Reason => ({
    en: `${capitalize(CALL_TYPE_NAMES[t].en)} calls are not allowed for this calling account.`,
    es: `Las llamadas ${CALL_TYPE_NAMES[t].es} no están permitidas para esta cuenta de llamadas.`,
  }),
  notApproved: (): Reason => ({
    en: "This number is not on the approved number list.",
    es: "Este número no está en la lista de números aprobados.",
  }),
  schedule: (scope: ScheduleScope): Reason => {
    const en: Record<ScheduleScope, string> = {
      facility: "the facility's calling hours",
      "phone-bank": "the calling hours of these telephones",
      inmate: "this account's calling hours",
      "class-of-service": "this account's calling schedule",
    };
    const es: Record<ScheduleScope, string> = {
      facility: "el horario de llamadas del centro",
      "phone-bank": "el horario de llamadas de estos teléfonos",
      inmate: "el horario de llamadas de esta cuenta",
      "class-of-service": "el horario de llamadas de esta cuenta",
    };
    return {
      en: `Calls are not allowed at this time: it is outside ${en[scope]}.`,
      es: `No se permiten llamadas en este momento: está fuera de ${es[scope]}.`,
    };
  },
  timeBetweenCalls: (waitMin: number): Reason => ({
    en: `The next call can be made in ${waitMin} minute${waitMin === 1 ? "" : "s"}.`,
    es: `La próxima llamada se puede hacer en ${waitMin} minuto${waitMin === 1 ? "" : "s"}.`,
  }),
  maxCalls: (limit: number, p: Period): Reason => ({
    en: `The limit of ${limit} call${limit === 1 ? "" : "s"} per ${PERIOD[p].en} has been reached.`,
    es: `Se alcanzó el límite de ${limit} llamada${limit === 1 ? "" : "s"} por ${PERIOD[p].es}.`,
  }),
  maxMinutes: (limit: number, p: Period): Reason => ({
    en: `All ${limit} minute${limit === 1 ? "" : "s"} of calls allowed per ${PERIOD[p].en} have been used.`,
    es: `Se usaron todos los ${limit} minuto${limit === 1 ? "" : "s"} de llamadas permitidos por ${PERIOD[p].es}.`,
  }),
  noRate: (t: CallType): Reason => ({
    en: `${capitalize(CALL_TYPE_NAMES[t].en)} calls cannot be placed from this facility: no rate is set for them.`,
    es: `No se pueden hacer llamadas ${CALL_TYPE_NAMES[t].es} desde este centro: no tienen tarifa.`,
  }),
};

/** A general block pattern in words, for the prompt. */
export function describePattern(pattern: string): Reason {
  const [kind, arg] = pattern.split(":");
  switch (kind) {
    case "operator":
      return { en: "the operator", es: "la operadora" };
    case "carrier-access":
      return { en: "long distance carrier access codes", es: "códigos de acceso a compañías de larga distancia" };
    case "n11":
      return arg
        ? { en: `the ${arg} service`, es: `el servicio ${arg}` }
        : { en: "service codes such as 411 and 911", es: "códigos de servicio como 411 y 911" };
    case "npa":
      return { en: `numbers in area code ${arg}`, es: `números con el código de área ${arg}` };
    case "nxx":
      return { en: `${arg} numbers`, es: `números ${arg}` };
    case "prefix":
      return { en: `numbers starting ${arg}`, es: `números que empiezan por ${arg}` };
    default:
      return { en: "this kind of number", es: "este tipo de número" };
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
