import type { ScheduleWindow } from "../../controller/domain/schedule.ts";
import { t } from "../i18n/i18n.ts";
import type { StringKey } from "../i18n/strings.ts";

/** ISO weekdays: 1 Monday … 7 Sunday (domain/schedule.ts). */
const weekdays: [number, StringKey][] = [
  [1, "monday"],
  [2, "tuesday"],
  [3, "wednesday"],
  [4, "thursday"],
  [5, "friday"],
  [6, "saturday"],
  [7, "sunday"],
];

function hhmm(min: number): string {
  const m = min % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

function minutes(v: string): number {
  const [h, m] = v.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/**
 * Calling hours as a list of windows, one weekday and a start and end time each. An end at
 * 00:00 means midnight at the end of the day (stored as 1440), so 00:00–00:00 is the whole day;
 * an end before the start runs past midnight into the next day, as the domain reads it.
 */
export function ScheduleEditor(props: {
  name: string;
  windows: ScheduleWindow[];
  disabled: boolean;
  onChange: (windows: ScheduleWindow[]) => void;
}) {
  const set = (i: number, w: ScheduleWindow) => props.onChange(props.windows.map((x, j) => (j === i ? w : x)));
  return (
    <div class="schedule-editor">
      <table class="data">
        <thead>
          <tr>
            <th>{t("day")}</th>
            <th>{t("startTime")}</th>
            <th>{t("endTime")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.windows.map((w, i) => (
            <tr key={i}>
              <td>
                <select
                  name={`${props.name}-${i}-day`}
                  aria-label={t("day")}
                  value={String(w.day)}
                  disabled={props.disabled}
                  onChange={(e) => set(i, { ...w, day: Number(e.currentTarget.value) })}
                >
                  {weekdays.map(([d, k]) => (
                    <option key={d} value={String(d)}>
                      {t(k)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  type="time"
                  name={`${props.name}-${i}-start`}
                  aria-label={t("startTime")}
                  value={hhmm(w.startMin)}
                  disabled={props.disabled}
                  onInput={(e) => set(i, { ...w, startMin: minutes(e.currentTarget.value) })}
                />
              </td>
              <td>
                <input
                  type="time"
                  name={`${props.name}-${i}-end`}
                  aria-label={t("endTime")}
                  value={hhmm(w.endMin)}
                  disabled={props.disabled}
                  onInput={(e) => {
                    const m = minutes(e.currentTarget.value);
                    set(i, { ...w, endMin: m === 0 ? 1440 : m });
                  }}
                />
              </td>
              <td>
                {!props.disabled && (
                  <button type="button" onClick={() => props.onChange(props.windows.filter((_, j) => j !== i))}>
                    {t("removeWindow")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.windows.length === 0 && <p class="hint">{t("noWindows")}</p>}
      {!props.disabled && (
        <button
          type="button"
          onClick={() => {
            const last = props.windows[props.windows.length - 1];
            // A new window starts as the day after the last one, with the same hours.
            const next = last ? { ...last, day: (last.day % 7) + 1 } : { day: 1, startMin: 7 * 60, endMin: 22 * 60 };
            props.onChange([...props.windows, next]);
          }}
        >
          {t("addWindow")}
        </button>
      )}
    </div>
  );
}
