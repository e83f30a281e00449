import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Usage } from "../../controller/domain/authorize.ts";
import type { CosExplanation } from "../../controller/domain/cos.ts";
import type { Inmate } from "../../controller/domain/inmates.ts";
import { FacilityPicker } from "../components/facility-picker.tsx";
import { t } from "../i18n/i18n.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

interface InmateDetail {
  inmate: Inmate;
  approvedNumbers: { number: string; name: string; relationship: string; language: string }[];
  cos: CosExplanation;
  usage: Usage;
}

function limitText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v !== "object") return String(v);
  const o = v as Record<string, unknown>;
  if (o.enabled === false) return t("off");
  const parts: string[] = [];
  for (const [k, val] of Object.entries(o)) {
    if (k === "enabled") continue;
    if (Array.isArray(val))
      parts.push(
        `${k}: ${val.length ? val.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ") : "—"}`,
      );
    else parts.push(`${k}: ${val ?? "—"}`);
  }
  return parts.join(" · ") || t("on");
}

/** What the limits allow against what the inmate has used (day / week / month). */
function UsageTable(props: { cos: CosExplanation; usage: Usage }) {
  const { cos, usage } = props;
  const row = (
    label: string,
    limit: { enabled: boolean; day: number | null; week: number | null; month: number | null },
    used: [number, number, number],
  ) => (
    <tr>
      <th scope="row">{label}</th>
      {(["day", "week", "month"] as const).map((p, i) => (
        <td key={p}>
          {used[i]} / {limit.enabled && limit[p] !== null ? limit[p] : "∞"}
        </td>
      ))}
    </tr>
  );
  return (
    <table class="data" aria-label={t("usage")}>
      <thead>
        <tr>
          <th />
          <th>{t("day")}</th>
          <th>{t("week")}</th>
          <th>{t("month")}</th>
        </tr>
      </thead>
      <tbody>
        {row(t("calls"), cos.maxCalls.value, [usage.callsDay, usage.callsWeek, usage.callsMonth])}
        {row(t("minutes"), cos.maxMinutes.value, [usage.minutesDay, usage.minutesWeek, usage.minutesMonth])}
      </tbody>
    </table>
  );
}

