/**
 * The controller's HTTP API and admin UI as a fastify app. Builds, never listens: tests use
 * `inject()`, server.ts listens.
 *
 * Domain routes are added only for the services the caller passes in, so a controller
 * without (say) live call control simply has no such routes, rather than routes that fail.
 */
import cookie from "@fastify/cookie";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Clock } from "../../telephony/clock.ts";
import type { Access } from "../access/access.ts";
import { Permissions as P } from "../access/permissions.ts";
import { type AlertApi, alertApiRoutes, alertLinkRoutes } from "../alerts/alert-routes.ts";
import type { AlertConfigStore } from "../alerts/config-schema.ts";
import type { DomainStore } from "../store/domain-store.ts";
import { ExportJobs } from "./export-jobs.ts";
import { ImportJobs } from "./import-jobs.ts";
import { installAuth } from "./plugins/auth.ts";
import { installErrorHandler } from "./plugins/error-handler.ts";
import { installOpenApi } from "./plugins/openapi.ts";
import { installStaticUi } from "./plugins/static-ui.ts";
import { installValidation } from "./plugins/validation.ts";
import { accessRoutes } from "./routes/access-routes.ts";
import { callRecordRoutes } from "./routes/call-record-routes.ts";
import { cosRoutes } from "./routes/cos-routes.ts";
import { reportRoutes } from "./routes/report-routes.ts";
import { facilityRoutes } from "./routes/facility-routes.ts";
import { inmateRoutes } from "./routes/inmate-routes.ts";
import { type LiveDeps, liveRoutes } from "./routes/live-routes.ts";
import { numberListRoutes } from "./routes/number-list-routes.ts";
import { rateRoutes } from "./routes/rate-routes.ts";
import { type RecordingDeps, recordingRoutes } from "./routes/recording-routes.ts";
import { sessionRoutes } from "./routes/session-routes.ts";
import { ErrorBody } from "./schemas/common.ts";

export interface AppDeps {
  clock: Clock;
  access: Access;
  /** Set the cookie's Secure flag: true whenever the server is reached over TLS. */
  secureCookies?: boolean;
  /** Directory of the built UI (web/dist); omitted: API only. */
  webRoot?: string;
  logger?: FastifyServerOptions["logger"];
  /** TLS options, passed to fastify as `https`. */
  https?: FastifyServerOptions extends { https?: infer H } ? H : unknown;
  /** Largest request body in bytes (CSV imports are the large ones). */
  bodyLimit?: number;
  /** The agency's domain store: facilities, inmates, COS, number lists, rates, call records. */
  domain?: DomainStore;
  /** Calls in progress (the call manager and its event bus), with phone-bank health; needs `domain`. */
  live?: LiveDeps;
  /** The recording vault (play, download with seal); needs `domain`. */
  recordings?: RecordingDeps;
  /** The alert service: recent alerts, acknowledgement, the live alert feed. */
  alerts?: AlertApi;
  /** Where the alert routing (recipients, rotations, routes, thresholds) is kept; edited by administrators. */
  alertConfig?: AlertConfigStore;
}

/** Which screens the server can back, so the UI offers only those. */
export interface Features {
  domain: boolean;
  alerts: boolean;
  liveCalls: boolean;
  recordings: boolean;
}

/** Registers the whole API under /api and the UI at /. */
export async function yardlineApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.addSchema(ErrorBody);
  installErrorHandler(app);
  installValidation(app);
  await app.register(cookie);
  await app.register(websocket);
  await installOpenApi(app);

  const secureCookies = deps.secureCookies ?? false;
  await app.register(
    async (api) => {
      // Only the API is behind sessions; the UI's static files are public.
      installAuth(api, deps.access);
      await sessionRoutes(api, { access: deps.access, secureCookies });
      await accessRoutes(api, { access: deps.access });
      const features: Features = {
        domain: !!deps.domain,
        alerts: !!deps.alerts,
        liveCalls: !!(deps.domain && deps.live),
        recordings: !!(deps.domain && deps.recordings),
      };
      api.get(
        "/features",
        { schema: { tags: ["session"], summary: "Which screens this controller can back" } },
        async () => features,
      );
      if (deps.domain) {
        const ctx = { ds: deps.domain, access: deps.access, clock: deps.clock };
        await facilityRoutes(api, ctx);
        await inmateRoutes(api, ctx);
        await cosRoutes(api, ctx);
        await numberListRoutes(api, { ...ctx, jobs: new ImportJobs(deps.clock) });
        await rateRoutes(api, ctx);
        await callRecordRoutes(api, { ...ctx, exports: new ExportJobs(deps.clock) });
        await reportRoutes(api, ctx);
        if (deps.live) await liveRoutes(api, { ...ctx, live: deps.live });
        if (deps.recordings) await recordingRoutes(api, { ...ctx, recordings: deps.recordings });
      }
      if (deps.alerts) {
        await alertApiRoutes(api, {
          alerts: deps.alerts,
          viewPermissions: [P.menuDashboard, P.menuLiveCalls],
          ackPermissions: [P.actionMonitor, P.actionTerminate],
          audit: deps.access.audit,
          ...(deps.alertConfig
            ? { configuration: { store: deps.alertConfig, permissions: [P.adminSettings], clock: deps.clock } }
            : {}),
        });
      }
      api.get("/openapi.json", { config: { access: { public: true } }, schema: { hide: true } }, async () =>
        app.swagger(),
      );
    },
    { prefix: "/api" },
  );

  // The acknowledgement links in alert messages: public, the token is the credential.
  if (deps.alerts) await alertLinkRoutes(app, { alerts: deps.alerts });
  if (deps.webRoot) await installStaticUi(app, deps.webRoot);
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimit ?? 20 * 1024 * 1024,
    // Behind nothing by default; the client address is the socket's.
    trustProxy: false,
    ...(deps.https ? { https: deps.https } : {}),
  } as FastifyServerOptions);
  await yardlineApi(app, deps);
  await app.ready();
  return app;
}
