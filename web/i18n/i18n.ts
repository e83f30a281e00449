/** The UI language (English or Spanish), remembered in the browser. */
import { signal } from "@preact/signals";
import { en, es, type StringKey } from "./strings.ts";

export type Language = "en" | "es";

const stored = typeof localStorage !== "undefined" ? localStorage.getItem("yl.lang") : null;
export const language = signal<Language>(stored === "es" ? "es" : "en");

export function setLanguage(lang: Language): void {
  language.value = lang;
  document.documentElement.lang = lang;
  localStorage.setItem("yl.lang", lang);
}

export function t(key: StringKey, vars: Record<string, string | number> = {}): string {
  const table = language.value === "es" ? es : en;
  let s: string = table[key] || en[key];
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** Dates as the user's language writes them, in the browser's time zone. */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(language.value === "es" ? "es-US" : "en-US", {
    dateStyle: "short",
    timeStyle: "medium",
  });
}
