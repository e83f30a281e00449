/**
 * The reports' titles and column headings in Spanish. English comes with the report from the
 * server (the CSV uses it too), so only the translation lives here; a missing one falls back
 * to the server's English.
 */
import { language } from "./i18n.ts";

const titles: Record<string, string> = {
  chronological: "Lista cronológica de llamadas",
  "call-summary": "Llamadas por interno, número, grupo de teléfonos o centro",
  "daily-volume": "Volumen diario de llamadas y cargos",
  "frequent-numbers": "Números marcados con frecuencia",
  "number-usage": "Uso de un número de teléfono",
  "shared-numbers": "Números llamados por varios internos",
  "approved-numbers": "Búsqueda de números aprobados",
  "alert-notifications": "Notificaciones de alerta",
  "blocked-numbers": "Números bloqueados",
  "denied-by-reason": "Llamadas no completadas, por motivo",
  "grade-of-blocking": "Porcentaje de bloqueo",
  "usage-against-limits": "Uso frente a los límites",
  "local-exchanges": "Centrales locales",
  "minutes-by-call-type": "Resumen de minutos por tipo de llamada",
  revenue: "Distribución de ingresos",
};

const columns: Record<string, string> = {
  date: "Fecha",
  time: "Hora",
  site: "Código de centro",
  inmate: "Nombre del interno",
  inmateId: "Número de registro",
  duration: "Duración (s)",
  destination: "Número de destino",
  callType: "Tipo de llamada",
  trunk: "Troncal",
  stationSet: "Número de aparato",
  charge: "Costo de la llamada ($)",
  recorderChannel: "Canal de grabación",
  notCompleted: "Motivo de no completada",
  number: "Número de teléfono",
  telephone: "Teléfono usado",
  status: "Estado",
  timesDialed: "Veces marcado en el período",
  facility: "Centro",
  inmateCount: "Internos",
  calls: "Llamadas",
  inmates: "Internos que lo llamaron",
  alertType: "Tipo de alerta",
  group: "Grupo",
  completed: "Llamadas completadas",
  reason: "Motivo",
  rule: "Regla que la rechazó",
  interval: "Hora del día",
  attempted: "Llamadas intentadas",
  blocked: "Llamadas bloqueadas",
  percentBlocked: "Bloqueadas (%)",
  minutes: "Minutos",
  ratePerMinute: "Tarifa media por minuto ($)",
  gross: "Ingresos facturables brutos ($)",
  dueState: "Importe debido al Estado ($)",
  contact: "Persona llamada",
  relationship: "Parentesco",
  kind: "Clase",
  category: "Categoría",
  blockedBy: "Bloqueado por",
  setBy: "Quién lo bloqueó",
  since: "Desde",
  exchange: "Central (NPA-NXX)",
  rateCenter: "Centro de tarifa",
  city: "Ciudad",
  state: "Estado",
  lata: "LATA",
  housingUnit: "Unidad de alojamiento",
  callsDay: "Llamadas hoy",
  maxCallsDay: "Límite de llamadas por día",
  callsWeek: "Llamadas esta semana",
  maxCallsWeek: "Límite de llamadas por semana",
  callsMonth: "Llamadas este mes",
  maxCallsMonth: "Límite de llamadas por mes",
  minutesDay: "Minutos hoy",
  maxMinutesDay: "Límite de minutos por día",
  minutesWeek: "Minutos esta semana",
  maxMinutesWeek: "Límite de minutos por semana",
  minutesMonth: "Minutos este mes",
  maxMinutesMonth: "Límite de minutos por mes",
  atLimit: "En un límite",
};

