import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { ReportInfo, ReportResult } from "../../controller/api/schemas/reports.ts";
import type { SavedReportInfo } from "../../controller/api/schemas/saved-reports.ts";
import { CALL_TYPE_NAMES, CALL_TYPES } from "../../controller/domain/call-types.ts";
import { FacilityPicker } from "../components/facility-picker.tsx";
import { language, t } from "../i18n/i18n.ts";
import { choiceLabel, columnLabel, paramLabel, reportTitle, savedText } from "../i18n/report-strings.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";
import { SaveLayoutForm } from "./reports-save-layout.tsx";

/** Saved layouts are offered in the same menu as the standard reports, as `saved:<id>`. */
const SAVED = "saved:";

type Column = ReportResult["columns"][number];
type Cell = ReportResult["rows"][number][number];

/** The search criteria each report's form asks for (the server's query schemas decide). */
type Field =
  | "period"
  | "optionalPeriod"
  | "inmateId"
  | "number"
  | "optionalNumber"
  | "minCalls"
  | "minInmates"
  | "groupBy"
  | "intervalMin"
  | "by"
  | "statePercent"
  | "status"
  | "callType";

const forms: Record<string, Field[]> = {
  chronological: ["period", "inmateId"],
  "call-summary": ["period", "groupBy"],
  "daily-volume": ["period"],
  "frequent-numbers": ["period", "minCalls"],
  "number-usage": ["number", "optionalPeriod", "status", "callType"],
  "shared-numbers": ["period", "minInmates"],
  "approved-numbers": ["number"],
  "alert-notifications": ["period"],
  "blocked-numbers": ["optionalNumber"],
  "denied-by-reason": ["period"],
  "grade-of-blocking": ["period", "intervalMin", "by"],
  "usage-against-limits": [],
  "local-exchanges": [],
  "minutes-by-call-type": ["period"],
  revenue: ["period", "statePercent"],
};

const selects: Partial<Record<Field, string[]>> = {
  groupBy: ["inmate", "number", "phone-bank", "station", "facility"],
  intervalMin: ["15", "30", "60", "120", "240"],
  by: ["station", "call-type"],
  status: ["", "completed", "not-completed"],
  callType: ["", ...CALL_TYPES],
};

const defaults: Record<string, string> = {
  minCalls: "3",
  minInmates: "2",
  groupBy: "inmate",
  intervalMin: "60",
  by: "station",
};

