import { useSignal } from "@preact/signals";
import { CALL_TYPE_NAMES, CALL_TYPES } from "../../controller/domain/call-types.ts";
import type { ClassOfService, FeatureGroup } from "../../controller/domain/classes.ts";
import { type CosParams, type Feature, SYSTEM_DEFAULT_COS } from "../../controller/domain/cos.ts";
import { ScheduleEditor } from "../components/schedule-editor.tsx";
import { language, t } from "../i18n/i18n.ts";
import type { StringKey } from "../i18n/strings.ts";
import { errorText, useResource } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

type Periodic = "maxCalls" | "maxMinutes";
type Single = "maxDuration" | "timeBetweenCalls" | "extraDigits";
const singleField: Record<Single, "minutes" | "limit"> = {
  maxDuration: "minutes",
  timeBetweenCalls: "minutes",
  extraDigits: "limit",
};

const featureLabel: Record<Feature, StringKey> = {
  schedule: "featureSchedule",
  timeBetweenCalls: "featureTimeBetweenCalls",
  maxCalls: "featureMaxCalls",
  maxMinutes: "featureMaxMinutes",
  maxDuration: "featureMaxDuration",
  extraDigits: "featureExtraDigits",
  callTypes: "featureCallTypes",
  approvedNumbersOnly: "featureApprovedNumbersOnly",
};
const legend = (f: string) => (f in featureLabel ? t(featureLabel[f as Feature]) : f);

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

  const enabledBox = (f: Feature, v: { enabled: boolean }, onChange: (enabled: boolean) => void) => (
    <label class="inline">
      <input
        type="checkbox"
        name={`${props.cos.id}-${f}-enabled`}
        checked={v.enabled}
        disabled={!canEdit}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
      {t("enabled")}
    </label>
  );

  const periodic = (f: Periodic) => {
    const v = p[f] ?? { enabled: false, day: null, week: null, month: null };
    return (
      <fieldset key={f}>
        <legend>{legend(f)}</legend>
        {enabledBox(f, v, (enabled) => set({ ...p, [f]: { ...v, enabled } }))}
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
        <legend>{legend(f)}</legend>
        {enabledBox(f, v, (enabled) => set({ ...p, [f]: { ...v, enabled } }))}
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

  // "Calling Schedules": the hours this class may call, per day of the week.
  const schedule = () => {
    const v = p.schedule ?? SYSTEM_DEFAULT_COS.schedule;
    return (
      <fieldset key="schedule" class="wide">
        <legend>{legend("schedule")}</legend>
        {enabledBox("schedule", v, (enabled) => set({ ...p, schedule: { ...v, enabled } }))}
        <ScheduleEditor
          name={`${props.cos.id}-schedule`}
          windows={v.windows}
          disabled={!canEdit}
          onChange={(windows) => set({ ...p, schedule: { ...v, windows } })}
        />
      </fieldset>
    );
  };

  // "Call Type": which kinds of calls (local, long distance, international) the class allows.
  const callTypes = () => {
    const v = p.callTypes ?? SYSTEM_DEFAULT_COS.callTypes;
    return (
      <fieldset key="callTypes" class="wide">
        <legend>{legend("callTypes")}</legend>
        {enabledBox("callTypes", v, (enabled) => set({ ...p, callTypes: { ...v, enabled } }))}
        <div class="checks">
          {CALL_TYPES.map((c) => (
            <label class="inline" key={c}>
              <input
                type="checkbox"
                name={`${props.cos.id}-callTypes-${c}`}
                checked={v.allowed.includes(c)}
                disabled={!canEdit}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  // Kept in the domain's order so a saved class reads the same way every time.
                  const allowed = CALL_TYPES.filter((x) => (x === c ? on : v.allowed.includes(x)));
                  set({ ...p, callTypes: { ...v, allowed } });
                }}
              />
              {CALL_TYPE_NAMES[c][language.value]}
            </label>
          ))}
        </div>
      </fieldset>
    );
  };

  const approvedOnly = () => {
    const v = p.approvedNumbersOnly ?? SYSTEM_DEFAULT_COS.approvedNumbersOnly;
    return (
      <fieldset key="approvedNumbersOnly">
        <legend>{legend("approvedNumbersOnly")}</legend>
        {enabledBox("approvedNumbersOnly", v, (enabled) => set({ ...p, approvedNumbersOnly: { enabled } }))}
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
          ) : f === "schedule" ? (
            schedule()
          ) : f === "callTypes" ? (
            callTypes()
          ) : f === "approvedNumbersOnly" ? (
            approvedOnly()
          ) : (
            <fieldset key={f}>
              <legend>{legend(f)}</legend>
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
