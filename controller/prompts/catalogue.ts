/**
 * Every sentence the system speaks, in English and Spanish.
 *
 * "The IWTS must support multi-lingual operation, including all menus, prompts and branding
 * announcements. The system must be delivered configured to support English and Spanish
 * operations." (IWTS functional requirements, Service Required)
 *
 * Text in braces is a placeholder filled at call time with other audio files: a number or an
 * amount spoken from the number prompts below, a key name, the inmate's recorded name, or the
 * facility / provider name synthesized once when it is configured. The literal text between
 * placeholders is synthesized at build time, one file per piece ("part"), so nothing is
 * synthesized while a call waits.
 */

export type Lang = "en" | "es";
export const LANGS: readonly Lang[] = ["en", "es"];

export type PromptText = Readonly<Record<Lang, string>>;

/** Placeholders a prompt may contain, and what fills them. */
export const PLACEHOLDERS = [
  "facility", // facility name prompt (synthesized at configuration time)
  "provider", // service provider name, 47 CFR 64.710(a)(1)
  "name", // the inmate's recorded name
  "rate", // amount from sayAmount()
  "amount", // amount from sayAmount()
  "minutes", // a duration from sayMinutes(), noun included ("one minute", "veintiún minutos")
  "key", // a key name from sayKey()
  "acceptKey",
  "declineKey",
  "blockKey",
  "costKey",
  "retryKey",
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** The static prompts. Ids are `<who>.<what>`: inmate side, called party side, or common. */
export const PROMPTS = {
  // --- Inmate: greeting, language, PIN, name -------------------------------------------------
  "inmate.welcome": {
    en: "Welcome to the inmate telephone system of {facility}.",
    es: "Bienvenido al sistema telefónico para personas privadas de libertad de {facility}.",
  },
  "inmate.language-choice": {
    en: "For English, press {key}.",
    es: "Para español, oprima {key}.",
  },
  "inmate.recording-notice": {
    en: "This call is subject to recording and monitoring.",
    es: "Esta llamada puede ser grabada y monitoreada.",
  },
  "inmate.privileged-notice": {
    en: "This is a privileged call. It will not be recorded or monitored.",
    es: "Esta es una llamada confidencial. No será grabada ni monitoreada.",
  },
  "inmate.enter-pin": {
    en: "Please enter your personal identification number, followed by the pound key.",
    es: "Por favor, marque su número de identificación personal, seguido de la tecla de numeral.",
  },
  "inmate.pin-invalid": {
    en: "That identification number is not valid. Please try again.",
    es: "Ese número de identificación no es válido. Por favor, intente de nuevo.",
  },
  "inmate.pin-locked": {
    en: "Too many incorrect attempts. Please contact a staff member.",
    es: "Demasiados intentos incorrectos. Por favor, comuníquese con un miembro del personal.",
  },
  "inmate.record-name": {
    en: "After the tone, please say your first and last name, then press the pound key.",
    es: "Después del tono, diga su nombre y apellido, y luego oprima la tecla de numeral.",
  },
  "inmate.name-playback": {
    en: "You said:",
    es: "Usted dijo:",
  },
  "inmate.name-confirm": {
    en: "To keep this recording, press {acceptKey}. To record again, press {retryKey}.",
    es: "Para guardar esta grabación, oprima {acceptKey}. Para grabar de nuevo, oprima {retryKey}.",
  },
  "inmate.name-saved": {
    en: "Your name has been saved.",
    es: "Su nombre ha sido guardado.",
  },
  "inmate.balance": {
    en: "Your account balance is {amount}.",
    es: "El saldo de su cuenta es {amount}.",
  },
  "inmate.minutes-available": {
    en: "You have {minutes} for this call.",
    es: "Tiene {minutes} para esta llamada.",
  },
  // --- Inmate: number entry, the one dialling pattern used at every facility -------------------
  "inmate.enter-number": {
    en: "Dial the area code and number you are calling. For international calls, dial zero one one and the country code first. Then press the pound key.",
    es: "Marque el código de área y el número al que llama. Para llamadas internacionales, marque primero cero uno uno y el código del país. Luego oprima la tecla de numeral.",
  },
  "inmate.number-invalid": {
    en: "The number you dialed is not valid. Please check the number and try again.",
    es: "El número que marcó no es válido. Por favor, verifique el número e intente de nuevo.",
  },
  // --- Inmate: reasons a call cannot be completed ---------------------------------------------
  "inmate.denied-blocked": {
    en: "This number is blocked and cannot be called.",
    es: "Este número está bloqueado y no se puede llamar.",
  },
  "inmate.denied-not-approved": {
    en: "This number is not on your approved calling list.",
    es: "Este número no está en su lista de números aprobados.",
  },
  "inmate.denied-number-type": {
    en: "Calls to this type of number are not allowed.",
    es: "No se permiten llamadas a este tipo de número.",
  },
  "inmate.denied-schedule": {
    en: "Calls are not allowed at this time. Please try again during calling hours.",
    es: "No se permiten llamadas en este momento. Por favor, intente durante el horario de llamadas.",
  },
  "inmate.denied-daily-limit": {
    en: "You have reached your limit of calls for today.",
    es: "Ha alcanzado su límite de llamadas por hoy.",
  },
  "inmate.denied-minutes-limit": {
    en: "You have used all of your calling minutes for this period.",
    es: "Ha usado todos sus minutos de llamada para este período.",
  },
  "inmate.denied-funds": {
    en: "There are not enough funds in the account for this call.",
    es: "No hay fondos suficientes en la cuenta para esta llamada.",
  },
  "inmate.denied-suspended": {
    en: "Your calling privileges are suspended.",
    es: "Sus privilegios de llamada están suspendidos.",
  },
  "inmate.denied-phone-disabled": {
    en: "This telephone is not available for calls at this time.",
    es: "Este teléfono no está disponible para llamadas en este momento.",
  },
  "inmate.denied-called-party-blocked": {
    en: "The person you are calling has blocked calls from this facility.",
    es: "La persona a quien llama ha bloqueado las llamadas de esta institución.",
  },
  "inmate.denied-number-in-use": {
    en: "This number is already on a call from this facility. Please try again later.",
    es: "Este número ya está en una llamada de esta institución. Por favor, intente más tarde.",
  },
  // --- Inmate: call progress -------------------------------------------------------------------
  "inmate.please-wait": {
    en: "Please wait.",
    es: "Por favor, espere.",
  },
  "inmate.connecting": {
    en: "Please wait while your call is connected.",
    es: "Por favor, espere mientras se conecta su llamada.",
  },
  "inmate.waiting-for-acceptance": {
    en: "Your call is being announced. Please hold.",
    es: "Su llamada está siendo anunciada. Por favor, no cuelgue.",
  },
  "inmate.no-answer": {
    en: "There is no answer. Please try your call again later.",
    es: "No hay respuesta. Por favor, intente su llamada más tarde.",
  },
  "inmate.busy": {
    en: "The line is busy. Please try your call again later.",
    es: "La línea está ocupada. Por favor, intente su llamada más tarde.",
  },
  "inmate.call-declined": {
    en: "The person you called did not accept the call.",
    es: "La persona a quien llamó no aceptó la llamada.",
  },
  "inmate.call-accepted": {
    en: "Your call has been accepted. You may begin speaking now.",
    es: "Su llamada ha sido aceptada. Puede comenzar a hablar.",
  },
  // --- Called party: announcement and acceptance (47 CFR 64.710) ------------------------------
  "called.collect-call-from": {
    en: "You have a collect call from {name}, an inmate at {facility}.",
    es: "Tiene una llamada por cobrar de {name}, una persona recluida en {facility}.",
  },
  "called.prepaid-call-from": {
    en: "You have a prepaid call from {name}, an inmate at {facility}.",
    es: "Tiene una llamada prepagada de {name}, una persona recluida en {facility}.",
  },
  "called.language-offer": {
    en: "For English, press {key}.",
    es: "Para español, oprima {key}.",
  },
  "called.provider": {
    en: "This call is provided by {provider}.",
    es: "Esta llamada es proporcionada por {provider}.",
  },
  "called.recording-notice": {
    en: "This call is from a correctional facility. It will be recorded and may be monitored.",
    es: "Esta llamada es de una institución correccional. Será grabada y puede ser monitoreada.",
  },
  "called.rate": {
    en: "This call costs {rate} per minute.",
    es: "Esta llamada cuesta {rate} por minuto.",
  },
  "called.cost-option": {
    en: "To hear the total cost of this call, press {costKey}.",
    es: "Para escuchar el costo total de esta llamada, oprima {costKey}.",
  },
  "called.total-cost": {
    en: "A call of {minutes} costs {amount}.",
    es: "Una llamada de {minutes} cuesta {amount}.",
  },
  "called.hang-up-free": {
    en: "You may hang up now at no charge.",
    es: "Puede colgar ahora sin ningún cargo.",
  },
  "called.accept-options": {
    en: "To accept this call, press {acceptKey}. To decline, press {declineKey}.",
    es: "Para aceptar esta llamada, oprima {acceptKey}. Para rechazarla, oprima {declineKey}.",
  },
  "called.block-option": {
    en: "To block all future calls from this facility, press {blockKey}.",
    es: "Para bloquear todas las llamadas futuras de esta institución, oprima {blockKey}.",
  },
  "called.block-confirm-request": {
    en: "To confirm that you want to block all future calls from this facility, press {blockKey} again.",
    es: "Para confirmar que desea bloquear todas las llamadas futuras de esta institución, oprima {blockKey} otra vez.",
  },
  "called.invalid-choice": {
    en: "That is not a valid choice.",
    es: "Esa no es una opción válida.",
  },
  "called.no-response": {
    en: "We did not receive a response. Goodbye.",
    es: "No recibimos una respuesta. Adiós.",
  },
  "called.accepted": {
    en: "Thank you. Your call is now connected. You may begin speaking.",
    es: "Gracias. Su llamada está conectada. Puede comenzar a hablar.",
  },
  "called.declined": {
    en: "You have declined this call. Goodbye.",
    es: "Usted ha rechazado esta llamada. Adiós.",
  },
  "called.blocked-confirmation": {
    en: "Future calls from this facility to your number are now blocked. Goodbye.",
    es: "Las llamadas futuras de esta institución a su número han sido bloqueadas. Adiós.",
  },
  // --- Both sides ------------------------------------------------------------------------------
  "common.branding": {
    en: "This recorded call is from an inmate at {facility}.",
    es: "Esta llamada grabada es de una persona recluida en {facility}.",
  },
  "common.invalid-entry": {
    en: "Invalid entry.",
    es: "Entrada no válida.",
  },
  "common.no-entry": {
    en: "We did not receive your entry.",
    es: "No recibimos su entrada.",
  },
  "common.time-warning-60": {
    en: "This call will end in one minute.",
    es: "Esta llamada terminará en un minuto.",
  },
  "common.time-warning-30": {
    en: "This call will end in thirty seconds.",
    es: "Esta llamada terminará en treinta segundos.",
  },
  "common.call-ending": {
    en: "The time limit has been reached. This call will end now.",
    es: "Se ha alcanzado el tiempo límite. Esta llamada terminará ahora.",
  },
  "common.goodbye": {
    en: "Thank you. Goodbye.",
    es: "Gracias. Adiós.",
  },
  "common.service-unavailable": {
    en: "The telephone service is temporarily unavailable. Please try again later.",
    es: "El servicio telefónico no está disponible temporalmente. Por favor, intente más tarde.",
  },
  "common.all-circuits-busy": {
    en: "All circuits are busy now. Please try your call again later.",
    es: "Todos los circuitos están ocupados. Por favor, intente su llamada más tarde.",
  },
} as const satisfies Record<string, PromptText>;

export type StaticPromptId = keyof typeof PROMPTS;

// --- Number, money and key words ------------------------------------------------------------

const EN_UNITS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
];
const EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