/** A datetime-local value (the browser's time) for a Date. */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function seconds(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(Math.round(s % 60)).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

export function formatCell(c: Column, v: Cell): string {
  if (v === null || v === "") return "—";
  if (typeof v !== "number") return v;
  switch (c.kind) {
    case "money":
      return `$${(v / 100).toFixed(2)}`;
    case "rate":
      return `$${(v / 1000).toFixed(3)}`;
    case "seconds":
      return seconds(v);
    case "percent":
      return `${v.toFixed(1)}%`;
    case "minutes":
      return Number.isInteger(v) ? String(v) : v.toFixed(1);
    default:
      return String(v);
  }
}

/**
 * Reporting Tools: pick a report, give its search criteria, read it on screen (heading with
 * the facilities, time, user, terminal and criteria; totals; end of report), print it, or
 * download it as CSV. Every run asks the server, which covers only the facilities the user
 * reaches.
 */
export function ReportsPage() {
  const { api, facilities, session } = useApp();
  const list = useSignal<ReportInfo[]>([]);
  const saved = useSignal<SavedReportInfo[]>([]);
  const chosen = useSignal("");
  const facility = useSignal("");
  const now = new Date();
  const week = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 7);
  const values = useSignal<Record<string, string>>({ from: localInput(week), to: localInput(now), ...defaults });
  const result = useSignal<ReportResult | null>(null);
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);

  useEffect(() => {
    api.get<ReportInfo[]>("/reports").then(
      (r) => {
        list.value = r;
        chosen.value = r[0]?.id ?? "";
      },
      (err) => {
        error.value = errorText(err);
      },
    );
    loadSaved();
  }, []);

  function loadSaved(): void {
    api.get<SavedReportInfo[]>("/reports/saved").then(
      (r) => {
        saved.value = r;
      },
      () => {
        saved.value = [];
      },
    );
  }

  const layout = chosen.value.startsWith(SAVED)
    ? saved.value.find((x) => x.id === chosen.value.slice(SAVED.length))
    : undefined;
  // A saved layout runs with its own criteria; only the facility may be narrowed.
  const fields = layout ? [] : (forms[chosen.value] ?? []);
  const runPath = layout ? `/reports/saved/${layout.id}/run` : `/reports/${chosen.value}`;
  const categories = [...new Set(saved.value.map((x) => x.category))].sort((a, b) => a.localeCompare(b));
  const query = (): Record<string, string | undefined> => {
    const v = values.value;
    const q: Record<string, string | undefined> = { facilityIds: facility.value || undefined };
    const iso = (s: string | undefined) => (s ? new Date(s).toISOString() : undefined);
    for (const f of fields) {
      if (f === "period" || f === "optionalPeriod") {
        q.from = iso(v.from);
        q.to = iso(v.to);
      } else if (f === "optionalNumber") q.number = v.number || undefined;
      else q[f] = v[f] || undefined;
    }
    return q;
  };
  const csvUrl = () => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query())) if (v) qs.set(k, v);
    return layout ? `/api/reports/saved/${layout.id}/csv?${qs}` : `/api/reports/${chosen.value}/csv?${qs}`;
  };
  const set = (k: string, v: string) => {
    values.value = { ...values.value, [k]: v };
  };

  const input = (f: Field) => {
    if (f === "period" || f === "optionalPeriod")
      return ["from", "to"].map((k) => (
        <label key={k}>
          {t(k as "from" | "to")}
          <input
            type="datetime-local"
            name={`report-${k}`}
            required={f === "period"}
            value={values.value[k] ?? ""}
            onInput={(e) => set(k, e.currentTarget.value)}
          />
        </label>
      ));
    const key = f === "optionalNumber" ? "number" : f;
    const options = selects[f];
    if (options)
      return (
        <label key={f}>
          {paramLabel(key)}
          <select
            name={`report-${key}`}
            value={values.value[key] ?? ""}
            onChange={(e) => set(key, e.currentTarget.value)}
          >
            {options.map((o) => (
              <option key={o} value={o}>
                {o === ""
                  ? t("all")
                  : f === "callType"
                    ? CALL_TYPE_NAMES[o as (typeof CALL_TYPES)[number]][language.value]
                    : f === "intervalMin"
                      ? o
                      : choiceLabel(o)}
              </option>
            ))}
          </select>
        </label>
      );
    const numeric = f === "minCalls" || f === "minInmates" || f === "statePercent";
    const common = {
      name: `report-${key}`,
      required: f === "number" || f === "minCalls",
      value: values.value[key] ?? "",
      onInput: (e: { currentTarget: HTMLInputElement }) => set(key, e.currentTarget.value),
    };
    return numeric ? (
      <label key={f}>
        {paramLabel(key)}
        <input type="number" min={0} {...common} />
      </label>
    ) : (
      <label key={f}>
        {paramLabel(key)}
        <input type="text" {...common} />
      </label>
    );
  };

  const r = result.value;
  const subtotal = new Set(r?.subtotalRows ?? []);
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title" class="no-print">
        {t("navReports")}
      </h1>
      <form
        class="toolbar"
        aria-label={t("navReports")}
        onSubmit={async (e) => {
          e.preventDefault();
          error.value = null;
          busy.value = true;
          try {
            result.value = await api.get<ReportResult>(runPath, query());
          } catch (err) {
            result.value = null;
            error.value = errorText(err);
          } finally {
            busy.value = false;
          }
        }}
      >
        <label>
          {t("report")}
          <select
            name="report"
            value={chosen.value}
            onChange={(e) => {
              chosen.value = e.currentTarget.value;
              result.value = null;
            }}
          >
            <optgroup label={savedText("standardReports")}>
              {list.value.map((x) => (
                <option key={x.id} value={x.id}>
                  {reportTitle(x.id, x.title)}
                </option>
              ))}
            </optgroup>
            {categories.map((c) => (
              <optgroup key={c} label={c} data-testid="report-category">
                {saved.value
                  .filter((x) => x.category === c)
                  .map((x) => (
                    <option key={x.id} value={`${SAVED}${x.id}`}>
                      {x.name}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </label>
        {layout && (
          <span class="report-meta" data-testid="layout-of">
            {savedText("layoutOf", { title: reportTitle(layout.baseReport, layout.baseTitle) })}
          </span>
        )}
        {layout?.editable && (
          <button
            type="button"
            onClick={async () => {
              error.value = null;
              try {
                await api.del(`/reports/saved/${layout.id}`);
                saved.value = saved.value.filter((x) => x.id !== layout.id);
                chosen.value = list.value[0]?.id ?? "";
                result.value = null;
              } catch (err) {
                error.value = errorText(err);
              }
            }}
          >
            {savedText("deleteLayout")}
          </button>
        )}
        <FacilityPicker facilities={facilities.facilities.value} value={facility} allowAll />
        {fields.map(input)}
        <button type="submit" disabled={busy.value || !chosen.value}>
          {t("runReport")}
        </button>
        <a class="button" href={csvUrl()} download data-testid="report-csv">
          {t("downloadCsv")}
        </a>
        {r && (
          <button type="button" onClick={() => window.print()}>
            {t("print")}
          </button>
        )}
      </form>
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      {r && (
        <article class="panel" data-testid="report" aria-labelledby="report-title">
          <header>
            <h2 id="report-title">{layout ? r.title : reportTitle(r.report, r.title)}</h2>
            <p class="report-meta">
              {t("reportFacilities")}: {r.facilities.map((f) => `${f.name} (${f.id})`).join(", ") || "—"}
            </p>
            <p class="report-meta">
              {t("reportGenerated", {
                at: new Date(r.generatedAt).toLocaleString(language.value === "es" ? "es-US" : "en-US", {
                  timeZone: r.facilities[0]?.timeZone ?? "America/Los_Angeles",
                  timeZoneName: "short",
                }),
                user: r.generatedBy,
                terminal: r.terminal,
              })}
            </p>
            <p class="report-meta">
              {t("reportCriteria")}:{" "}
              {Object.entries(r.criteria)
                .map(([k, v]) => `${paramLabel(k)} = ${v}`)
                .join("; ") || "—"}
            </p>
          </header>
          <table class="data">
            <thead>
              <tr>
                {r.columns.map((c) => (
                  <th key={c.key} scope="col">
                    {c.kind === "seconds"
                      ? columnLabel(c.key, c.label).replace("(s)", "(m:ss)")
                      : columnLabel(c.key, c.label)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {r.rows.map((row, i) => (
                <tr key={i} class={subtotal.has(i) ? "subtotal" : undefined}>
                  {r.columns.map((c, j) => (
                    <td key={c.key} class={c.kind === "text" ? undefined : "num"}>
                      {formatCell(c, row[j] ?? null)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
            {Object.keys(r.totals).length > 0 && (
              <tfoot>
                <tr data-testid="report-totals">
                  {r.columns.map((c, j) => (
                    <td key={c.key} class={c.kind === "text" ? undefined : "num"}>
                      {j === 0
                        ? c.key in r.totals
                          ? `${t("reportTotal")}: ${formatCell(c, r.totals[c.key] ?? 0)}`
                          : t("reportTotal")
                        : c.key in r.totals
                          ? formatCell(c, r.totals[c.key] ?? 0)
                          : ""}
                    </td>
                  ))}
                </tr>
              </tfoot>
            )}
          </table>
          <p class="report-meta">{t("reportRows", { n: r.rows.length })}</p>
          {r.inmateCount !== null && <p class="report-meta">{t("reportInmateCount", { n: r.inmateCount })}</p>}
          {r.truncated && <p class="notice">{t("reportTruncated", { n: r.rows.length })}</p>}
          <p class="report-meta">— {t("reportEnd")} —</p>
        </article>
      )}
      {r && !layout && (
        <SaveLayoutForm
          result={r}
          criteria={query()}
          allFacilities={session.session.value?.facilities.all === true}
          facilityId={facility.value || facilities.facilities.value[0]?.id || ""}
          categories={categories}
          onSaved={(s) => {
            saved.value = [...saved.value, s];
            loadSaved();
          }}
        />
      )}
    </section>
  );
}
