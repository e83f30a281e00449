import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { CallRecordQuery, ExportJobView } from "../../controller/api/schemas/domain.ts";
import type { CallRecordRow } from "../../controller/store/schema.ts";
import { FacilityPicker } from "../components/facility-picker.tsx";
import { t } from "../i18n/i18n.ts";
import type { StringKey } from "../i18n/strings.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

type Row = Omit<CallRecordRow, "recordingSignature">;
interface Detail {
  record: CallRecordRow;
  charge: { matchesRecord: boolean; charge: { amountCents: number } | null };
}

const money = (cents: number | null) => (cents === null ? "—" : `$${(cents / 100).toFixed(2)}`);
const duration = (sec: number) => `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, "0")}`;

/**
 * "Call Record Format": every field the spec lists, in its order, with the facility's own
 * date and time. Newest first ("all call records shall reflect the most current record first").
 */
export const callRecordFields: [StringKey, (r: CallRecordRow) => string][] = [
  ["inmateName", (r) => r.inmateName || "—"],
  ["facility", (r) => r.facilityName],
  ["date", (r) => r.localDate],
  ["time", (r) => `${r.localTime} (${r.timeZone})`],
  ["dialledDigits", (r) => r.dialledDigits],
  ["destination", (r) => `${r.destination ?? "—"} ${r.destinationPlace}`.trim()],
  ["notCompletedReason", (r) => r.notCompletedReason ?? "—"],
  ["duration", (r) => duration(r.durationSec)],
  ["trunk", (r) => r.trunk ?? "—"],
  ["location", (r) => r.stationLocation],
  ["stationSet", (r) => (r.stationSetNumber === null ? "—" : String(r.stationSetNumber))],
  ["charge", (r) => money(r.chargeCents)],
  ["callType", (r) => r.callType ?? "—"],
  ["alert", (r) => (r.alert ? t("yes") : t("no"))],
  ["alertType", (r) => r.alertType ?? "—"],
  ["recorderChannel", (r) => r.recorderChannel ?? "—"],
  ["acceptance", (r) => r.acceptance ?? "—"],
  ["ending", (r) => r.ending ?? "—"],
  ["billingNameAddress", (r) => r.billingNameAddress ?? "—"],
];

