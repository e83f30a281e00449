import type { Signal } from "@preact/signals";
import type { FacilityRow } from "../../controller/store/schema.ts";
import { t } from "../i18n/i18n.ts";

/** The facilities the user reaches (the server only ever returns those). */
export function FacilityPicker(props: { facilities: FacilityRow[]; value: Signal<string>; allowAll?: boolean }) {
  return (
    <label>
      {t("facility")}
      <select
        name="facility"
        value={props.value.value}
        onChange={(e) => {
          props.value.value = e.currentTarget.value;
        }}
      >
        {props.allowAll && <option value="">{t("all")}</option>}
        {props.facilities.map((f) => (
          <option key={f.id} value={f.id}>
            {f.name}
          </option>
        ))}
      </select>
    </label>
  );
}
