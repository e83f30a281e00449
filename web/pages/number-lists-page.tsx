import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { ImportJobView } from "../../controller/api/schemas/domain.ts";
import type { BlockedNumberRow } from "../../controller/store/schema.ts";
import { FacilityPicker } from "../components/facility-picker.tsx";
import { t } from "../i18n/i18n.ts";
import { errorText } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

type Tab = "blocked" | "hot" | "privileged";
interface HotRow {
  id: string;
  facilityId: string | null;
  number: string;
  reason: string;
  alertTargets: string[];
}
interface PrivilegedRow {
  id: string;
  facilityId: string | null;
  number: string;
  kind: string;
  name: string;
}

/** Polls an import job until it ends, updating `job` as it goes. */
async function follow(api: ReturnType<typeof useApp>["api"], id: string, job: { value: ImportJobView | null }) {
  for (;;) {
    const j = await api.get<ImportJobView>(`/imports/${id}`);
    job.value = j;
    if (j.state !== "running") return j;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function NumberListsPage() {
  const { api, session, facilities } = useApp();
  const tab = useSignal<Tab>("blocked");
  const blocked = useSignal<BlockedNumberRow[]>([]);
  const hot = useSignal<HotRow[]>([]);
  const privileged = useSignal<PrivilegedRow[]>([]);
  const error = useSignal<string | null>(null);
  const job = useSignal<ImportJobView | null>(null);
  const number = useSignal("");
  const reason = useSignal("");
  const targets = useSignal("");
  const privKind = useSignal<"attorney" | "prea" | "ombudsman" | "other">("attorney");
  const canEdit = session.can("entry.number-lists");

  async function load() {
    if (!facilities.current.value) return;
    error.value = null;
    try {
      if (tab.value === "blocked")
        blocked.value = await api.get("/blocked-numbers", { facilityId: facilities.current.value, limit: 200 });
      if (tab.value === "hot") hot.value = await api.get("/hot-numbers");
      if (tab.value === "privileged") privileged.value = await api.get("/privileged-numbers");
    } catch (err) {
      error.value = errorText(err);
    }
  }
  useEffect(() => {
    void load();
  }, [tab.value, facilities.current.value]);

  async function importFile(file: File) {
    error.value = null;
    try {
      const text = await file.text();
      const started = await api.postText<ImportJobView>(
        `/imports/blocked-numbers?facilityId=${encodeURIComponent(facilities.current.value)}`,
        text,
        "text/csv",
      );
      job.value = started;
      const done = await follow(api, started.id, job);
      if (done.state === "failed") error.value = done.error;
      await load();
    } catch (err) {
      error.value = errorText(err);
    }
  }

  const j = job.value;
  return (
    <section aria-labelledby="lists-title">
      <h1 id="lists-title">{t("navNumberLists")}</h1>
      <div class="toolbar" role="tablist">
        {(["blocked", "hot", "privileged"] as const).map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            aria-selected={tab.value === k}
            class={tab.value === k ? "" : "secondary"}
            onClick={() => (tab.value = k)}
          >
            {t(k === "blocked" ? "blockedNumbers" : k === "hot" ? "hotNumbers" : "privilegedNumbers")}
          </button>
        ))}
        <FacilityPicker facilities={facilities.facilities.value} value={facilities.current} />
      </div>
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      {tab.value === "blocked" && canEdit && (
        <div class="panel">
          <form
            class="toolbar"
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                await api.post("/blocked-numbers", {
                  facilityId: facilities.current.value,
                  kind: "number",
                  number: number.value,
                  category: "specific",
                  reason: reason.value,
                });
                number.value = "";
                reason.value = "";
                await load();
              } catch (err) {
                error.value = errorText(err);
              }
            }}
          >
            <label>
              {t("number")}
              <input
                name="block-number"
                required
                value={number.value}
                onInput={(e) => (number.value = e.currentTarget.value)}
              />
            </label>
            <label>
              {t("reason")}
              <input
                name="block-reason"
                required
                value={reason.value}
                onInput={(e) => (reason.value = e.currentTarget.value)}
              />
            </label>
            <button type="submit">{t("block")}</button>
            <label>
              {t("importCsv")}
              <input
                type="file"
                name="import-file"
                accept=".csv,text/csv"
                onChange={(e) => {
                  const f = e.currentTarget.files?.[0];
                  if (f) void importFile(f);
                }}
              />
            </label>
          </form>
          {j && (
            <div class="import-progress" data-testid="import-progress" data-state={j.state}>
              {/* Two halves: every row checked, then every row written. */}
              <progress
                max={Math.max(2 * j.total, 1)}
                value={j.state === "done" ? 2 * j.total : j.phase === "checking" ? j.done : j.total + j.done}
                aria-label={t("importProgress")}
              />{" "}
              <span>
                {j.state === "running" ? t(j.phase === "checking" ? "checking" : "writing") : ""} {j.done} / {j.total}{" "}
                {j.state === "done"
                  ? `— ${t("written")} ${j.written}`
                  : j.state === "failed"
                    ? `— ${t("failed")}`
                    : "…"}
              </span>
              {j.rejected.length > 0 && (
                <ul>
                  {j.rejected.slice(0, 10).map((r) => (
                    <li key={r.line}>
                      {t("line")} {r.line}: {r.reason}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
      )}
      {tab.value === "blocked" && (
        <table class="data">
          <thead>
            <tr>
              <th>{t("number")}</th>
              <th>{t("listKind")}</th>
              <th>{t("category")}</th>
              <th>{t("reason")}</th>
              <th>{t("setBy")}</th>
              <th>{t("facility")}</th>
            </tr>
          </thead>
          <tbody>
            {blocked.value.map((b) => (
              <tr key={b.id}>
                <td>
                  {b.number ?? b.pattern}
                  {b.rangeEnd ? ` – ${b.rangeEnd}` : ""}
                </td>
                <td>{b.kind}</td>
                <td>{b.category}</td>
                <td>{b.reason}</td>
                <td>{b.setBy}</td>
                <td>{b.facilityId ?? t("agencyWide")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tab.value === "hot" && canEdit && (
        <form
          class="panel toolbar"
          aria-label={t("hotNumbers")}
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              await api.post("/hot-numbers", {
                facilityId: facilities.current.value,
                number: number.value,
                reason: reason.value,
                alertTargets: targets.value
                  .split(",")
                  .map((x) => x.trim())
                  .filter(Boolean),
              });
              number.value = "";
              reason.value = "";
              await load();
            } catch (err) {
              error.value = errorText(err);
            }
          }}
        >
          <label>
            {t("number")}
            <input
              name="hot-number"
              required
              value={number.value}
              onInput={(e) => (number.value = e.currentTarget.value)}
            />
          </label>
          <label>
            {t("reason")}
            <input
              name="hot-reason"
              required
              value={reason.value}
              onInput={(e) => (reason.value = e.currentTarget.value)}
            />
          </label>
          <label>
            {t("alertTargets")}
            <input
              name="hot-targets"
              required
              value={targets.value}
              onInput={(e) => (targets.value = e.currentTarget.value)}
            />
          </label>
          <button type="submit">{t("create")}</button>
        </form>
      )}
      {tab.value === "privileged" && canEdit && (
        <form
          class="panel toolbar"
          aria-label={t("privilegedNumbers")}
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              await api.post("/privileged-numbers", {
                facilityId: facilities.current.value,
                number: number.value,
                name: reason.value,
                kind: privKind.value,
              });
              number.value = "";
              reason.value = "";
              await load();
            } catch (err) {
              error.value = errorText(err);
            }
          }}
        >
          <label>
            {t("number")}
            <input
              name="priv-number"
              required
              value={number.value}
              onInput={(e) => (number.value = e.currentTarget.value)}
            />
          </label>
          <label>
            {t("name")}
            <input
              name="priv-name"
              required
              value={reason.value}
              onInput={(e) => (reason.value = e.currentTarget.value)}
            />
          </label>
          <label>
            {t("listKind")}
            <select
              name="priv-kind"
              value={privKind.value}
              onChange={(e) => (privKind.value = e.currentTarget.value as typeof privKind.value)}
            >
              <option value="attorney">attorney</option>
              <option value="prea">prea</option>
              <option value="ombudsman">ombudsman</option>
              <option value="other">other</option>
            </select>
          </label>
          <button type="submit">{t("create")}</button>
        </form>
      )}
      {tab.value === "hot" && (
        <table class="data">
          <thead>
            <tr>
              <th>{t("number")}</th>
              <th>{t("reason")}</th>
              <th>{t("alertTargets")}</th>
              <th>{t("facility")}</th>
            </tr>
          </thead>
          <tbody>
            {hot.value.map((h) => (
              <tr key={h.id}>
                <td>{h.number}</td>
                <td>{h.reason}</td>
                <td>{h.alertTargets.join(", ")}</td>
                <td>{h.facilityId ?? t("agencyWide")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {tab.value === "privileged" && (
        <table class="data">
          <thead>
            <tr>
              <th>{t("number")}</th>
              <th>{t("name")}</th>
              <th>{t("listKind")}</th>
              <th>{t("facility")}</th>
            </tr>
          </thead>
          <tbody>
            {privileged.value.map((p) => (
              <tr key={p.id}>
                <td>{p.number}</td>
                <td>{p.name}</td>
                <td>{p.kind}</td>
                <td>{p.facilityId ?? t("agencyWide")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
