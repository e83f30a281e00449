import { useSignal } from "@preact/signals";
import type { CallRecordQuery } from "../../controller/api/schemas/domain.ts";
import type { CallRecordRow } from "../../controller/store/schema.ts";
import { RecordingPlayer } from "../components/recording-player.tsx";
import { t } from "../i18n/i18n.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

/**
 * The recording library. Recording: search "based upon the following criteria: Start
 * date/time, Destination number called, Calling telephone number, End date/time, Duration of
 * call, Inmate's name".
 */
export function RecordingsPage() {
  const { api, session } = useApp();
  const q = useSignal<CallRecordQuery>({});
  const rows = useSignal<CallRecordRow[]>([]);
  const players = useSignal<{ id: string; title: string }[]>([]);
  const error = useSignal<string | null>(null);
  const set = (k: keyof CallRecordQuery, v: string | number | undefined) => {
    q.value = { ...q.value, [k]: v === "" ? undefined : v };
  };
  const time = (k: "from" | "to") => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    set(k, v ? new Date(v).toISOString() : undefined);
  };

  async function search(e?: Event) {
    e?.preventDefault();
    error.value = null;
    try {
      rows.value = await api.get<CallRecordRow[]>("/call-records", {
        ...(q.value as Record<string, string>),
        recordedOnly: true,
        limit: 100,
      });
    } catch (err) {
      error.value = errorText(err);
    }
  }

  return (
    <section aria-labelledby="rec-title">
      <h1 id="rec-title">{t("navRecordings")}</h1>
      <form class="toolbar" onSubmit={search}>
        <label>
          {t("startFrom")}
          <input type="datetime-local" name="rec-from" onInput={time("from")} />
        </label>
        <label>
          {t("endBy")}
          <input type="datetime-local" name="rec-to" onInput={time("to")} />
        </label>
        <label>
          {t("destination")}
          <input name="rec-destination" placeholder="+1…" onInput={(e) => set("destination", e.currentTarget.value)} />
        </label>
        <label>
          {t("callingTelephone")}
          <input name="rec-station" onInput={(e) => set("stationId", e.currentTarget.value)} />
        </label>
        <label>
          {t("minDuration")}
          <input
            type="number"
            min={0}
            name="rec-min"
            onInput={(e) => set("minDurationSec", e.currentTarget.value ? Number(e.currentTarget.value) : undefined)}
          />
        </label>
        <label>
          {t("maxDuration")}
          <input
            type="number"
            min={0}
            name="rec-max"
            onInput={(e) => set("maxDurationSec", e.currentTarget.value ? Number(e.currentTarget.value) : undefined)}
          />
        </label>
        <label>
          {t("inmateName")}
          <input name="rec-inmate" onInput={(e) => set("inmateName", e.currentTarget.value)} />
        </label>
        <button type="submit">{t("search")}</button>
      </form>
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      <div class="players">
        {players.value.map((p) => (
          <RecordingPlayer
            key={p.id}
            id={p.id}
            title={p.title}
            canDownload={session.can("action.download-recording")}
            onClose={() => (players.value = players.value.filter((x) => x.id !== p.id))}
          />
        ))}
      </div>
      <table class="data" data-testid="recordings">
        <thead>
          <tr>
            <th>{t("date")}</th>
            <th>{t("time")}</th>
            <th>{t("inmateName")}</th>
            <th>{t("destination")}</th>
            <th>{t("location")}</th>
            <th>{t("duration")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.value.map((r) => (
            <tr key={r.id}>
              <td>{r.localDate}</td>
              <td>{r.localTime}</td>
              <td>{r.inmateName}</td>
              <td>{r.destination}</td>
              <td>{r.stationLocation}</td>
              <td>{r.durationSec}s</td>
              <td>
                <button
                  type="button"
                  disabled={players.value.some((p) => p.id === r.id)}
                  onClick={() =>
                    (players.value = [
                      ...players.value,
                      { id: r.id, title: `${r.localDate} ${r.localTime} ${r.inmateName} → ${r.destination ?? ""}` },
                    ])
                  }
                >
                  {t("open")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
