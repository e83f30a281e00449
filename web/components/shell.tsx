import type { ComponentChildren } from "preact";
import { t } from "../i18n/i18n.ts";
import type { StringKey } from "../i18n/strings.ts";
import { route } from "../router.ts";
import { useApp } from "../stores/session-store.ts";
import { LanguagePicker } from "./language-picker.tsx";
import "./shell.css";

export interface NavItem {
  path: string;
  label: StringKey;
  /** Any one of these lets the user open the screen (the server checks again on every call). */
  permissions: string[];
}

export function Shell(props: { nav: NavItem[]; children: ComponentChildren }) {
  const { session } = useApp();
  const view = session.session.value;
  const visible = props.nav.filter((n) => n.permissions.some((p) => session.can(p)));
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        {t("skipToContent")}
      </a>
      <header class="shell__top">
        <strong class="shell__brand">{t("appName")}</strong>
        <span class="shell__user" data-testid="signed-in-as">
          {t("signedInAs")} {view?.user.displayName} ({view?.user.levelName})
        </span>
        <LanguagePicker />
        <button type="button" onClick={() => session.signOut()}>
          {t("signOut")}
        </button>
      </header>
      <nav class="shell__nav" aria-label="Main">
        <ul>
          {visible.map((n) => (
            <li key={n.path}>
              <a href={`#${n.path}`} aria-current={route.value === n.path ? "page" : undefined}>
                {t(n.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" class="shell__main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
