import { useSignal } from "@preact/signals";
import type { AuditQuery, AuditPage as AuditResult, AuditVerifyView } from "../../controller/api/schemas/access.ts";
import { formatTime, t } from "../i18n/i18n.ts";
import { errorText, useResource } from "../stores/resource.ts";
import { useApp } from "../stores/session-store.ts";

const pageSize = 50;

function short(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
}

/**
 * The audit trail. Access Control: "The audit trail log file shall be able to be searched using
 * English language-type search criteria, and printed on demand."
 */
export function AuditPage() {
  const { api } = useApp();
  const filter = useSignal<AuditQuery>({ limit: pageSize, offset: 0 });
  const draft = useSignal<AuditQuery>({});
  const result = useResource(() => api.get<AuditResult>("/audit", filter.value as Record<string, string>));
  const verify = useSignal<AuditVerifyView | null>(null);
  const error = useSignal<string | null>(null);

  function apply(next: AuditQuery) {
    filter.value = next;
    void result.reload();
  }

  function field(key: "actor" | "action" | "text", label: string) {
    return (
      <label>
        {label}
        <input
          name={`audit-${key}`}
          value={draft.value[key] ?? ""}
          onInput={(e) => {
            draft.value = { ...draft.value, [key]: e.currentTarget.value || undefined };
          }}
        />
      </label>
    );
  }

  function dateField(key: "from" | "to", label: string) {
    return (
      <label>
        {label}
        <input
          name={`audit-${key}`}
          type="datetime-local"
          onInput={(e) => {
            const v = e.currentTarget.value;
            draft.value = { ...draft.value, [key]: v ? new Date(v).toISOString() : undefined };
          }}
        />
      </label>
    );
  }

  const page = result.data.value;
  const offset = filter.value.offset ?? 0;
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">{t("navAudit")}</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          apply({ ...draft.value, limit: pageSize, offset: 0 });
        }}
      >
        {field("actor", t("actor"))}
        {field("action", t("action"))}
        {field("text", t("text"))}
        <label>
          {t("outcome")}
          <select
            name="audit-outcome"
            onChange={(e) => {
              const v = e.currentTarget.value as AuditQuery["outcome"] | "";
              draft.value = { ...draft.value, outcome: v || undefined };
            }}
          >
            <option value="">{t("all")}</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
            <option value="denied">denied</option>
          </select>
        </label>
        {dateField("from", t("from"))}
        {dateField("to", t("to"))}
        <label class="inline">
          <input
            type="checkbox"
            onChange={(e) => {
              draft.value = { ...draft.value, includeArchived: e.currentTarget.checked || undefined };
            }}
          />
          {t("includeArchived")}
        </label>
        <button type="submit">{t("search")}</button>
        <button
          type="button"
          class="secondary"
          onClick={async () => {
            try {
              verify.value = await api.get<AuditVerifyView>("/audit/verify");
            } catch (err) {
              error.value = errorText(err);
            }
          }}
        >
          {t("verifyChain")}
        </button>
        <button type="button" class="secondary" onClick={() => window.print()}>
          {t("print")}
        </button>
      </form>
      {verify.value && (
        <p class={verify.value.ok ? "notice" : "form-error"} role="status" data-testid="verify-result">
          {verify.value.ok
            ? t("chainOk", { n: verify.value.checked })
            : t("chainBroken", { n: verify.value.brokenAt ?? "?" })}
        </p>
      )}
      {(error.value || result.error.value) && (
        <p class="form-error" role="alert">
          {error.value ?? result.error.value}
        </p>
      )}
      <p>{page ? t("results", { n: page.total }) : t("loading")}</p>
      <table class="data">
        <thead>
          <tr>
            <th>#</th>
            <th>{t("when")}</th>
            <th>{t("actor")}</th>
            <th>{t("action")}</th>
            <th>{t("entity")}</th>
            <th>{t("outcome")}</th>
            <th>{t("before")}</th>
            <th>{t("after")}</th>
          </tr>
        </thead>
        <tbody>
          {(page?.entries ?? []).map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td>{formatTime(e.at)}</td>
              <td>{e.actorName}</td>
              <td>{e.action}</td>
              <td>
                {e.entity}
                {e.entityId ? ` ${e.entityId.slice(0, 8)}` : ""}
              </td>
              <td>
                <span class={`badge ${e.outcome === "success" ? "good" : "bad"}`}>{e.outcome}</span>
              </td>
              <td>
                <code>{short(e.before)}</code>
              </td>
              <td>
                <code>{short(e.after)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="toolbar">
        <button
          type="button"
          class="secondary"
          disabled={offset === 0}
          onClick={() => apply({ ...filter.value, offset: Math.max(0, offset - pageSize) })}
        >
          {t("previous")}
        </button>
        <button
          type="button"
          class="secondary"
          disabled={!page || offset + pageSize >= page.total}
          onClick={() => apply({ ...filter.value, offset: offset + pageSize })}
        >
          {t("next")}
        </button>
      </div>
    </section>
  );
}