export function InmatesPage() {
  const { api, session, facilities } = useApp();
  const name = useSignal("");
  const list = useSignal<Inmate[]>([]);
  const selected = useSignal<InmateDetail | null>(null);
  const error = useSignal<string | null>(null);
  const notice = useSignal<string | null>(null);
  const numbersText = useSignal("");
  const assign = useSignal("");
  const classes = useSignal<{ id: string; name: string }[]>([]);

  async function search() {
    if (!facilities.current.value) return;
    error.value = null;
    try {
      list.value = await api.get<Inmate[]>("/inmates", { facilityId: facilities.current.value, name: name.value });
    } catch (err) {
      error.value = errorText(err);
    }
  }

  async function open(id: string) {
    error.value = null;
    notice.value = null;
    try {
      const d = await api.get<InmateDetail>(`/inmates/${encodeURIComponent(id)}`);
      selected.value = d;
      assign.value = d.inmate.cosId ?? "";
      if (classes.value.length === 0 && session.can("entry.classes-of-service")) {
        classes.value = (await api.get<{ classes: { id: string; name: string }[] }>("/classes-of-service")).classes;
      }
      numbersText.value = d.approvedNumbers.map((n) => (n.name ? `${n.number} ${n.name}` : n.number)).join("\n");
    } catch (err) {
      error.value = errorText(err);
    }
  }

  useEffect(() => {
    void search();
  }, [facilities.current.value]);

  const d = selected.value;
  return (
    <section aria-labelledby="inmates-title">
      <h1 id="inmates-title">{t("navInmates")}</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <FacilityPicker facilities={facilities.facilities.value} value={facilities.current} />
        <label>
          {t("name")}
          <input
            name="inmate-name"
            value={name.value}
            onInput={(e) => {
              name.value = e.currentTarget.value;
            }}
          />
        </label>
        <button type="submit">{t("search")}</button>
      </form>
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      <div class="split">
        <table class="data">
          <thead>
            <tr>
              <th>{t("inmateId")}</th>
              <th>{t("name")}</th>
              <th>{t("status")}</th>
            </tr>
          </thead>
          <tbody>
            {list.value.map((i) => (
              <tr key={i.id} class={d?.inmate.id === i.id ? "selected" : undefined}>
                <td>
                  <button type="button" class="link" onClick={() => open(i.id)}>
                    {i.id}
                  </button>
                </td>
                <td>
                  {i.lastName}, {i.firstName}
                </td>
                <td>{i.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {d && (
          <div class="panel" data-testid="inmate-detail">
            <h2>
              {d.inmate.lastName}, {d.inmate.firstName} ({d.inmate.id})
            </h2>
            {notice.value && (
              <p class="notice" role="status">
                {notice.value}
              </p>
            )}
            <div class="toolbar">
              {session.can("entry.pin-reset") && (
                <button
                  type="button"
                  onClick={async () => {
                    try {
                      const r = await api.post<{ pin: string }>(
                        `/inmates/${encodeURIComponent(d.inmate.id)}/pin-reset`,
                      );
                      notice.value = `${t("newPin")}: ${r.pin}`;
                    } catch (err) {
                      error.value = errorText(err);
                    }
                  }}
                >
                  {t("resetPin")}
                </button>
              )}
            </div>
            <h3>{t("effectiveCos")}</h3>
            {session.can("entry.classes-of-service") && (
              <form
                class="toolbar"
                onSubmit={async (e) => {
                  e.preventDefault();
                  try {
                    await api.put("/cos-assignments", {
                      level: "inmate",
                      id: d.inmate.id,
                      cosId: assign.value || null,
                    });
                    notice.value = t("saved");
                    await open(d.inmate.id);
                  } catch (err) {
                    error.value = errorText(err);
                  }
                }}
              >
                <label>
                  {t("inmateCos")}
                  <select
                    name="inmate-cos"
                    value={assign.value}
                    onChange={(e) => (assign.value = e.currentTarget.value)}
                  >
                    <option value="">{t("inherited")}</option>
                    {classes.value.map((c) => (
                      <option key={c.id} value={c.id}>
                        {c.name}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit">{t("save")}</button>
              </form>
            )}
            <table class="data" aria-label={t("effectiveCos")}>
              <thead>
                <tr>
                  <th>{t("feature")}</th>
                  <th>{t("value")}</th>
                  <th>{t("from")}</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(d.cos).map(([feature, e]) => (
                  <tr key={feature}>
                    <td>{feature}</td>
                    <td>{limitText(e.value)}</td>
                    <td>
                      {e.from.level}
                      {e.from.cosId ? ` — ${e.from.cosName}` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>{t("usage")}</h3>
            <UsageTable cos={d.cos} usage={d.usage} />
            <h3>{t("approvedNumbers")}</h3>
            <form
              onSubmit={async (e) => {
                e.preventDefault();
                const entries = numbersText.value
                  .split("\n")
                  .map((l) => l.trim())
                  .filter(Boolean)
                  .map((l) => {
                    const [number = "", ...rest] = l.split(/\s+/);
                    return { number, ...(rest.length ? { name: rest.join(" ") } : {}) };
                  });
                try {
                  await api.put(`/inmates/${encodeURIComponent(d.inmate.id)}/approved-numbers`, entries);
                  notice.value = t("saved");
                  await open(d.inmate.id);
                } catch (err) {
                  error.value = errorText(err);
                }
              }}
            >
              <label>
                {t("approvedNumbersHint")}
                <textarea
                  name="approved-numbers"
                  rows={4}
                  value={numbersText.value}
                  readOnly={!session.can("entry.approved-numbers")}
                  onInput={(e) => {
                    numbersText.value = e.currentTarget.value;
                  }}
                />
              </label>
              {session.can("entry.approved-numbers") && <button type="submit">{t("save")}</button>}
            </form>
          </div>
        )}
      </div>
    </section>
  );
}
