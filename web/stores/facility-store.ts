/** The facilities the user reaches and the one they are working in. */
import { effect, signal } from "@preact/signals";
import type { FacilityRow } from "../../controller/store/schema.ts";
import type { ApiClient } from "../api/client.ts";

export function createFacilityStore(api: ApiClient) {
  const facilities = signal<FacilityRow[]>([]);
  const current = signal<string>(localStorage.getItem("yl.facility") ?? "");
  effect(() => {
    if (current.value) localStorage.setItem("yl.facility", current.value);
  });
  return {
    facilities,
    current,
    async load() {
      facilities.value = await api.get<FacilityRow[]>("/facilities");
      if (!facilities.value.some((f) => f.id === current.value)) current.value = facilities.value[0]?.id ?? "";
    },
  };
}

export type FacilityStore = ReturnType<typeof createFacilityStore>;
