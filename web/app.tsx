import { signal } from "@preact/signals";
import type { ComponentType } from "preact";
import { useEffect, useMemo } from "preact/hooks";
import { createApiClient } from "./api/client.ts";
import { type NavItem, Shell } from "./components/shell.tsx";
import { t } from "./i18n/i18n.ts";
import { AuditPage } from "./pages/audit-page.tsx";
import { CallRecordsPage } from "./pages/call-records-page.tsx";
import { ChangePasswordPage } from "./pages/change-password-page.tsx";
import { CosPage } from "./pages/cos-page.tsx";
import { DashboardPage } from "./pages/dashboard-page.tsx";
import { InmatesPage } from "./pages/inmates-page.tsx";
import { LevelsPage } from "./pages/levels-page.tsx";
import { LiveCallsPage } from "./pages/live-calls-page.tsx";
import { MonitorStationsPage } from "./pages/monitor-stations-page.tsx";
import { NumberListsPage } from "./pages/number-lists-page.tsx";
import { PhoneBanksPage } from "./pages/phone-banks-page.tsx";
import { RatesPage } from "./pages/rates-page.tsx";
import { RecordingsPage } from "./pages/recordings-page.tsx";
import { ReportsPage } from "./pages/reports-page.tsx";
import { SettingsPage } from "./pages/settings-page.tsx";
import { SignInPage } from "./pages/sign-in-page.tsx";
import { UsersPage } from "./pages/users-page.tsx";
import { route } from "./router.ts";
import { createFacilityStore } from "./stores/facility-store.ts";
import { AppContext, type AppContextValue, createSessionStore, type Features, useApp } from "./stores/session-store.ts";

interface Screen extends NavItem {
  page: ComponentType;
  /** The server feature the screen needs. */
  needs?: keyof Features;
}

export const screens: Screen[] = [
  {
    path: "/dashboard",
    label: "navDashboard",
    permissions: ["menu.dashboard"],
    page: DashboardPage,
    needs: "liveCalls",
  },
  {
    path: "/live-calls",
    label: "navLiveCalls",
    permissions: ["menu.live-calls"],
    page: LiveCallsPage,
    needs: "liveCalls",
  },
  {
    path: "/inmates",
    label: "navInmates",
    permissions: ["menu.inmates", "query.inmates"],
    page: InmatesPage,
    needs: "domain",
  },
  {
    path: "/classes-of-service",
    label: "navClassesOfService",
    permissions: ["menu.classes-of-service"],
    page: CosPage,
    needs: "domain",
  },
  {
    path: "/number-lists",
    label: "navNumberLists",
    permissions: ["menu.number-lists"],
    page: NumberListsPage,
    needs: "domain",
  },
  { path: "/rates", label: "navRates", permissions: ["menu.rates"], page: RatesPage, needs: "domain" },
  {
    path: "/phone-banks",
    label: "navPhoneBanks",
    permissions: ["menu.phone-banks"],
    page: PhoneBanksPage,
    needs: "domain",
  },
  {
    path: "/call-records",
    label: "navCallRecords",
    permissions: ["menu.call-records", "query.call-records"],
    page: CallRecordsPage,
    needs: "domain",
  },
  {
    path: "/recordings",
    label: "navRecordings",
    permissions: ["menu.recordings", "query.recordings"],
    page: RecordingsPage,
    needs: "recordings",
  },
  {
    path: "/reports",
    label: "navReports",
    permissions: ["report.call-detail", "report.usage", "report.revenue", "report.fraud"],
    page: ReportsPage,
    needs: "domain",
  },
  { path: "/users", label: "navUsers", permissions: ["menu.users", "admin.users"], page: UsersPage },
  {
    path: "/monitor-stations",
    label: "navMonitorStations",
    permissions: ["admin.users"],
    page: MonitorStationsPage,
    needs: "liveCalls",
  },
  {
    path: "/levels",
    label: "navAccessLevels",
    permissions: ["menu.access-levels", "admin.access-levels"],
    page: LevelsPage,
  },
  { path: "/audit", label: "navAudit", permissions: ["menu.audit", "query.audit"], page: AuditPage },
  { path: "/settings", label: "navSettings", permissions: ["admin.settings"], page: SettingsPage },
];

function Router() {
  const ctx = useApp();
  const available = screens.filter((s) => !s.needs || ctx.features.value[s.needs]);
  const allowed = available.filter((s) => s.permissions.some((p) => ctx.session.can(p)));
  const current = allowed.find((s) => s.path === route.value) ?? allowed[0];
  const Page = current?.page;
  return <Shell nav={available}>{Page ? <Page key={current.path} /> : <p>{t("none")}</p>}</Shell>;
}

export function App() {
  const ctx = useMemo((): AppContextValue => {
    let session: ReturnType<typeof createSessionStore> | null = null;
    const api = createApiClient("/api", () => session?.expired());
    session = createSessionStore(api);
    return {
      api,
      session,
      facilities: createFacilityStore(api),
      features: signal<Features>({ domain: false, alerts: false, liveCalls: false, recordings: false }),
    };
  }, []);
  useEffect(() => {
    void ctx.session.refresh();
  }, []);
  const state = ctx.session.state.value;
  const ready = state === "signed-in" && !ctx.session.session.value?.mustChangePassword;
  useEffect(() => {
    if (!ready) return;
    void (async () => {
      ctx.features.value = await ctx.api.get<Features>("/features");
      if (ctx.features.value.domain) await ctx.facilities.load().catch(() => undefined);
    })();
  }, [ready]);
  return (
    <AppContext.Provider value={ctx}>
      {state === "unknown" ? (
        <p>{t("loading")}</p>
      ) : state === "signed-out" ? (
        <SignInPage />
      ) : ctx.session.session.value?.mustChangePassword ? (
        <ChangePasswordPage />
      ) : (
        <Router />
      )}
    </AppContext.Provider>
  );
}
