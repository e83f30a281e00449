import test from "ava";
import Fastify from "fastify";
import type { AuditInput } from "../../../controller/access/audit.ts";
import type { Principal } from "../../../controller/access/principal.ts";
import { alertApiRoutes } from "../../../controller/alerts/alert-routes.ts";
import { AlertService } from "../../../controller/alerts/alert-service.ts";
import { type AlertConfig, defaultAlertConfig } from "../../../controller/alerts/config.ts";
import { AlertConfigStore, checkAlertConfig } from "../../../controller/alerts/config-schema.ts";
import { installErrorHandler } from "../../../controller/api/plugins/error-handler.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { minute, RecordingChannel, tempStore } from "./helpers.ts";

const good: AlertConfig = {
  ...defaultAlertConfig,
  recipients: [{ id: "sup", name: "Supervisor", contacts: [{ channel: "email", address: "sup@x.test" }] }],
  rotations: [
    {
      id: "duty",
      timeZone: "America/Los_Angeles",
      shift: "weekly",
      handover: "08:00",
      startDate: "2026-01-01",
      members: ["sup"],
    },
  ],
  routes: [{ types: ["threshold"], steps: [{ targets: [{ rotation: "duty" }], ackTimeoutMs: 10 * minute }] }],
  thresholds: [{ id: "blocked-per-hour", metric: "call-blocked", limit: 2, windowMs: 60 * minute }],
};

test("a usable configuration has no problems", (t) => {
  t.deepEqual(checkAlertConfig(good), []);
});

test("references, time zones and shapes are checked before a configuration is used", (t) => {
  const bad = structuredClone(good) as AlertConfig;
  bad.rotations[0] = {
    ...(bad.rotations[0] as AlertConfig["rotations"][number]),
    timeZone: "Mars/Base",
    members: ["ghost"],
  };
  bad.routes.push({ steps: [{ targets: [{ recipient: "nobody" }], ackTimeoutMs: minute }] });
  bad.recipients.push({ id: "sup", name: "Twin", contacts: [] });
  t.deepEqual(
    checkAlertConfig(bad).map((p) => `${p.path}: ${p.message}`),
    [
      '/recipients: duplicate id "sup"',
      '/rotations/0/timeZone: unknown time zone "Mars/Base"',
      '/rotations/0/members/0: no recipient "ghost"',
      '/routes/1/steps/0/targets/0: no recipient "nobody"',
    ],
  );
  t.true(checkAlertConfig({ ...good, groupWindowMs: -1 }).length > 0);
  t.true(checkAlertConfig({ ...good, extra: 1 }).length > 0);
});

test("an administrator's threshold, saved through the API, applies to the next events and survives a reload", async (t) => {
  const clock = new VirtualClock();
  const { store, alerts } = await tempStore(t);
  const email = new RecordingChannel("email");
  const svc = new AlertService({
    clock,
    store: alerts,
    channels: { email },
    publicBaseUrl: "https://x.test",
    config: defaultAlertConfig,
  });
  await svc.start();
  t.teardown(() => svc.stop());
  const configStore = AlertConfigStore.from(store);

  const audited: AuditInput[] = [];
  const app = Fastify();
  installErrorHandler(app);
  app.decorateRequest("principal", null);
  const admin: Principal = {
    userId: "u",
    username: "admin",
    displayName: "Admin One",
    kind: "state",
    levelId: "l",
    levelName: "Central",
    rank: 0,
    permissions: new Set(["admin.settings"]),
    facilities: { all: true },
    language: "en",
    mustChangePassword: false,
  };
  app.addHook("onRequest", async (req) => {
    (req as unknown as { principal: Principal }).principal = admin;
  });
  await app.register(
    async (api) =>
      alertApiRoutes(api, {
        alerts: svc,
        viewPermissions: ["menu.dashboard"],
        ackPermissions: ["action.monitor"],
        configuration: { store: configStore, permissions: ["admin.settings"], clock },
        audit: { record: async (e) => audited.push(e) },
      }),
    { prefix: "/api" },
  );
  await app.ready();
  t.teardown(() => app.close());

  const before = await app.inject({ url: "/api/alerts/config" });
  t.is(before.json<{ updatedBy: string | null }>().updatedBy, null);

  const rejected = await app.inject({
    method: "PUT",
    url: "/api/alerts/config",
    payload: { ...good, routes: [{ steps: [{ targets: [{ recipient: "ghost" }], ackTimeoutMs: 60_000 }] }] },
  });
  t.is(rejected.statusCode, 400);
  t.regex(rejected.body, /no recipient \\"ghost\\"/);

  const saved = await app.inject({ method: "PUT", url: "/api/alerts/config", payload: good });
  t.is(saved.statusCode, 200);
  t.is(saved.json<{ updatedBy: string }>().updatedBy, "Admin One");
  t.deepEqual(
    audited.map((e) => [e.action, e.actorName, (e.after as AlertConfig).thresholds[0]?.limit]),
    [["alert.config.update", "admin", 2]],
    "only the accepted change is audited here; the rejected one never reached the store",
  );

  svc.observe("call-blocked", "F1");
  svc.observe("call-blocked", "F1");
  await svc.idle();
  t.deepEqual(
    email.sent.map((m) => m.subject),
    ["[Yardline MAJOR] Threshold: 2 call-blocked in 60 min"],
  );

  const reloaded = await configStore.load();
  t.deepEqual(reloaded?.config, good);
  t.is(reloaded?.updatedBy, "Admin One");
});
