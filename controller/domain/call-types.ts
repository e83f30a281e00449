/**
 * The collect call types the service offers ("Collect Call Service and Fees": local,
 * intraLATA, interLATA, interstate, international), international split by destination
 * because Canada and Mexico are usually rated apart from the rest of the world.
 */
export const CALL_TYPES = [
  "local",
  "intralata",
  "interlata",
  "interstate",
  "international-canada",
  "international-mexico",
  "international-other",
] as const;

export type CallType = (typeof CALL_TYPES)[number];

export function isCallType(s: string): s is CallType {
  return (CALL_TYPES as readonly string[]).includes(s);
}

/** "Trunk definition (Long distance, local, international, etc.)" — Call Record Format. */
export type Trunk = "local" | "long distance" | "international";

export function trunkOf(t: CallType): Trunk {
  if (t === "local") return "local";
  if (t.startsWith("international")) return "international";
  return "long distance";
}

export const CALL_TYPE_NAMES: Record<CallType, { en: string; es: string }> = {
  local: { en: "local", es: "locales" },
  intralata: { en: "intraLATA long distance", es: "de larga distancia dentro de la LATA" },
  interlata: { en: "interLATA long distance", es: "de larga distancia entre LATAs" },
  interstate: { en: "interstate", es: "interestatales" },
  "international-canada": { en: "international (Canada)", es: "internacionales (Canadá)" },
  "international-mexico": { en: "international (Mexico)", es: "internacionales (México)" },
  "international-other": { en: "international", es: "internacionales" },
};
