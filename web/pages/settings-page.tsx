import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { AccessSettingsView } from "../../controller/api/schemas/access.ts";
import { t } from "../i18n/i18n.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

type Policy = AccessSettingsView["password"];

/** NIST SP 800-63B §5.1.1.2 (the default) and the spec's Access Control table. */
const presets: Record<"nist" | "iwts", Policy> = {
  nist: {
    minLength: 8,
    maxLength: 64,
    requireUpper: false,
    requireLower: false,
    requireDigit: false,
    lifetimeDays: null,
    rejectCommon: true,
  },
  iwts: {
    minLength: 4,
    maxLength: 8,
    requireUpper: true,
    requireLower: true,
    requireDigit: true,
    lifetimeDays: 182,
    rejectCommon: true,
  },
};

/** Password policy, lockout and session policy (single or multiple logons). */
export function SettingsPage() {
  const { api } = useApp();
  const s = useSignal<AccessSettingsView | null>(null);
  const error = useSignal<string | null>(null);
  const saved = useSignal(false);
  useEffect(() => {
    api.get<AccessSettingsView>("/access-settings").then(
      (v) => (s.value = v),
      (err) => (error.value = errorText(err)),
    );
  }, []);
  const v = s.value;
  if (!v) return <p>{error.value ?? t("loading")}</p>;
  const set = (next: AccessSettingsView) => {
    s.value = next;
    saved.value = false;
  };
  const numField = (label: string, value: number, on: (n: number) => void, name: string) => (
    <label>
      {label}
      <input type="number" name={name} min={1} value={value} onInput={(e) => on(Number(e.currentTarget.value))} />
    </label>
  );
  const flag = (label: string, value: boolean, on: (b: boolean) => void, name: string) => (
    <label class="inline">
      <input type="checkbox" name={name} checked={value} onChange={(e) => on(e.currentTarget.checked)} />
      {label}
    </label>
  );
  const p = v.password;
  const setP = (patch: Partial<Policy>) => set({ ...v, password: { ...p, ...patch } });
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{t("navSettings")}</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          error.value = null;
          try {
            s.value = await api.put<AccessSettingsView>("/access-settings", v);
            saved.value = true;
          } catch (err) {
            error.value = errorText(err);
          }
        }}
      >
        <fieldset class="panel">
          <legend>{t("passwordPolicy")}</legend>
          <div class="toolbar">
            <button type="button" class="secondary" onClick={() => setP(presets.nist)}>
              {t("presetNist")}
            </button>
            <button type="button" class="secondary" onClick={() => setP(presets.iwts)}>
              {t("presetIwts")}
            </button>
          </div>
          <div class="grid-form">
            {numField(t("minLength"), p.minLength, (n) => setP({ minLength: n }), "min-length")}
            {numField(t("maxLength"), p.maxLength, (n) => setP({ maxLength: n }), "max-length")}
            <label>
              {t("lifetimeDays")}
              <input
                type="number"
                name="lifetime"
                min={1}
                value={p.lifetimeDays ?? ""}
                placeholder={t("never")}
                onInput={(e) => setP({ lifetimeDays: e.currentTarget.value ? Number(e.currentTarget.value) : null })}
              />
            </label>
            {flag(t("requireUpper"), p.requireUpper, (b) => setP({ requireUpper: b }), "upper")}
            {flag(t("requireLower"), p.requireLower, (b) => setP({ requireLower: b }), "lower")}
            {flag(t("requireDigit"), p.requireDigit, (b) => setP({ requireDigit: b }), "digit")}
            {flag(t("rejectCommon"), p.rejectCommon, (b) => setP({ rejectCommon: b }), "common")}
          </div>
        </fieldset>
        <fieldset class="panel">
          <legend>{t("lockout")}</legend>
          <div class="grid-form">
            {numField(
              t("maxAttempts"),
              v.lockout.maxAttempts,
              (n) => set({ ...v, lockout: { ...v.lockout, maxAttempts: n } }),
              "max-attempts",
            )}
            {numField(
              t("lockMinutes"),
              v.lockout.lockMinutes,
              (n) => set({ ...v, lockout: { ...v.lockout, lockMinutes: n } }),
              "lock-minutes",
            )}
          </div>
        </fieldset>
        <fieldset class="panel">
          <legend>{t("sessionPolicy")}</legend>
          <div class="grid-form">
            {flag(
              t("allowMultiple"),
              v.sessions.allowMultiple,
              (b) => set({ ...v, sessions: { ...v.sessions, allowMultiple: b } }),
              "multiple",
            )}
            {numField(
              t("idleMinutes"),
              v.sessions.idleMinutes,
              (n) => set({ ...v, sessions: { ...v.sessions, idleMinutes: n } }),
              "idle",
            )}
            {numField(
              t("absoluteHours"),
              v.sessions.absoluteHours,
              (n) => set({ ...v, sessions: { ...v.sessions, absoluteHours: n } }),
              "absolute",
            )}
          </div>
        </fieldset>
        {error.value && (
          <p class="form-error" role="alert">
            {error.value}
          </p>
        )}
        {saved.value && (
          <p class="notice" role="status">
            {t("saved")}
          </p>
        )}
        <button type="submit">{t("save")}</button>
      </form>
    </section>
  );
}
