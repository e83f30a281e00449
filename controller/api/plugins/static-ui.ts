/**
 * Serves the built UI (web/dist) and answers unknown non-API paths with index.html so the
 * UI's own routes survive a reload.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

export async function installStaticUi(app: FastifyInstance, root: string): Promise<void> {
  if (!existsSync(path.join(root, "index.html"))) {
    app.log.warn({ root }, "web UI not built; serving the API only");
    return;
  }
  await app.register(fastifyStatic, { root, prefix: "/", wildcard: false, index: ["index.html"] });
}
