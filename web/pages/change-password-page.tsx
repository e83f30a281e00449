import { useSignal } from "@preact/signals";
import { t } from "../i18n/i18n.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";
import "./sign-in-page.css";

/** Access Control: "Lifetime: 6 months (with an automated prompt for the user to change when necessary)". */
export function ChangePasswordPage() {
  const { session } = useApp();
  const current = useSignal("");
  const next = useSignal("");
  const repeat = useSignal("");
  const error = useSignal<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    if (next.value !== repeat.value) {
      error.value = t("passwordsDiffer");
      return;
    }
    try {
      await session.changePassword(current.value, next.value);
    } catch (err) {
      error.value = errorText(err);
    }
  }

  const field = (name: string, label: string, value: typeof current, auto: string) => (
    <label>
      {label}
      <input
        name={name}
        type="password"
        autoComplete={auto}
        required
        value={value.value}
        onInput={(e) => {
          value.value = e.currentTarget.value;
        }}
      />
    </label>
  );

  return (
    <main class="sign-in">
      <section class="sign-in__banner" role="note">
        <h1>{t("changePasswordTitle")}</h1>
        <p>{t("changePasswordExpired")}</p>
      </section>
      <form class="sign-in__form" onSubmit={submit}>
        {field("current", t("currentPassword"), current, "current-password")}
        {field("new", t("newPassword"), next, "new-password")}
        {field("repeat", t("repeatPassword"), repeat, "new-password")}
        {error.value && (
          <p class="form-error" role="alert">
            {error.value}
          </p>
        )}
        <button type="submit">{t("save")}</button>
        <button type="button" class="secondary" onClick={() => session.signOut()}>
          {t("signOut")}
        </button>
      </form>
    </main>
  );
}
