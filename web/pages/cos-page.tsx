import { useSignal } from "@preact/signals";
import type { ClassOfService, FeatureGroup } from "../../controller/domain/classes.ts";
import type { CosParams } from "../../controller/domain/cos.ts";
import { t } from "../i18n/i18n.ts";
import { errorText, useResource } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

type Periodic = "maxCalls" | "maxMinutes";
type Single = "maxDuration" | "timeBetweenCalls" | "extraDigits";
const singleField: Record<Single, "minutes" | "limit"> = {
  maxDuration: "minutes",
  timeBetweenCalls: "minutes",
  extraDigits: "limit",
};

function num(v: string): number | null {
  return v.trim() === "" ? null : Number(v);
}

/** One class of service's parameters, feature by feature (only the features its group includes). */
function CosEditor(props: { cos: ClassOfService; features: string[]; onSaved: () => void }) {
  const { api, session } = useApp();
  const params = useSignal<CosParams>(structuredClone(props.cos.params));
  const error = useSignal<string | null>(null);
  const saved = useSignal(false);
  const canEdit = session.can("entry.classes-of-service");
  const p = params.value;
  const set = (next: CosParams) => {
    params.value = next;
    saved.value = false;
  };

  const periodic = (f: Periodic) => {
    const v = p[f] ?? { enabled: false, day: null, week: null, month: null };
    return (
      <fieldset key={f}>
        <legend>{f}</legend>
        <label class="inline">
          <input
            type="checkbox"
            name={`${props.cos.id}-${f}-enabled`}
            checked={v.enabled}
            disabled={!canEdit}
            onChange={(e) => set({ ...p, [f]: { ...v, enabled: e.currentTarget.checked } })}
          />
          {t("enabled")}
        </label>
        {(["day", "week", "month"] as const).map((k) => (
          <label key={k}>
            {t(k)}
            <input
              type="number"
              min={0}
              name={`${props.cos.id}-${f}-${k}`}
              value={v[k] ?? ""}
              disabled={!canEdit}
              onInput={(e) => set({ ...p, [f]: { ...v, [k]: num(e.currentTarget.value) } })}
            />
          </label>
        ))}
      </fieldset>
    );
  };

  const single = (f: Single) => {
    const key = singleField[f];
    const v = (p[f] as { enabled: boolean; minutes?: number; limit?: number } | undefined) ?? {
      enabled: false,
      [key]: 0,
    };
    return (
      <fieldset key={f}>
        <legend>{f}</legend>
        <label class="inline">
          <input
            type="checkbox"
            name={`${props.cos.id}-${f}-enabled`}
            checked={v.enabled}
            disabled={!canEdit}
            onChange={(e) => set({ ...p, [f]: { ...v, enabled: e.currentTarget.checked } })}
          />
          {t("enabled")}
        </label>
        <label>
          {key === "minutes" ? t("minutes") : t("digits")}
          <input
            type="number"
            min={0}
            name={`${props.cos.id}-${f}-${key}`}
            value={v[key] ?? 0}
            disabled={!canEdit}
            onInput={(e) => set({ ...p, [f]: { ...v, [key]: Number(e.currentTarget.value) } })}
          />
        </label>
      </fieldset>
    );
  };

  return (
    <form
      class="panel"
      aria-label={props.cos.name}
      onSubmit={async (e) => {
        e.preventDefault();
        error.value = null;
        try {
          await api.put(`/classes-of-service/${encodeURIComponent(props.cos.id)}`, { params: params.value });
          saved.value = true;
          props.onSaved();
        } catch (err) {
          error.value = errorText(err);
        }
      }}
    >
      <h2>{props.cos.name}</h2>
      <div class="grid-form">
        {props.features.map((f) =>
          f === "maxCalls" || f === "maxMinutes" ? (
            periodic(f)
          ) : f === "maxDuration" || f === "timeBetweenCalls" || f === "extraDigits" ? (
            single(f)
          ) : (
            <fieldset key={f}>
              <legend>{f}</legend>
              <code>{JSON.stringify(p[f as keyof CosParams] ?? null)}</code>
            </fieldset>
          ),
        )}
      </div>
      {error.value && (
        <p class="form-error" role="alert">
          {error.value}
        </p>
      )}
      {saved.value && (
        <p class="notice" role="status">
          {t("saved")}
        </p>
      )}
      {canEdit && <button type="submit">{t("save")}</button>}
    </form>
  );
}

export function CosPage() {
  const { api } = useApp();
  const data = useResource(() =>
    api.get<{ classes: ClassOfService[]; featureGroups: FeatureGroup[] }>("/classes-of-service"),
  );
  const groups = new Map((data.data.value?.featureGroups ?? []).map((g) => [g.id, g]));
  return (
    <section aria-labelledby="cos-title">
      <h1 id="cos-title">{t("navClassesOfService")}</h1>
      {data.error.value && (
        <p class="form-error" role="alert">
          {data.error.value}
        </p>
      )}
      {(data.data.value?.classes ?? []).map((c) => (
        <CosEditor
          key={c.id}
          cos={c}
          features={groups.get(c.featureGroupId)?.features ?? []}
          onSaved={() => undefined}
        />
      ))}
    </section>
  );
}
