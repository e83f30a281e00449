/** Hash routes (#/users): reloads and bookmarks work without server-side routing. */
import { signal } from "@preact/signals";

function current(): string {
  const h = typeof location !== "undefined" ? location.hash.replace(/^#/, "") : "";
  return h || "/";
}

export const route = signal(current());

if (typeof window !== "undefined") {
  window.addEventListener("hashchange", () => {
    route.value = current();
  });
}

export function navigate(path: string): void {
  location.hash = path;
}
