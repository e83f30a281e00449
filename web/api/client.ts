/**
 * The UI's only way to the server. Sends the session's CSRF token on every change and turns
 * error bodies into `ApiFailure` with the server's stable code.
 */
import type { ErrorBody } from "../../controller/api/schemas/common.ts";

export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: { path: string; message: string }[];

  constructor(status: number, body: ErrorBody | null) {
    super(body?.error.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error.code ?? "http_error";
    this.details = body?.error.details ?? [];
  }
}

export interface ApiClient {
  setCsrf(token: string | null): void;
  get<T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
  /** Sends raw text (CSV imports). */
  postText<T>(path: string, text: string, contentType: string): Promise<T>;
}

export function createApiClient(base = "/api", onUnauthenticated: () => void = () => {}): ApiClient {
  let csrf: string | null = null;

  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    raw?: { text: string; type: string },
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (csrf && method !== "GET") headers["x-csrf-token"] = csrf;
    let payload: string | undefined;
    if (raw) {
      headers["content-type"] = raw.type;
      payload = raw.text;
    } else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const res = await fetch(`${base}${path}`, { method, headers, body: payload, credentials: "same-origin" });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) {
      if (res.status === 401 && !path.startsWith("/session")) onUnauthenticated();
      throw new ApiFailure(res.status, json as ErrorBody | null);
    }
    return json as T;
  }

  return {
    setCsrf(token) {
      csrf = token;
    },
    get(path, query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") q.set(k, String(v));
      const qs = q.toString();
      return call("GET", qs ? `${path}?${qs}` : path);
    },
    post: (path, body) => call("POST", path, body),
    put: (path, body) => call("PUT", path, body),
    patch: (path, body) => call("PATCH", path, body),
    del: (path) => call("DELETE", path),
    postText: (path, text, type) => call("POST", path, undefined, { text, type }),
  };
}
