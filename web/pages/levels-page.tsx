import { useSignal } from "@preact/signals";
import type { LevelBody, LevelView } from "../../controller/api/schemas/access.ts";
import { t } from "../i18n/i18n.ts";
import type { StringKey } from "../i18n/strings.ts";
import { errorText, useResource } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

const kindLabels: Record<string, StringKey> = {
  menu: "kindMenu",
  report: "kindReport",
  query: "kindQuery",
  entry: "kindEntry",
  action: "kindAction",
  admin: "kindAdmin",
};

/**
 * Access levels, top-down. Access Control: the Central Office assigns "specific menu
 * functionality on an individual basis to each lower access level".
 */
export function LevelsPage() {
  const { api, session } = useApp();
  const levels = useResource(() => api.get<LevelView[]>("/levels"));
  const catalogue = useResource(() => api.get<{ key: string; kind: string }[]>("/permissions"));
  const editing = useSignal<{ id: string | null; body: LevelBody } | null>(null);
  const error = useSignal<string | null>(null);
  const canAdmin = session.can("admin.access-levels");
  const myRank = session.session.value?.user.rank ?? 99;
  const mine = session.permissions.value;

  function startNew() {
    error.value = null;
    editing.value = { id: null, body: { name: "", rank: myRank + 1, permissions: [], allFacilities: false } };
  }

  async function save(e: Event) {
    e.preventDefault();
    const ed = editing.value;
    if (!ed) return;
    try {
      if (ed.id) await api.put(`/levels/${ed.id}`, ed.body);
      else await api.post("/levels", ed.body);
      editing.value = null;
      await levels.reload();
    } catch (err) {
      error.value = errorText(err);
    }
  }

  function toggle(key: string, on: boolean) {
    const ed = editing.value;
    if (!ed) return;
    const set = new Set(ed.body.permissions);
    if (on) set.add(key as LevelBody["permissions"][number]);
    else set.delete(key as LevelBody["permissions"][number]);
    editing.value = { ...ed, body: { ...ed.body, permissions: [...set] } };
  }

  const groups = new Map<string, string[]>();
  for (const p of catalogue.data.value ?? []) groups.set(p.kind, [...(groups.get(p.kind) ?? []), p.key]);
  const ed = editing.value;

  return (
    <section aria-labelledby="levels-title">
      <h1 id="levels-title">{t("navAccessLevels")}</h1>
      {canAdmin && !ed && (
        <div class="toolbar">
          <button type="button" onClick={startNew}>
            {t("newLevel")}
          </button>
        </div>
      )}
      {ed && (
        <form class="panel" onSubmit={save} aria-label={t("newLevel")}>
          <div class="grid-form">
            <label>
              {t("levelName")}
              <input
                name="level-name"
                required
                value={ed.body.name}
                onInput={(e) => {
                  editing.value = { ...ed, body: { ...ed.body, name: e.currentTarget.value } };
                }}
              />
            </label>
            <label>
              {t("rank")}
              <input
                name="level-rank"
                type="number"
                min={myRank + 1}
                value={ed.body.rank}
                onInput={(e) => {
                  editing.value = { ...ed, body: { ...ed.body, rank: Number(e.currentTarget.value) } };
                }}
              />
            </label>
            <label class="inline">
              <input
                type="checkbox"
                checked={ed.body.allFacilities}
                disabled={!session.session.value?.facilities.all}
                onChange={(e) => {
                  editing.value = { ...ed, body: { ...ed.body, allFacilities: e.currentTarget.checked } };
                }}
              />
              {t("allFacilities")}
            </label>
          </div>
          <h2>{t("permissions")}</h2>
          <div class="grid-form">
            {[...groups.entries()].map(([kind, keys]) => (
              <fieldset key={kind}>
                <legend>{t(kindLabels[kind] ?? "permissions")}</legend>
                {keys.map((k) => (
                  <label key={k} class="inline" style="flex-direction:row;gap:6px">
                    <input
                      type="checkbox"
                      name={`perm-${k}`}
                      checked={ed.body.permissions.includes(k as LevelBody["permissions"][number])}
                      disabled={!mine.has(k)}
                      onChange={(e) => toggle(k, e.currentTarget.checked)}
                    />
                    {k}
                  </label>
                ))}
              </fieldset>
            ))}
          </div>
          {error.value && (
            <p class="form-error" role="alert">
              {error.value}
            </p>
          )}
          <div class="toolbar">
            <button type="submit">{t("save")}</button>
            <button type="button" class="secondary" onClick={() => (editing.value = null)}>
              {t("cancel")}
            </button>
          </div>
        </form>
      )}
      <table class="data">
        <thead>
          <tr>
            <th>{t("rank")}</th>
            <th>{t("levelName")}</th>
            <th>{t("facilities")}</th>
            <th>{t("permissions")}</th>
            {canAdmin && <th />}
          </tr>
        </thead>
        <tbody>
          {(levels.data.value ?? []).map((l) => (
            <tr key={l.id}>
              <td>{l.rank}</td>
              <td>{l.name}</td>
              <td>{l.allFacilities ? t("allFacilities") : "—"}</td>
              <td>{l.permissions.length}</td>
              {canAdmin && (
                <td>
                  {l.rank > myRank && (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => {
                        error.value = null;
                        editing.value = {
                          id: l.id,
                          body: {
                            name: l.name,
                            rank: l.rank,
                            permissions: l.permissions as LevelBody["permissions"],
                            allFacilities: l.allFacilities,
                          },
                        };
                      }}
                    >
                      {t("edit")}
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
