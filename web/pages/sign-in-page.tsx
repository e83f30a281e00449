import { useSignal } from "@preact/signals";
import { signOnBanner } from "../../controller/api/schemas/access.ts";
import { ApiFailure } from "../api/client.ts";
import { LanguagePicker } from "../components/language-picker.tsx";
import { t } from "../i18n/i18n.ts";
import { useApp } from "../stores/session-store.ts";
import "./sign-in-page.css";

/**
 * The sign-on screen. Access Control: "All users shall be given notice during logon ... through
 * an appropriately worded 'sign-on' screen described as a banner".
 */
export function SignInPage() {
  const { session } = useApp();
  const username = useSignal("");
  const password = useSignal("");
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);

  async function submit(e: Event) {
    e.preventDefault();
    busy.value = true;
    error.value = null;
    try {
      await session.signIn(username.value, password.value);
    } catch (err) {
      error.value = err instanceof ApiFailure ? err.message : String(err);
    } finally {
      busy.value = false;
      password.value = "";
    }
  }

  return (
    <main class="sign-in">
      <section class="sign-in__banner" role="note" aria-labelledby="banner-title">
        <h1 id="banner-title">{t("bannerTitle")}</h1>
        <p class="sign-in__warning" data-testid="banner">
          {signOnBanner}
        </p>
        {t("bannerTranslation") && (
          <p class="sign-in__translation" lang="es">
            {t("bannerTranslation")}
          </p>
        )}
      </section>
      <form class="sign-in__form" onSubmit={submit} aria-label={t("signIn")}>
        <h2>{t("appName")}</h2>
        <label>
          {t("username")}
          <input
            name="username"
            autoComplete="username"
            required
            value={username.value}
            onInput={(e) => {
              username.value = e.currentTarget.value;
            }}
          />
        </label>
        <label>
          {t("password")}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password.value}
            onInput={(e) => {
              password.value = e.currentTarget.value;
            }}
          />
        </label>
        {error.value && (
          <p class="form-error" role="alert">
            {error.value}
          </p>
        )}
        <button type="submit" disabled={busy.value}>
          {busy.value ? t("signingIn") : t("signIn")}
        </button>
        <LanguagePicker />
      </form>
    </main>
  );
}
