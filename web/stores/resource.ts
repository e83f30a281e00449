/** A value loaded from the API: signals for the data, the error and loading, and `reload()`. */
import { batch, signal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { ApiFailure } from "../api/client.ts";

export function createResource<T>(load: () => Promise<T>) {
  const data = signal<T | null>(null);
  const error = signal<string | null>(null);
  const loading = signal(false);
  let generation = 0;
  async function reload() {
    const mine = ++generation;
    loading.value = true;
    try {
      const value = await load();
      if (mine === generation) {
        batch(() => {
          data.value = value;
          error.value = null;
        });
      }
    } catch (err) {
      if (mine === generation) error.value = err instanceof ApiFailure ? err.message : String(err);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }
  return { data, error, loading, reload };
}

/** A resource tied to a component, loaded on mount. */
export function useResource<T>(load: () => Promise<T>) {
  const r = useMemo(() => createResource(load), []);
  useEffect(() => {
    void r.reload();
  }, []);
  return r;
}

export function errorText(err: unknown): string {
  if (err instanceof ApiFailure) {
    const details = err.details.map((d) => d.message).join("; ");
    return details && !err.message.includes(details) ? `${err.message} (${details})` : err.message;
  }
  return String(err);
}