const ES_TO_29 = [
  "cero",
  "uno",
  "dos",
  "tres",
  "cuatro",
  "cinco",
  "seis",
  "siete",
  "ocho",
  "nueve",
  "diez",
  "once",
  "doce",
  "trece",
  "catorce",
  "quince",
  "dieciséis",
  "diecisiete",
  "dieciocho",
  "diecinueve",
  "veinte",
  "veintiuno",
  "veintidós",
  "veintitrés",
  "veinticuatro",
  "veinticinco",
  "veintiséis",
  "veintisiete",
  "veintiocho",
  "veintinueve",
];
const ES_TENS = ["", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"];
const ES_HUNDREDS = [
  "",
  "ciento",
  "doscientos",
  "trescientos",
  "cuatrocientos",
  "quinientos",
  "seiscientos",
  "setecientos",
  "ochocientos",
  "novecientos",
];

function en0to99(n: number): string {
  if (n < 20) return EN_UNITS[n] as string;
  const unit = n % 10;
  return unit === 0 ? (EN_TENS[n / 10] as string) : `${EN_TENS[Math.floor(n / 10)]} ${EN_UNITS[unit]}`;
}

function es0to99(n: number): string {
  if (n < 30) return ES_TO_29[n] as string;
  const unit = n % 10;
  return unit === 0 ? (ES_TENS[n / 10] as string) : `${ES_TENS[Math.floor(n / 10)]} y ${ES_TO_29[unit]}`;
}

/**
 * Spanish shortens "uno" to "un" before a masculine noun ("un dólar", "veintiún centavos",
 * "treinta y un minutos", "veintiún mil"): RAE, Diccionario panhispánico de dudas, "uno, na" §2.
 * Every noun we count (dólar, centavo, minuto, mil) is masculine.
 */
function esApocope(n: number): string {
  if (n === 1) return "un";
  if (n === 21) return "veintiún";
  return `${es0to99(n).slice(0, -"uno".length)}un`;
}

/** Ids of the word prompts numbers and amounts are spoken with. */
export type NumberPromptId = `num.${string}` | `word.${string}`;

function buildNumberPrompts(): Record<string, PromptText> {
  const out: Record<string, PromptText> = {};
  // 0..99 as whole words: "twenty one" spoken as one file sounds natural, two files do not.
  for (let n = 0; n < 100; n++) out[`num.${n}`] = { en: en0to99(n), es: es0to99(n) };
  // Apocopated forms, used by Spanish before a noun; English says the plain number.
  for (let n = 1; n < 100; n++) {
    if (n % 10 === 1 && n !== 11) out[`num.${n}-before-noun`] = { en: en0to99(n), es: esApocope(n) };
  }
  // Whole hundreds: Spanish "cien" alone but "ciento" before more digits (ciento uno).
  out["num.100"] = { en: "one hundred", es: "cien" };
  out["num.100-and-more"] = { en: "one hundred", es: "ciento" };
  for (let h = 2; h <= 9; h++) out[`num.${h * 100}`] = { en: `${EN_UNITS[h]} hundred`, es: ES_HUNDREDS[h] as string };
  const words: Record<string, PromptText> = {
    thousand: { en: "thousand", es: "mil" },
    dollar: { en: "dollar", es: "dólar" },
    dollars: { en: "dollars", es: "dólares" },
    cent: { en: "cent", es: "centavo" },
    cents: { en: "cents", es: "centavos" },
    "and-cents": { en: "and", es: "con" },
    minute: { en: "minute", es: "minuto" },
    minutes: { en: "minutes", es: "minutos" },
    star: { en: "star", es: "asterisco" },
    pound: { en: "pound", es: "numeral" },
  };
  for (const [k, v] of Object.entries(words)) out[`word.${k}`] = v;
  return out;
}

/** Number, money and key words, generated once. */
export const NUMBER_PROMPTS: Readonly<Record<string, PromptText>> = Object.freeze(buildNumberPrompts());

export type PromptId = StaticPromptId | NumberPromptId;

/** The text of a prompt, or undefined for an unknown id. */
export function promptText(id: string, lang: Lang): string | undefined {
  const entry = (PROMPTS as Record<string, PromptText>)[id] ?? NUMBER_PROMPTS[id];
  return entry?.[lang];
}

export function allPromptIds(): string[] {
  return [...Object.keys(PROMPTS), ...Object.keys(NUMBER_PROMPTS)];
}

/** One piece of a prompt: literal text (synthesized as a part) or a placeholder. */
export type PromptPiece = { kind: "text"; part: string; text: string } | { kind: "slot"; name: Placeholder };

const SLOT = /\{([A-Za-z]+)\}/g;

/**
 * Splits a prompt's text at its placeholders. A prompt without placeholders is one part named
 * after the prompt; otherwise the literal pieces are `<id>.p0`, `<id>.p1`, ... in that
 * language's order (Spanish and English may place a placeholder differently).
 */
export function promptPieces(id: string, lang: Lang): PromptPiece[] {
  const text = promptText(id, lang);
  if (text === undefined) throw new RangeError(`unknown prompt ${id}`);
  const raw: Array<{ kind: "text"; text: string } | { kind: "slot"; name: Placeholder }> = [];
  let last = 0;
  for (const m of text.matchAll(SLOT)) {
    const name = m[1] as string;
    if (!(PLACEHOLDERS as readonly string[]).includes(name))
      throw new RangeError(`${id}: unknown placeholder {${name}}`);
    raw.push({ kind: "text", text: text.slice(last, m.index) });
    raw.push({ kind: "slot", name: name as Placeholder });
    last = (m.index ?? 0) + m[0].length;
  }
  raw.push({ kind: "text", text: text.slice(last) });
  const hasSlots = raw.some((p) => p.kind === "slot");
  const pieces: PromptPiece[] = [];
  let n = 0;
  for (const p of raw) {
    if (p.kind === "slot") {
      pieces.push(p);
      continue;
    }
    // Punctuation alone (the "." after a placeholder) is not worth a file.
    const trimmed = p.text.trim();
    if (!/[\p{L}\p{N}]/u.test(trimmed)) continue;
    pieces.push({ kind: "text", part: hasSlots ? `${id}.p${n++}` : id, text: trimmed });
  }
  return pieces;
}

/** Every synthesizable part of every prompt in one language: part name → text. */
export function allParts(lang: Lang): Map<string, string> {
  const parts = new Map<string, string>();
  for (const id of allPromptIds()) {
    for (const piece of promptPieces(id, lang)) if (piece.kind === "text") parts.set(piece.part, piece.text);
  }
  return parts;
}
