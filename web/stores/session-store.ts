/** The signed-on user: a factory returning signals and actions (provided through context). */
import { computed, type Signal, signal } from "@preact/signals";
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { SessionView } from "../../controller/api/schemas/access.ts";
import type { ApiClient } from "../api/client.ts";
import type { FacilityStore } from "./facility-store.ts";

export type SessionState = "unknown" | "signed-out" | "signed-in";

export function createSessionStore(api: ApiClient) {
  const session = signal<SessionView | null>(null);
  const state = signal<SessionState>("unknown");
  const permissions = computed(() => new Set(session.value?.permissions ?? []));

  function apply(view: SessionView | null) {
    session.value = view;
    state.value = view ? "signed-in" : "signed-out";
    api.setCsrf(view?.csrfToken ?? null);
  }

  return {
    session,
    state,
    permissions,
    can: (permission: string) => permissions.value.has(permission),
    async refresh() {
      try {
        apply(await api.get<SessionView>("/session"));
      } catch {
        apply(null);
      }
    },
    async signIn(username: string, password: string) {
      apply(await api.post<SessionView>("/session", { username, password }));
    },
    async signOut() {
      try {
        await api.del("/session");
      } finally {
        apply(null);
      }
    },
    async changePassword(currentPassword: string, newPassword: string) {
      await api.post("/session/password", { currentPassword, newPassword });
      apply(await api.get<SessionView>("/session"));
    },
    expired() {
      apply(null);
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

export interface Features {
  domain: boolean;
  alerts: boolean;
  liveCalls: boolean;
  recordings: boolean;
}

export interface AppContextValue {
  api: ApiClient;
  session: SessionStore;
  facilities: FacilityStore;
  features: Signal<Features>;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error("AppContext missing");
  return ctx;
}
