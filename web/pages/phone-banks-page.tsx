import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { FacilityRow, HousingUnitRow, PhoneBankRow, StationRow } from "../../controller/store/schema.ts";
import { FacilityPicker } from "../components/facility-picker.tsx";
import { t } from "../i18n/i18n.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

interface Structure {
  facility: FacilityRow;
  housingUnits: HousingUnitRow[];
  phoneBanks: PhoneBankRow[];
  stations: StationRow[];
}

// ISO weekdays: index 1 is Monday … 7 Sunday (domain/schedule.ts).
const days = ["", "mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/**
 * Phone banks and kill switches. IWTS Manual Override: turn off "the entire system, individual
 * telephones, or groups of telephones"; timed schedules per facility and phone bank.
 */
export function PhoneBanksPage() {
  const { api, session, facilities } = useApp();
  const s = useSignal<Structure | null>(null);
  const error = useSignal<string | null>(null);
  const schedule = useSignal<{ bankId: string; text: string } | null>(null);
  const canSwitch = session.can("entry.phone-banks");

  async function load() {
    if (!facilities.current.value) return;
    try {
      s.value = await api.get<Structure>(`/facilities/${encodeURIComponent(facilities.current.value)}/structure`);
    } catch (err) {
      error.value = errorText(err);
    }
  }
  useEffect(() => {
    void load();
  }, [facilities.current.value]);

  async function flip(path: string, enabled: boolean) {
    error.value = null;
    try {
      await api.put(path, { enabled });
      await load();
    } catch (err) {
      error.value = errorText(err);
    }
  }

  const toggle = (label: string, path: string, enabled: number) => (
    <button
      type="button"
      class={enabled ? "secondary" : "danger"}
      disabled={!canSwitch}
      aria-pressed={enabled === 0}
      aria-label={`${label}: ${enabled ? t("on") : t("off")}`}
      onClick={() => flip(path, enabled === 0)}
    >
      {enabled ? t("on") : t("off")}
    </button>
  );

  const d = s.value;
  return (
    <section aria-labelledby="banks-title">
      <h1 id="banks-title">{t("navPhoneBanks")}</h1>
      <div class="toolbar">
        <FacilityPicker facilities={facilities.facilities.value} value={facilities.current} />
        {d && (
          <span>
            {t("wholeFacility")}:{" "}
            {toggle(d.facility.name, `/facilities/${encodeURIComponent(d.facility.id)}/enabled`, d.facility.enabled)}
          </span>
        )}
      </div>
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      {d && (
        <table class="data">
          <thead>
            <tr>
              <th>{t("housingUnit")}</th>
              <th>{t("killSwitch")}</th>
              <th>{t("phoneBanks")}</th>
            </tr>
          </thead>
          <tbody>
            {d.housingUnits.map((u) => (
              <tr key={u.id}>
                <td>{u.name}</td>
                <td>{toggle(u.name, `/housing-units/${encodeURIComponent(u.id)}/enabled`, u.enabled)}</td>
                <td>
                  {d.phoneBanks
                    .filter((b) => b.housingUnitId === u.id)
                    .map((b) => (
                      <div key={b.id} class="bank">
                        <strong>{b.name}</strong>{" "}
                        {toggle(b.name, `/phone-banks/${encodeURIComponent(b.id)}/enabled`, b.enabled)}{" "}
                        <button
                          type="button"
                          class="secondary"
                          onClick={async () => {
                            const w = await api.get<{ day: number; startMin: number; endMin: number }[]>(
                              `/schedules/phone-bank/${encodeURIComponent(b.id)}`,
                            );
                            schedule.value = {
                              bankId: b.id,
                              text: w.map((x) => `${days[x.day]} ${x.startMin}-${x.endMin}`).join("\n"),
                            };
                          }}
                        >
                          {t("schedule")}
                        </button>
                        <div class="stations">
                          {d.stations
                            .filter((st) => st.phoneBankId === b.id)
                            .map((st) => (
                              <span key={st.id} class="station">
                                #{st.setNumber}{" "}
                                {toggle(
                                  `#${st.setNumber}`,
                                  `/stations/${encodeURIComponent(st.id)}/enabled`,
                                  st.enabled,
                                )}
                              </span>
                            ))}
                        </div>
                      </div>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {schedule.value && (
        <form
          class="panel"
          onSubmit={async (e) => {
            e.preventDefault();
            const sch = schedule.value;
            if (!sch) return;
            const windows = sch.text
              .split("\n")
              .map((l) => l.trim())
              .filter(Boolean)
              .map((l) => {
                const m = /^(\w{3})\s+(\d+)-(\d+)$/.exec(l);
                return {
                  day: days.indexOf((m?.[1] ?? "") as (typeof days)[number]),
                  startMin: Number(m?.[2]),
                  endMin: Number(m?.[3]),
                };
              });
            try {
              await api.put(`/schedules/phone-bank/${encodeURIComponent(sch.bankId)}`, windows);
              schedule.value = null;
            } catch (err) {
              error.value = errorText(err);
            }
          }}
        >
          <label>
            {t("scheduleHint")}
            <textarea
              name="schedule"
              rows={7}
              value={schedule.value.text}
              onInput={(e) => (schedule.value = { bankId: schedule.value?.bankId ?? "", text: e.currentTarget.value })}
            />
          </label>
          <button type="submit" disabled={!canSwitch}>
            {t("save")}
          </button>
        </form>
      )}
    </section>
  );
}
