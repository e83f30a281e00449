import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useRef } from "preact/hooks";
import type { MonitorStationView, StartMonitorBody } from "../../controller/api/schemas/monitor.ts";
import type { LiveCall } from "../../controller/calls/events.ts";
import type { MonitorMode, MonitorView } from "../../controller/calls/monitor.ts";
import "./live-calls-page.css";
import { t } from "../i18n/i18n.ts";
import { createLiveStore } from "../stores/live-store.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;

function elapsed(from: number, now: number): string {
  const s = Math.max(0, Math.floor((now - from) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The spec's "Display of Calls in Progress" fields, one row per call, updated live. */
export function LiveCallsTable(props: {
  calls: LiveCall[];
  canTerminate: boolean;
  onTerminate?: (c: LiveCall) => void;
  /** Draws the monitoring controls of a call (live-calls screen only). */
  monitoring?: (c: LiveCall) => ComponentChildren;
}) {
  const columns = 10 + (props.canTerminate ? 1 : 0) + (props.monitoring ? 1 : 0);
  const now = useSignal(Date.now());
  useEffect(() => {
    const h = setInterval(() => (now.value = Date.now()), 1000);
    return () => clearInterval(h);
  }, []);
  return (
    <table class="data" data-testid="live-calls">
      <thead>
        <tr>
          <th>{t("numberCalled")}</th>
          <th>{t("billingNameAddress")}</th>
          <th>{t("hotNumber")}</th>
          <th>{t("recorderChannel")}</th>
          <th>{t("duration")}</th>
          <th>{t("charge")}</th>
          <th>{t("location")}</th>
          <th>{t("callType")}</th>
          <th>{t("denialReason")}</th>
          <th>{t("inmateName")}</th>
          {props.monitoring && <th>{t("monitors")}</th>}
          {props.canTerminate && <th />}
        </tr>
      </thead>
      <tbody>
        {props.calls.map((c) => (
          <tr key={c.callId} class={c.hotNumber ? "hot" : undefined}>
            <td>{c.numberCalled ?? "—"}</td>
            <td>{c.destinationName ?? "—"}</td>
            <td>{c.hotNumber ? <span class="badge bad">{t("yes")}</span> : t("no")}</td>
            <td>{c.recorderChannel ?? "—"}</td>
            <td>{elapsed(c.acceptedAt ?? c.startedAt, now.value)}</td>
            <td>{money(c.chargeCents)}</td>
            <td>{c.location}</td>
            <td>{c.callType ?? c.phase}</td>
            <td>{c.denialReason ?? "—"}</td>
            <td>{c.inmateName ?? "—"}</td>
            {props.monitoring && <td class="monitoring">{props.monitoring(c)}</td>}
            {props.canTerminate && (
              <td>
                <button
                  type="button"
                  class="danger"
                  onClick={() => props.onTerminate?.(c)}
                  aria-label={`${t("terminate")} ${c.numberCalled ?? c.callId}`}
                >
                  {t("terminate")}
                </button>
              </td>
            )}
          </tr>
        ))}
        {props.calls.length === 0 && (
          <tr>
            <td colSpan={columns}>{t("noCalls")}</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function LiveCallsPage() {
  const { api, session } = useApp();
  const live = useMemo(() => createLiveStore(), []);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    live.start({ calls: true, alerts: false, sound: false });
    return () => live.stop();
  }, []);
  const calls = [...live.calls.value.values()].sort((a, b) => a.startedAt - b.startedAt);
  return (
    <section aria-labelledby="live-title">
      <h1 id="live-title">{t("navLiveCalls")}</h1>
      <p class={live.connected.value ? "notice" : "form-error"} data-testid="live-status">
        {live.connected.value ? t("liveConnected") : t("liveDisconnected")}
      </p>
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      {session.can("action.terminate") && calls.length > 0 && (
        <div class="toolbar">
          {[...new Map(calls.map((c) => [`${c.facilityId}/${c.housingUnitId}`, c])).values()].map((c) => (
            <button
              key={`${c.facilityId}/${c.housingUnitId}`}
              type="button"
              class="danger"
              onClick={async () => {
                error.value = null;
                try {
                  await api.post("/live-calls/terminate-group", {
                    facilityId: c.facilityId,
                    housingUnitId: c.housingUnitId,
                  });
                } catch (err) {
                  error.value = errorText(err);
                }
              }}
            >
              {t("terminateGroup")}: {c.housingUnitId}
            </button>
          ))}
        </div>
      )}
      {live.monitorEnds.value.length > 0 && (
        <ul class="notice monitor-ends" aria-live="polite" data-testid="monitor-ends">
          {live.monitorEnds.value.map((e) => (
            <li key={e.monitor.monitorId}>
              {e.cause === "stopped"
                ? t("monitorStoppedBy", { station: e.monitor.station, user: e.by ?? e.monitor.startedBy })
                : t("monitorEnded", {
                    station: e.monitor.station,
                    reason: t(END_REASON[e.cause] ?? "monitorEndFailed"),
                  })}
            </li>
          ))}
        </ul>
      )}
      <LiveCallsTable
        calls={calls}
        canTerminate={session.can("action.terminate")}
        monitoring={
          session.can("action.monitor")
            ? (c) => (
                <MonitorControls call={c} canBarge={session.can("action.barge")} onError={(m) => (error.value = m)} />
              )
            : undefined
        }
        onTerminate={async (c) => {
          error.value = null;
          try {
            await api.post(`/live-calls/${encodeURIComponent(c.callId)}/terminate`);
          } catch (err) {
            error.value = errorText(err);
          }
        }}
      />
      <p class="hint">{t("monitorHint")}</p>
    </section>
  );
}

const MODE_LABEL = { silent: "modeSilent", beep: "modeBeep", barge: "modeBarge" } as const;
const END_REASON: Record<string, "monitorEndStationHungUp" | "monitorEndStationUnanswered" | "monitorEndCallEnded"> = {
  "station-hung-up": "monitorEndStationHungUp",
  "station-unanswered": "monitorEndStationUnanswered",
  "call-ended": "monitorEndCallEnded",
};
/** The station the officer used last, offered again when it serves the call (this browser only). */
const STATION_KEY = "yl.monitorStation";

/**
 * A call's monitors (each with its mode and a stop button) and the form that starts one: the
 * controller calls the station picked (one set up for the call's facility) and attaches it
 * when it answers.
 */
function MonitorControls(props: { call: LiveCall; canBarge: boolean; onError: (message: string | null) => void }) {
  const { api } = useApp();
  const c = props.call;
  const open = useSignal(false);
  const station = useSignal(localStorage.getItem(STATION_KEY) ?? "");
  const stations = useSignal<MonitorStationView[] | null>(null);
  const mode = useSignal<MonitorMode>("silent");
  const busy = useSignal(false);
  // The Monitor button the officer pressed is replaced by the form: keyboard focus follows it.
  const stationInput = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    if (!open.value) return;
    stationInput.current?.focus();
    void api
      .get<MonitorStationView[]>("/monitor-stations", { facilityId: c.facilityId })
      .then((list) => {
        stations.value = list.filter((s) => s.enabled);
        if (!stations.value.some((s) => s.id === station.value)) station.value = stations.value[0]?.id ?? "";
      })
      .catch((err) => props.onError(errorText(err)));
  }, [open.value]);
  const modes: MonitorMode[] = props.canBarge ? ["silent", "beep", "barge"] : ["silent", "beep"];
  const base = `/live-calls/${encodeURIComponent(c.callId)}/monitors`;
  const run = async (fn: () => Promise<unknown>) => {
    props.onError(null);
    busy.value = true;
    try {
      await fn();
    } catch (err) {
      props.onError(errorText(err));
    } finally {
      busy.value = false;
    }
  };
  const who = c.numberCalled ?? c.callId;
  return (
    <div class="monitor-controls">
      {c.monitors.length > 0 && (
        <ul class="monitor-list" aria-label={`${t("monitors")} ${who}`}>
          {c.monitors.map((m: MonitorView) => (
            <li key={m.monitorId} data-testid="monitor">
              <span class={`badge ${m.state === "active" ? "good" : ""}`}>
                {m.state === "active" ? t("monitorActive") : t("monitorCalling")}
              </span>{" "}
              <span class="monitor-station">{m.station}</span>{" "}
              <span class="hint">{t("monitorStartedBy", { user: m.startedBy })}</span>
              <label>
                <span class="visually-hidden">{`${t("monitorChangeMode")} ${m.station}`}</span>
                <select
                  value={m.mode}
                  disabled={busy.value}
                  onChange={(e) => {
                    const next = e.currentTarget.value as MonitorMode;
                    void run(() => api.patch(`${base}/${encodeURIComponent(m.monitorId)}`, { mode: next }));
                  }}
                >
                  {(modes.includes(m.mode) ? modes : [...modes, m.mode]).map((x) => (
                    <option key={x} value={x} disabled={x === "barge" && !props.canBarge}>
                      {t(MODE_LABEL[x])}
                    </option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                disabled={busy.value}
                aria-label={`${t("monitorStop")} ${m.station}`}
                onClick={() => void run(() => api.del(`${base}/${encodeURIComponent(m.monitorId)}`))}
              >
                {t("monitorStop")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {!c.monitorable ? (
        <span class="hint">{t("notMonitorable")}</span>
      ) : c.phase !== "connected" ? null : !open.value ? (
        <button type="button" aria-label={`${t("monitor")} ${who}`} onClick={() => (open.value = true)}>
          {t("monitor")}
        </button>
      ) : (
        <form
          class="monitor-form"
          aria-label={`${t("monitorCall")} ${who}`}
          onSubmit={(e) => {
            e.preventDefault();
            const body: StartMonitorBody = { mode: mode.value, stationId: station.value };
            void run(async () => {
              await api.post(base, body);
              localStorage.setItem(STATION_KEY, body.stationId);
              open.value = false;
            });
          }}
        >
          <label>
            {t("monitorStation")}
            <select
              name="station"
              required
              ref={stationInput}
              value={station.value}
              title={t("monitorStationHint")}
              onChange={(e) => (station.value = e.currentTarget.value)}
            >
              {(stations.value ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.registered === false ? `${s.name} (${t("monitorStationOffline")})` : s.name}
                </option>
              ))}
            </select>
          </label>
          {stations.value?.length === 0 && <p class="hint">{t("monitorNoStations")}</p>}
          <fieldset>
            <legend>{t("monitorMode")}</legend>
            {modes.map((x) => (
              <label key={x}>
                <input
                  type="radio"
                  name={`mode-${c.callId}`}
                  value={x}
                  checked={mode.value === x}
                  onChange={() => (mode.value = x)}
                />
                {t(MODE_LABEL[x])}
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={busy.value}>
            {t("monitorStart")}
          </button>
          <button type="button" onClick={() => (open.value = false)}>
            {t("cancel")}
          </button>
        </form>
      )}
    </div>
  );
}
