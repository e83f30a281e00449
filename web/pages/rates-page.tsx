import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { RateBody } from "../../controller/api/schemas/domain.ts";
import { CALL_TYPES } from "../../controller/domain/call-types.ts";
import type { RateRow } from "../../controller/store/schema.ts";
import { FacilityPicker } from "../components/facility-picker.tsx";
import { t } from "../i18n/i18n.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

const dollars = (mills: number) => `$${(mills / 1000).toFixed(3)}`;

/** Rates per facility with the FCC cap check each one passed (47 CFR 64.6030). */
export function RatesPage() {
  const { api, session, facilities } = useApp();
  const rates = useSignal<RateRow[]>([]);
  const error = useSignal<string | null>(null);
  const form = useSignal<Omit<RateBody, "facilityId">>({
    callType: "local",
    effectiveFrom: new Date().toISOString().slice(0, 10),
    perMinuteMills: 0,
  });

  async function load() {
    if (!facilities.current.value) return;
    try {
      rates.value = await api.get<RateRow[]>("/rates", { facilityId: facilities.current.value });
    } catch (err) {
      error.value = errorText(err);
    }
  }
  useEffect(() => {
    void load();
  }, [facilities.current.value]);

  return (
    <section aria-labelledby="rates-title">
      <h1 id="rates-title">{t("navRates")}</h1>
      <div class="toolbar">
        <FacilityPicker facilities={facilities.facilities.value} value={facilities.current} />
      </div>
      {session.can("entry.rates") && (
        <form
          class="panel toolbar"
          aria-label={t("newRate")}
          onSubmit={async (e) => {
            e.preventDefault();
            error.value = null;
            try {
              await api.post("/rates", { ...form.value, facilityId: facilities.current.value });
              await load();
            } catch (err) {
              error.value = errorText(err);
            }
          }}
        >
          <label>
            {t("callType")}
            <select
              name="rate-call-type"
              value={form.value.callType}
              onChange={(e) =>
                (form.value = { ...form.value, callType: e.currentTarget.value as RateBody["callType"] })
              }
            >
              {CALL_TYPES.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("effectiveFrom")}
            <input
              name="rate-effective"
              type="date"
              required
              value={form.value.effectiveFrom}
              onInput={(e) => (form.value = { ...form.value, effectiveFrom: e.currentTarget.value })}
            />
          </label>
          <label>
            {t("perMinute")}
            <input
              name="rate-per-minute"
              type="number"
              step="0.001"
              min="0"
              required
              value={(form.value.perMinuteMills / 1000).toFixed(3)}
              onInput={(e) =>
                (form.value = { ...form.value, perMinuteMills: Math.round(Number(e.currentTarget.value) * 1000) })
              }
            />
          </label>
          <button type="submit">{t("create")}</button>
        </form>
      )}
      {error.value && (
        <p class="form-error" role="alert" data-testid="rate-error">
          {error.value}
        </p>
      )}
      <table class="data">
        <thead>
          <tr>
            <th>{t("callType")}</th>
            <th>{t("effectiveFrom")}</th>
            <th>{t("perMinute")}</th>
            <th>{t("increment")}</th>
            <th>{t("capCheck")}</th>
          </tr>
        </thead>
        <tbody>
          {rates.value.map((r) => (
            <tr key={r.id}>
              <td>{r.callType}</td>
              <td>{r.effectiveFrom}</td>
              <td>{dollars(r.perMinuteMills)}</td>
              <td>{r.billingIncrementSec}s</td>
              <td>
                <span class="badge good">✓</span> {r.capChecked}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
