import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { ReportResult } from "../../controller/api/schemas/reports.ts";
import type { SavedReportBody, SavedReportInfo } from "../../controller/api/schemas/saved-reports.ts";
import { columnLabel, dayName, type SavedStringKey, savedText } from "../i18n/report-strings.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

/** The sort sequence has up to five levels (controller/api/reports/layout.ts). */
const LEVELS = [1, 2, 3, 4, 5];
const DAYS = [1, 2, 3, 4, 5, 6, 7];

interface Props {
  result: ReportResult;
  /** The criteria the report was just run with; saved as the layout's defaults. */
  criteria: Record<string, string | undefined>;
  allFacilities: boolean;
  /** The facility a facility user's layout is saved for. */
  facilityId: string;
  categories: string[];
  onSaved(s: SavedReportInfo): void;
}

/**
 * Saves the report on screen as a layout: its name and menu category, the columns shown (in
 * the report's order), up to five sort levels, the criteria it was run with (or the last N
 * days), and optionally a daily automatic run sent by email.
 */
export function SaveLayoutForm(props: Props) {
  const { api } = useApp();
  const name = useSignal("");
  const category = useSignal("");
  const columns = useSignal<string[]>(props.result.columns.map((c) => c.key));
  const sort = useSignal<{ key: string; dir: "asc" | "desc" }[]>(LEVELS.map(() => ({ key: "", dir: "asc" })));
  const everyFacility = useSignal(props.allFacilities);
  const periodDays = useSignal("");
  const time = useSignal("");
  const days = useSignal<number[]>([1, 2, 3, 4, 5]);
  const emailTo = useSignal("");
  const error = useSignal<string | null>(null);
  const done = useSignal<string | null>(null);
  const levels = useSignal<{ id: string; name: string }[]>([]);
  const levelIds = useSignal<string[]>([]);
  useEffect(() => {
    // The levels are offered to the Central Office only, and only when its level may read them.
    if (!props.allFacilities) return;
    api.get<{ id: string; name: string }[]>("/levels").then(
      (r) => {
        levels.value = r;
      },
      () => {
        levels.value = [];
      },
    );
  }, [props.allFacilities]);
  const label = (k: SavedStringKey, vars?: Record<string, string | number>) => savedText(k, vars);

  const submit = async (e: Event) => {
    e.preventDefault();
    error.value = null;
    done.value = null;
    const criteria: Record<string, string> = {};
    for (const [k, v] of Object.entries(props.criteria)) {
      if (v === undefined || k === "facilityIds") continue;
      if (periodDays.value && (k === "from" || k === "to")) continue;
      criteria[k] = v;
    }
    const body: SavedReportBody = {
      name: name.value.trim(),
      category: category.value.trim(),
      baseReport: props.result.report,
      facilityId: props.allFacilities && everyFacility.value ? null : props.facilityId,
      columns: columns.value,
      sort: sort.value.filter((s) => s.key !== ""),
      criteria,
      periodDays: periodDays.value ? Number(periodDays.value) : null,
      levelIds: props.allFacilities ? levelIds.value : [],
      scheduleTime: time.value || null,
      scheduleDays: time.value ? days.value : [],
      emailTo: emailTo.value
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    };
    try {
      const s = await api.post<SavedReportInfo>("/reports/saved", body);
      done.value = label("layoutSaved", { category: s.category });
      props.onSaved(s);
    } catch (err) {
      error.value = errorText(err);
    }
  };

  return (
    <details class="panel no-print" data-testid="save-layout">
      <summary>{label("saveLayout")}</summary>
      <form onSubmit={submit} aria-label={label("saveLayout")}>
        <label>
          {label("layoutName")}
          <input
            name="layout-name"
            required
            maxLength={100}
            value={name.value}
            onInput={(e) => (name.value = e.currentTarget.value)}
          />
        </label>
        <label>
          {label("layoutCategory")}
          <input
            name="layout-category"
            required
            maxLength={100}
            list="layout-categories"
            value={category.value}
            onInput={(e) => (category.value = e.currentTarget.value)}
          />
          <datalist id="layout-categories">
            {props.categories.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </label>
        <fieldset>
          <legend>{label("layoutColumns")}</legend>
          {props.result.columns.map((c) => (
            <label key={c.key}>
              <input
                type="checkbox"
                name={`layout-column-${c.key}`}
                checked={columns.value.includes(c.key)}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  columns.value = on ? [...columns.value, c.key] : columns.value.filter((k) => k !== c.key);
                }}
              />
              {columnLabel(c.key, c.label)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{label("columnOrder")}</legend>
          <ol data-testid="layout-column-order">
            {columns.value.map((k, i) => {
              const c = props.result.columns.find((x) => x.key === k);
              const name = c ? columnLabel(c.key, c.label) : k;
              return (
                <li key={k}>
                  {name}{" "}
                  <button
                    type="button"
                    aria-label={label("moveEarlier", { column: name })}
                    disabled={i === 0}
                    onClick={() => {
                      const next = [...columns.value];
                      next.splice(i - 1, 2, k, next[i - 1]!);
                      columns.value = next;
                    }}
                  >
                    ↑
                  </button>
                </li>
              );
            })}
          </ol>
        </fieldset>
        <fieldset>
          <legend>{label("layoutSort")}</legend>
          {LEVELS.map((n, i) => (
            <span key={n}>
              <select
                aria-label={label("sortLevel", { n })}
                name={`layout-sort-${n}`}
                value={sort.value[i]!.key}
                onChange={(e) => {
                  const next = [...sort.value];
                  next[i] = { ...next[i]!, key: e.currentTarget.value };
                  sort.value = next;
                }}
              >
                <option value="">{label("noSort")}</option>
                {props.result.columns.map((c) => (
                  <option key={c.key} value={c.key}>
                    {columnLabel(c.key, c.label)}
                  </option>
                ))}
              </select>
              <select
                aria-label={`${label("sortLevel", { n })}: ${label("descending")}`}
                name={`layout-sort-dir-${n}`}
                value={sort.value[i]!.dir}
                onChange={(e) => {
                  const next = [...sort.value];
                  next[i] = { ...next[i]!, dir: e.currentTarget.value === "desc" ? "desc" : "asc" };
                  sort.value = next;
                }}
              >
                <option value="asc">{label("ascending")}</option>
                <option value="desc">{label("descending")}</option>
              </select>
            </span>
          ))}
        </fieldset>
        <label>
          {label("lastDays")}
          <input
            type="number"
            name="layout-period-days"
            min={1}
            max={366}
            value={periodDays.value}
            onInput={(e) => (periodDays.value = e.currentTarget.value)}
          />
        </label>
        {props.allFacilities && (
          <label>
            <input
              type="checkbox"
              name="layout-every-facility"
              checked={everyFacility.value}
              onChange={(e) => (everyFacility.value = e.currentTarget.checked)}
            />
            {label("everyFacility")}
          </label>
        )}
        {levels.value.length > 0 && (
          <fieldset>
            <legend>{label("offeredTo")}</legend>
            {levels.value.map((l) => (
              <label key={l.id}>
                <input
                  type="checkbox"
                  name={`layout-level-${l.id}`}
                  checked={levelIds.value.includes(l.id)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    levelIds.value = on ? [...levelIds.value, l.id] : levelIds.value.filter((x) => x !== l.id);
                  }}
                />
                {l.name}
              </label>
            ))}
          </fieldset>
        )}
        <fieldset>
          <legend>{label("schedule")}</legend>
          <label>
            {label("scheduleTime")}
            <input
              type="time"
              name="layout-time"
              value={time.value}
              onInput={(e) => (time.value = e.currentTarget.value)}
            />
          </label>
          <span>{label("scheduleDays")}</span>
          {DAYS.map((d) => (
            <label key={d}>
              <input
                type="checkbox"
                name={`layout-day-${d}`}
                checked={days.value.includes(d)}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  days.value = on ? [...days.value, d].sort() : days.value.filter((x) => x !== d);
                }}
              />
              {dayName(d)}
            </label>
          ))}
          <label>
            {label("emailTo")}
            <input name="layout-email" value={emailTo.value} onInput={(e) => (emailTo.value = e.currentTarget.value)} />
          </label>
        </fieldset>
        <button type="submit">{label("saveLayoutButton")}</button>
        {error.value && (
          <p class="form-error" role="alert">
            {error.value}
          </p>
        )}
        {done.value && <p role="status">{done.value}</p>}
      </form>
    </details>
  );
}