/** Search parameters of the report form, both languages. */
const params: Record<string, { en: string; es: string }> = {
  inmateId: { en: "Inmate register number", es: "Número de registro del interno" },
  number: { en: "Telephone number (* any digits, ? one digit)", es: "Número de teléfono (* varios dígitos, ? uno)" },
  minCalls: { en: "Called at least (times)", es: "Llamado al menos (veces)" },
  minInmates: { en: "Called by at least (inmates)", es: "Llamado por al menos (internos)" },
  groupBy: { en: "Group by", es: "Agrupar por" },
  intervalMin: { en: "Interval (minutes)", es: "Intervalo (minutos)" },
  by: { en: "For", es: "Para" },
  statePercent: { en: "State's share (%)", es: "Parte del Estado (%)" },
  status: { en: "Calls", es: "Llamadas" },
  callType: { en: "Call type", es: "Tipo de llamada" },
  minDurationSec: { en: "Shortest (seconds)", es: "Mínimo (segundos)" },
  maxDurationSec: { en: "Longest (seconds)", es: "Máximo (segundos)" },
};

const choices: Record<string, { en: string; es: string }> = {
  inmate: { en: "Inmate", es: "Interno" },
  number: { en: "Number called", es: "Número llamado" },
  "phone-bank": { en: "Phone bank", es: "Grupo de teléfonos" },
  station: { en: "Telephone", es: "Teléfono" },
  facility: { en: "Facility", es: "Centro" },
  "call-type": { en: "Call type", es: "Tipo de llamada" },
  completed: { en: "Completed", es: "Completadas" },
  "not-completed": { en: "Not completed", es: "No completadas" },
};

export function reportTitle(id: string, english: string): string {
  return language.value === "es" ? (titles[id] ?? english) : english;
}

export function columnLabel(key: string, english: string): string {
  return language.value === "es" ? (columns[key] ?? english) : english;
}

export function paramLabel(key: string): string {
  const p = params[key];
  return p ? p[language.value] : key;
}

export function choiceLabel(key: string): string {
  const c = choices[key];
  return c ? c[language.value] : key;
}

/** The saved-layout strings of the Reports screen. */
const savedStrings = {
  standardReports: { en: "Standard reports", es: "Informes estándar" },
  saveLayout: { en: "Save this layout", es: "Guardar este diseño" },
  layoutName: { en: "Name", es: "Nombre" },
  layoutCategory: { en: "Category", es: "Categoría" },
  layoutColumns: { en: "Columns", es: "Columnas" },
  layoutSort: { en: "Sort by", es: "Ordenar por" },
  sortLevel: { en: "Sort level {n}", es: "Nivel de orden {n}" },
  ascending: { en: "Ascending", es: "Ascendente" },
  descending: { en: "Descending", es: "Descendente" },
  noSort: { en: "(none)", es: "(ninguno)" },
  everyFacility: { en: "Offer at every facility", es: "Ofrecer en todos los centros" },
  lastDays: { en: "Last N days (empty: the dates above)", es: "Últimos N días (vacío: las fechas de arriba)" },
  saveLayoutButton: { en: "Save layout", es: "Guardar diseño" },
  layoutSaved: { en: "Saved under {category}.", es: "Guardado en {category}." },
  layoutOf: { en: "Layout of: {title}", es: "Diseño de: {title}" },
  deleteLayout: { en: "Delete layout", es: "Eliminar diseño" },
  scheduleTime: { en: "Send daily at (facility time)", es: "Enviar a diario a las (hora del centro)" },
  scheduleDays: { en: "On days", es: "Los días" },
  emailTo: { en: "Email to (comma-separated)", es: "Enviar a (separados por comas)" },
  schedule: { en: "Automatic report", es: "Informe automático" },
  offeredTo: {
    en: "Offered to these access levels only (none ticked: every level with the report)",
    es: "Solo para estos niveles de acceso (ninguno marcado: todos los que tienen el informe)",
  },
  columnOrder: { en: "Column order", es: "Orden de las columnas" },
  moveEarlier: { en: "Move {column} earlier", es: "Adelantar {column}" },
} as const;

const dayNames = {
  en: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
  es: ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
};

export type SavedStringKey = keyof typeof savedStrings;

export function savedText(key: SavedStringKey, vars: Record<string, string | number> = {}): string {
  let s: string = savedStrings[key][language.value];
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** The short name of an ISO weekday (1 = Monday). */
export function dayName(isoDay: number): string {
  return dayNames[language.value][isoDay - 1] ?? String(isoDay);
}