export function CallRecordsPage() {
  const { api, facilities } = useApp();
  const rows = useSignal<Row[]>([]);
  const detail = useSignal<Detail | null>(null);
  const error = useSignal<string | null>(null);
  const filter = useSignal<CallRecordQuery>({});
  const facility = useSignal(facilities.current.value);
  const exportJob = useSignal<ExportJobView | null>(null);

  async function load(more = false) {
    error.value = null;
    const last = rows.value[rows.value.length - 1];
    try {
      const page = await api.get<Row[]>("/call-records", {
        ...(filter.value as Record<string, string>),
        facilityId: facility.value || undefined,
        limit: 50,
        ...(more && last ? { beforeStartedAt: last.startedAt, beforeId: last.id } : {}),
      });
      rows.value = more ? [...rows.value, ...page] : page;
    } catch (err) {
      error.value = errorText(err);
    }
  }
  useEffect(() => {
    void load();
  }, [facility.value]);

  const set = (k: keyof CallRecordQuery, v: string | undefined) => {
    filter.value = { ...filter.value, [k]: v || undefined };
  };
  const d = detail.value;
  return (
    <section aria-labelledby="cdr-title">
      <h1 id="cdr-title">{t("navCallRecords")}</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <FacilityPicker facilities={facilities.facilities.value} value={facility} allowAll />
        <label>
          {t("from")}
          <input
            type="datetime-local"
            name="cdr-from"
            onInput={(e) =>
              set("from", e.currentTarget.value ? new Date(e.currentTarget.value).toISOString() : undefined)
            }
          />
        </label>
        <label>
          {t("to")}
          <input
            type="datetime-local"
            name="cdr-to"
            onInput={(e) =>
              set("to", e.currentTarget.value ? new Date(e.currentTarget.value).toISOString() : undefined)
            }
          />
        </label>
        <label>
          {t("destination")}
          <input name="cdr-destination" placeholder="+1…" onInput={(e) => set("destination", e.currentTarget.value)} />
        </label>
        <label>
          {t("inmateName")}
          <input name="cdr-inmate" onInput={(e) => set("inmateName", e.currentTarget.value)} />
        </label>
        <label>
          {t("status")}
          <select name="cdr-status" onChange={(e) => set("status", e.currentTarget.value)}>
            <option value="">{t("all")}</option>
            <option value="completed">completed</option>
            <option value="not-completed">not-completed</option>
            <option value="in-progress">in-progress</option>
          </select>
        </label>
        <button type="submit">{t("search")}</button>
        <button
          type="button"
          class="secondary"
          onClick={async () => {
            error.value = null;
            try {
              let job = await api.post<ExportJobView>("/exports/call-records", {
                ...(facility.value ? { facilityId: facility.value } : {}),
                ...(filter.value.from ? { from: filter.value.from } : {}),
                ...(filter.value.to ? { to: filter.value.to } : {}),
              });
              exportJob.value = job;
              while (job.state === "running") {
                await new Promise((r) => setTimeout(r, 100));
                job = await api.get<ExportJobView>(`/exports/${job.id}`);
                exportJob.value = job;
              }
              if (job.state === "failed") error.value = job.error;
            } catch (err) {
              error.value = errorText(err);
            }
          }}
        >
          {t("exportCsv")}
        </button>
      </form>
      {exportJob.value && (
        <p class="import-progress" data-testid="export-progress" data-state={exportJob.value.state}>
          <progress max={Math.max(exportJob.value.total, 1)} value={exportJob.value.done} aria-label={t("exportCsv")} />{" "}
          {exportJob.value.done} / {exportJob.value.total}{" "}
          {exportJob.value.state === "done" && (
            <a href={`/api/exports/${exportJob.value.id}/file`} download>
              {t("download")}
            </a>
          )}
        </p>
      )}
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      <div class="split">
        <div>
          <table class="data" data-testid="call-records">
            <thead>
              <tr>
                <th>{t("date")}</th>
                <th>{t("time")}</th>
                <th>{t("inmateName")}</th>
                <th>{t("dialledDigits")}</th>
                <th>{t("callType")}</th>
                <th>{t("duration")}</th>
                <th>{t("charge")}</th>
                <th>{t("status")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.value.map((r) => (
                <tr key={r.id} class={d?.record.id === r.id ? "selected" : undefined}>
                  <td>{r.localDate}</td>
                  <td>
                    <button
                      type="button"
                      class="link"
                      onClick={async () => {
                        try {
                          detail.value = await api.get<Detail>(`/call-records/${encodeURIComponent(r.id)}`);
                        } catch (err) {
                          error.value = errorText(err);
                        }
                      }}
                    >
                      {r.localTime}
                    </button>
                  </td>
                  <td>{r.inmateName || "—"}</td>
                  <td>{r.dialledDigits}</td>
                  <td>{r.callType ?? "—"}</td>
                  <td>{duration(r.durationSec)}</td>
                  <td>{money(r.chargeCents)}</td>
                  <td>{r.notCompletedReason ?? r.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.value.length >= 50 && (
            <button type="button" class="secondary" onClick={() => load(true)}>
              {t("next")}
            </button>
          )}
        </div>
        {d && (
          <dl class="panel record" data-testid="call-record-detail">
            {callRecordFields.map(([k, f]) => (
              <div key={k}>
                <dt>{t(k)}</dt>
                <dd>{f(d.record)}</dd>
              </div>
            ))}
            <div>
              <dt>{t("chargeCheck")}</dt>
              <dd>{d.charge.matchesRecord ? "✓" : "✗"}</dd>
            </div>
          </dl>
        )}
      </div>
    </section>
  );
}
