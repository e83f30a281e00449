import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { SimBoard } from "./sim-board.ts";

/**
 * The simulated board's control surface: what a person at the phone bank would do, over HTTP
 * on 127.0.0.1 (the lab and the tests drive it; `cli.ts` is its command-line client).
 *
 *   GET  /state                          lines, outputs, faults (+ firmware status if attached)
 *   POST /handsets/:id/lift | /hang-up
 *   POST /handsets/:id/keys     {digits}    keypad presses
 *   POST /handsets/:id/rotary   {digits}    dials on the hook loop (answers when done)
 *   POST /handsets/:id/flash    {ms?}       hook flash, default 300 ms
 *   POST /units/:unit/kill      {active}    the unit's kill switch
 *   POST /faults                {name, active}
 *   POST /record {file} | /record/stop | /replay {file}
 */
export interface ControlServerOptions {
  host?: string;
  port?: number;
  /** Firmware status to include in GET /state (handset states, link). */
  status?: () => unknown;
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, "TOO_LARGE", "body over 64 KiB");
    chunks.push(c as Buffer);
  }
  if (!chunks.length) return {};
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error();
    return v as Record<string, unknown>;
  } catch {
    throw new HttpError(400, "BAD_JSON", "body must be a JSON object");
  }
}

function str(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (typeof v !== "string" || !v) throw new HttpError(400, "BAD_REQUEST", `"${key}" must be a non-empty string`);
  return v;
}

function bool(b: Record<string, unknown>, key: string): boolean {
  const v = b[key];
  if (typeof v !== "boolean") throw new HttpError(400, "BAD_REQUEST", `"${key}" must be true or false`);
  return v;
}

export async function handleControl(sim: SimBoard, opts: ControlServerOptions, req: IncomingMessage): Promise<unknown> {
  const url = new URL(req.url ?? "/", "http://sim");
  const parts = url.pathname.split("/").filter(Boolean);
  const method = req.method ?? "GET";
  if (method === "GET" && url.pathname === "/state") return { ...sim.state(), firmware: opts.status?.() };
  if (method !== "POST") throw new HttpError(404, "NOT_FOUND", `${method} ${url.pathname}`);
  const b = await body(req);
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new HttpError(400, "BAD_REQUEST", (err as Error).message);
    }
  };
  const [a, id, action] = parts;
  if (a === "handsets" && id) {
    switch (action) {
      case "lift":
        wrap(() => sim.lift(id));
        return { ok: true };
      case "hang-up":
        wrap(() => sim.hangUp(id));
        return { ok: true };
      case "keys":
        wrap(() => sim.press(id, str(b, "digits")));
        return { ok: true };
      case "rotary":
        await wrap(() => sim.rotary(id, str(b, "digits")));
        return { ok: true };
      case "flash": {
        const ms = b.ms === undefined ? 300 : Number(b.ms);
        if (!Number.isFinite(ms) || ms <= 0 || ms > 5000)
          throw new HttpError(400, "BAD_REQUEST", '"ms" must be 1-5000');
        await wrap(() => sim.flash(id, ms));
        return { ok: true };
      }
    }
  }
  if (a === "units" && id && action === "kill") {
    wrap(() => sim.kill(id, bool(b, "active")));
    return { ok: true };
  }
  if (a === "faults" && !id) {
    sim.fault(str(b, "name"), bool(b, "active"));
    return { ok: true, faults: sim.activeFaults() };
  }
  if (a === "record" && !id) {
    sim.startRecording(str(b, "file"));
    return { ok: true };
  }
  if (a === "record" && id === "stop") {
    await sim.stopRecording();
    return { ok: true };
  }
  if (a === "replay" && !id) {
    const n = await sim.replay(str(b, "file")).catch((err: Error) => {
      throw new HttpError(400, "BAD_RECORDING", err.message);
    });
    return { ok: true, replayed: n };
  }
  throw new HttpError(404, "NOT_FOUND", `${method} ${url.pathname}`);
}

export async function startControlServer(
  sim: SimBoard,
  opts: ControlServerOptions = {},
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handleControl(sim, opts, req).then(
      (result) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(result));
      },
      (err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, "INTERNAL", "internal error");
        res.writeHead(e.status, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: e.code, message: e.message }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
