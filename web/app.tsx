import type { ComponentType } from "preact";
import { useEffect, useMemo } from "preact/hooks";
import { createApiClient } from "./api/client.ts";
import { type NavItem, Shell } from "./components/shell.tsx";
import { t } from "./i18n/i18n.ts";
import { AuditPage } from "./pages/audit-page.tsx";
import { ChangePasswordPage } from "./pages/change-password-page.tsx";
import { LevelsPage } from "./pages/levels-page.tsx";
import { SignInPage } from "./pages/sign-in-page.tsx";
import { UsersPage } from "./pages/users-page.tsx";
import { route } from "./router.ts";
import { AppContext, type AppContextValue, createSessionStore, useApp } from "./stores/session-store.ts";

interface Screen extends NavItem {
  page: ComponentType;
}

export const screens: Screen[] = [
  { path: "/users", label: "navUsers", permissions: ["menu.users", "admin.users"], page: UsersPage },
  {
    path: "/levels",
    label: "navAccessLevels",
    permissions: ["menu.access-levels", "admin.access-levels"],
    page: LevelsPage,
  },
  { path: "/audit", label: "navAudit", permissions: ["menu.audit", "query.audit"], page: AuditPage },
];

function Router() {
  const ctx = useApp();
  const allowed = screens.filter((s) => s.permissions.some((p) => ctx.session.can(p)));
  const current = allowed.find((s) => s.path === route.value) ?? allowed[0];
  const Page = current?.page;
  return <Shell nav={screens}>{Page ? <Page key={current.path} /> : <p>{t("none")}</p>}</Shell>;
}

export function App() {
  const ctx = useMemo((): AppContextValue => {
    let session: ReturnType<typeof createSessionStore> | null = null;
    const api = createApiClient("/api", () => session?.expired());
    session = createSessionStore(api);
    return { api, session };
  }, []);
  useEffect(() => {
    void ctx.session.refresh();
  }, []);
  const state = ctx.session.state.value;
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
