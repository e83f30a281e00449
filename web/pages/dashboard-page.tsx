import { useEffect, useMemo } from "preact/hooks";
import type { LiveCall } from "../../controller/calls/events.ts";
import { t } from "../i18n/i18n.ts";
import { createLiveStore } from "../stores/live-store.ts";
import { useResource } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";
import { LiveCallsTable } from "./live-calls-page.tsx";

interface Dashboard {
  calls: LiveCall[];
  housingUnits: { facilityId: string; housingUnitId: string; inUse: number }[];
  banks: {
    boardId: string;
    name: string;
    connected: boolean;
    serviceAvailable: boolean;
    handsets: number;
    offHook: number;
    faults: string[];
  }[];
}

/** Calls in progress, handsets in use per housing unit, bank health, live alerts with sound. */
export function DashboardPage() {
  const { api, features } = useApp();
  const live = useMemo(() => createLiveStore(), []);
  const board = useResource(() => api.get<Dashboard>("/dashboard"));
  useEffect(() => {
    live.start({ calls: features.value.liveCalls, alerts: features.value.alerts, sound: true });
    const h = setInterval(() => void board.reload(), 5000);
    return () => {
      clearInterval(h);
      live.stop();
    };
  }, []);
  const calls = [...live.calls.value.values()];
  const perUnit = new Map<string, number>();
  for (const c of calls) perUnit.set(c.housingUnitId, (perUnit.get(c.housingUnitId) ?? 0) + 1);
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">{t("navDashboard")}</h1>
      {live.alerts.value.some((a) => a.state === "open") && (
        <div class="panel alert-banner" role="alert" data-testid="alert-banner">
          {live.alerts.value
            .filter((a) => a.state === "open")
            .slice(0, 3)
            .map((a) => (
              <p key={a.id}>
                <strong>{a.title}</strong> — {a.text}
              </p>
            ))}
        </div>
      )}
      <div class="split">
        <div class="panel">
          <h2>{t("handsetsInUse")}</h2>
          <table class="data">
            <tbody>
              {[...perUnit.entries()].map(([unit, n]) => (
                <tr key={unit}>
                  <th scope="row">{unit}</th>
                  <td>{n}</td>
                </tr>
              ))}
              {perUnit.size === 0 && (
                <tr>
                  <td>{t("noCalls")}</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
        <div class="panel">
          <h2>{t("bankHealth")}</h2>
          <table class="data">
            <tbody>
              {(board.data.value?.banks ?? []).map((b) => (
                <tr key={b.boardId}>
                  <th scope="row">{b.name}</th>
                  <td>
                    <span class={`badge ${b.connected && b.serviceAvailable ? "good" : "bad"}`}>
                      {b.connected ? t("online") : t("offline")}
                    </span>
                  </td>
                  <td>
                    {b.offHook}/{b.handsets} {t("offHook")}
                  </td>
                  <td>{b.faults.join(", ")}</td>
                </tr>
              ))}
              {(board.data.value?.banks.length ?? 0) === 0 && (
                <tr>
                  <td>{t("noBanks")}</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </div>
      <h2>{t("navLiveCalls")}</h2>
      <LiveCallsTable calls={calls} canTerminate={false} />
    </section>
  );
}
