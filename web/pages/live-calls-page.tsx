import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { LiveCall } from "../../controller/calls/events.ts";
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
}) {
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
            <td colSpan={11}>{t("noCalls")}</td>
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
      <LiveCallsTable
        calls={calls}
        canTerminate={session.can("action.terminate")}
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
