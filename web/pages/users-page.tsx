import { useSignal } from "@preact/signals";
import type { LevelView, NewUserBody, UserView } from "../../controller/api/schemas/access.ts";
import { t } from "../i18n/i18n.ts";
import { errorText, useResource } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

function splitIds(s: string): string[] {
  return s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

export function UsersPage() {
  const { api, session } = useApp();
  const users = useResource(() => api.get<UserView[]>("/users"));
  const levels = useResource(() => api.get<LevelView[]>("/levels").catch(() => [] as LevelView[]));
  const error = useSignal<string | null>(null);
  const notice = useSignal<string | null>(null);
  const form = useSignal<NewUserBody>({
    username: "",
    displayName: "",
    levelId: "",
    kind: "state",
    facilityIds: [],
    password: "",
  });
  const facilitiesText = useSignal("");
  const resetting = useSignal<{ id: string; username: string; password: string } | null>(null);
  const canAdmin = session.can("admin.users");
  const levelName = (id: string) => levels.data.value?.find((l) => l.id === id)?.name ?? id;

  async function act(fn: () => Promise<unknown>, done: string) {
    error.value = null;
    try {
      await fn();
      notice.value = done;
      await users.reload();
    } catch (err) {
      error.value = errorText(err);
    }
  }

  function set<K extends keyof NewUserBody>(k: K, v: NewUserBody[K]) {
    form.value = { ...form.value, [k]: v };
  }

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">{t("navUsers")}</h1>
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      {notice.value && (
        <p class="notice" role="status">
          {notice.value}
        </p>
      )}
      {canAdmin && (
        <form
          class="panel grid-form"
          aria-label={t("newUser")}
          onSubmit={(e) => {
            e.preventDefault();
            void act(
              () => api.post("/users", { ...form.value, facilityIds: splitIds(facilitiesText.value) }),
              `${form.value.username} ✓`,
            );
          }}
        >
          <label>
            {t("username")}
            <input
              name="new-username"
              required
              value={form.value.username}
              onInput={(e) => set("username", e.currentTarget.value)}
            />
          </label>
          <label>
            {t("displayName")}
            <input
              name="new-display-name"
              required
              value={form.value.displayName}
              onInput={(e) => set("displayName", e.currentTarget.value)}
            />
          </label>
          <label>
            {t("level")}
            <select
              name="new-level"
              required
              value={form.value.levelId}
              onChange={(e) => set("levelId", e.currentTarget.value)}
            >
              <option value="">—</option>
              {(levels.data.value ?? []).map((l) => (
                <option key={l.id} value={l.id}>
                  {l.rank}. {l.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("kind")}
            <select
              name="new-kind"
              value={form.value.kind}
              onChange={(e) => set("kind", e.currentTarget.value as "state" | "contractor")}
            >
              <option value="state">{t("kindState")}</option>
              <option value="contractor">{t("kindContractor")}</option>
            </select>
          </label>
          <label>
            {t("facilities")}
            <input
              name="new-facilities"
              placeholder={t("facilityIdsHint")}
              value={facilitiesText.value}
              onInput={(e) => {
                facilitiesText.value = e.currentTarget.value;
              }}
            />
          </label>
          <label>
            {t("initialPassword")}
            <input
              name="new-password"
              type="password"
              autoComplete="new-password"
              required
              value={form.value.password}
              onInput={(e) => set("password", e.currentTarget.value)}
            />
          </label>
          <button type="submit">{t("create")}</button>
        </form>
      )}
      {resetting.value && (
        <form
          class="panel toolbar"
          aria-label={t("resetPassword")}
          onSubmit={(e) => {
            e.preventDefault();
            const r = resetting.value;
            if (!r) return;
            void act(() => api.post(`/users/${r.id}/password`, { password: r.password }), `${r.username} ✓`).then(
              () => {
                if (!error.value) resetting.value = null;
              },
            );
          }}
        >
          <strong>{resetting.value.username}</strong>
          <label>
            {t("newPassword")}
            <input
              name="reset-password"
              type="password"
              autoComplete="new-password"
              required
              value={resetting.value.password}
              onInput={(e) => {
                const r = resetting.value;
                if (r) resetting.value = { ...r, password: e.currentTarget.value };
              }}
            />
          </label>
          <button type="submit">{t("save")}</button>
          <button type="button" class="secondary" onClick={() => (resetting.value = null)}>
            {t("cancel")}
          </button>
        </form>
      )}
      <table class="data">
        <thead>
          <tr>
            <th>{t("username")}</th>
            <th>{t("displayName")}</th>
            <th>{t("level")}</th>
            <th>{t("kind")}</th>
            <th>{t("facilities")}</th>
            <th>{t("status")}</th>
            {canAdmin && <th />}
          </tr>
        </thead>
        <tbody>
          {(users.data.value ?? []).map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td>
              <td>{u.displayName}</td>
              <td>{levelName(u.levelId)}</td>
              <td>{u.kind === "contractor" ? t("kindContractor") : t("kindState")}</td>
              <td>{u.facilityIds.length ? u.facilityIds.join(", ") : t("all")}</td>
              <td>
                {u.disabled ? (
                  <span class="badge bad">{t("disabled")}</span>
                ) : u.locked ? (
                  <span class="badge bad">{t("locked")}</span>
                ) : (
                  <span class="badge good">{t("active")}</span>
                )}{" "}
                {u.mustChangePassword && <span class="badge">{t("mustChange")}</span>}
              </td>
              {canAdmin && (
                <td>
                  {u.locked && (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => act(() => api.post(`/users/${u.id}/unlock`), `${u.username} ✓`)}
                    >
                      {t("unlock")}
                    </button>
                  )}{" "}
                  {u.id !== session.session.value?.user.id && (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => (resetting.value = { id: u.id, username: u.username, password: "" })}
                    >
                      {t("resetPassword")}
                    </button>
                  )}{" "}
                  {u.id !== session.session.value?.user.id && (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() =>
                        act(() => api.patch(`/users/${u.id}`, { disabled: !u.disabled }), `${u.username} ✓`)
                      }
                    >
                      {u.disabled ? t("enable") : t("disable")}
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
