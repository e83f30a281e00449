/**
 * Listens and shuts down gracefully: on SIGINT/SIGTERM stop accepting, let requests in
 * flight finish, stop the audit archiver, close the store.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { SystemClock } from "../../telephony/clock.ts";
import { createAccess } from "../access/access.ts";
import type { AccessTables } from "../access/tables.ts";
import { openStore, type StoreConfig } from "../store/database.ts";
import { openDomainStore } from "../store/domain-store.ts";
import { type AppDeps, buildApp } from "./app.ts";

export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Starts listening with an app built from `deps`; `onClose` runs after the server has stopped. */
export async function listen(
  deps: AppDeps,
  opts: ListenOptions,
  onClose: () => Promise<void> = async () => {},
): Promise<RunningServer> {
  const app = await buildApp(deps);
  const address = await app.listen({ host: opts.host, port: opts.port });
  let closing: Promise<void> | undefined;
  return {
    app,
    url: address,
    close() {
      closing ??= (async () => {
        await app.close();
        await onClose();
      })();
      return closing;
    },
  };
}

/** Audit entries older than twelve months move to the archive (Data Archiving: "older than 12 months"). */
export const auditKeepDays = 365;
const day = 86_400_000;

/**
 * Runs the API and UI from environment settings, with the domain and (if a directory is given)
 * recordings; live calls and alerts come with the rest of the controller, which passes them to
 * `listen()` itself.
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const clock = new SystemClock();
  const storeCfg: StoreConfig = env.YARDLINE_DATABASE_URL
    ? { kind: "postgres", connectionString: env.YARDLINE_DATABASE_URL }
    : { kind: "sqlite", file: env.YARDLINE_SQLITE ?? "yardline.sqlite" };
  const store = await openStore<AccessTables>(storeCfg);
  // The domain on its own connection: a long import must not hold up sign-on checks.
  const ds = await openDomainStore(storeCfg);
  const access = createAccess(store.db, clock);
  const adminPassword = env.YARDLINE_ADMIN_PASSWORD;
  if (adminPassword) await access.bootstrap({ username: env.YARDLINE_ADMIN_USER ?? "admin", password: adminPassword });
  access.audit.startAutoArchive(day, auditKeepDays);
  const tls =
    env.YARDLINE_TLS_CERT && env.YARDLINE_TLS_KEY
      ? { cert: readFileSync(env.YARDLINE_TLS_CERT), key: readFileSync(env.YARDLINE_TLS_KEY) }
      : undefined;
  const server = await listen(
    {
      clock,
      access,
      webRoot: env.YARDLINE_WEB_ROOT ?? path.join(import.meta.dirname, "..", "..", "web", "dist"),
      secureCookies: tls !== undefined,
      domain: ds,
      ...(env.YARDLINE_RECORDINGS_DIR ? { recordings: { dir: env.YARDLINE_RECORDINGS_DIR } } : {}),
      logger: { level: env.YARDLINE_LOG_LEVEL ?? "info" },
      ...(tls ? { https: tls } : {}),
    },
    { host: env.YARDLINE_HOST ?? "127.0.0.1", port: Number(env.YARDLINE_PORT ?? 8080) },
    async () => {
      access.audit.stopAutoArchive();
      await access.audit.flush();
      await ds.close();
      await store.close();
    },
  );
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  return server;
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  main().then(
    (s) => console.log(`yardline api listening on ${s.url}`),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
