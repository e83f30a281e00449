import { type Language, language, setLanguage, t } from "../i18n/i18n.ts";

export function LanguagePicker() {
  return (
    <label class="language-picker">
      {t("language")}{" "}
      <select
        value={language.value}
        onChange={(e) => setLanguage(e.currentTarget.value as Language)}
        data-testid="language"
      >
        <option value="en">English</option>
        <option value="es">Español</option>
      </select>
    </label>
  );
}
