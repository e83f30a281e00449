import { useSignal } from "@preact/signals";
import type {
  CreateMonitorStationBody,
  MonitorStationCredential,
  MonitorStationView,
} from "../../controller/api/schemas/monitor.ts";
import { t } from "../i18n/i18n.ts";
import { errorText, useResource } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

/** What the controller returns once, when a station is created or its credential reset. */
type Credential = MonitorStationCredential;

/**
 * Monitoring stations: the officers' SIP phones that live monitoring may call, set up by an
 * administrator for the facility in use. Each has its own SIP account and password; the
 * password is shown once (at creation and at each reset) to be typed into the phone.
 */
export function MonitorStationsPage() {
  const { api, facilities } = useApp();
  const stations = useResource(() => api.get<MonitorStationView[]>("/monitor-stations"));
  const error = useSignal<string | null>(null);
  const shown = useSignal<Credential | null>(null);
  const name = useSignal("");
  const facilityName = (id: string) => facilities.facilities.value.find((f) => f.id === id)?.name ?? id;

  async function act(fn: () => Promise<Credential | unknown>) {
    error.value = null;
    try {
      const r = await fn();
      if (r && typeof r === "object" && "password" in r) shown.value = r as Credential;
      await stations.reload();
    } catch (err) {
      error.value = errorText(err);
    }
  }

  return (
    <section aria-labelledby="stations-title">
      <h1 id="stations-title">{t("navMonitorStations")}</h1>
      <p class="hint">{t("monitorStationsIntro")}</p>
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      {shown.value && (
        <div class="panel notice" role="status" data-testid="station-credential">
          <p>{t("stationCredentialOnce", { name: shown.value.station.name })}</p>
          <dl>
            <dt>{t("stationAccount")}</dt>
            <dd>
              <code>{shown.value.station.account}</code>
            </dd>
            <dt>{t("password")}</dt>
            <dd>
              <code data-testid="station-password">{shown.value.password}</code>
            </dd>
            <dt>{t("stationRealm")}</dt>
            <dd>
              <code>{shown.value.realm}</code>
            </dd>
          </dl>
          <button type="button" class="secondary" onClick={() => (shown.value = null)}>
            {t("stationCredentialNoted")}
          </button>
        </div>
      )}
      <form
        class="panel grid-form"
        aria-label={t("newMonitorStation")}
        onSubmit={(e) => {
          e.preventDefault();
          const body: CreateMonitorStationBody = {
            name: name.value.trim(),
            facilityIds: [facilities.current.value],
          };
          void act(async () => {
            const r = await api.post<Credential>("/monitor-stations", body);
            name.value = "";
            return r;
          });
        }}
      >
        <label>
          {t("name")}
          <input
            name="station-name"
            required
            maxLength={100}
            value={name.value}
            placeholder={t("monitorStationNameHint")}
            onInput={(e) => (name.value = e.currentTarget.value)}
          />
        </label>
        <p class="hint">{t("monitorStationForFacility", { facility: facilityName(facilities.current.value) })}</p>
        <button type="submit" disabled={!facilities.current.value}>
          {t("create")}
        </button>
      </form>
      <table class="data" data-testid="monitor-stations">
        <thead>
          <tr>
            <th>{t("name")}</th>
            <th>{t("stationAccount")}</th>
            <th>{t("facilities")}</th>
            <th>{t("status")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(stations.data.value ?? []).map((s) => (
            <tr key={s.id}>
              <td>{s.name}</td>
              <td>
                <code>{s.account}</code>
              </td>
              <td>{s.facilityIds.map(facilityName).join(", ")}</td>
              <td>
                {!s.enabled ? (
                  <span class="badge bad">{t("disabled")}</span>
                ) : s.registered ? (
                  <span class="badge good">{t("stationRegistered")}</span>
                ) : (
                  <span class="badge">{t("monitorStationOffline")}</span>
                )}
              </td>
              <td>
                <button
                  type="button"
                  class={s.enabled ? "danger" : "secondary"}
                  aria-label={`${s.enabled ? t("disable") : t("enable")} ${s.name}`}
                  onClick={() =>
                    void act(() => api.patch(`/monitor-stations/${encodeURIComponent(s.id)}`, { enabled: !s.enabled }))
                  }
                >
                  {s.enabled ? t("disable") : t("enable")}
                </button>{" "}
                <button
                  type="button"
                  class="secondary"
                  aria-label={`${t("stationResetCredential")} ${s.name}`}
                  onClick={() => {
                    if (!confirm(t("stationResetConfirm", { name: s.name }))) return;
                    void act(() => api.post<Credential>(`/monitor-stations/${encodeURIComponent(s.id)}/credential`));
                  }}
                >
                  {t("stationResetCredential")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {stations.data.value?.length === 0 && <p class="hint">{t("monitorNoStations")}</p>}
    </section>
  );
}
