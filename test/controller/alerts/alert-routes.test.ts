import websocket from "@fastify/websocket";
import test, { type ExecutionContext } from "ava";
import Fastify from "fastify";
import type { AuditInput } from "../../../controller/access/audit.ts";
import type { Principal } from "../../../controller/access/principal.ts";
import { alertApiRoutes, alertLinkRoutes, type LiveMessage } from "../../../controller/alerts/alert-routes.ts";
import { AlertService } from "../../../controller/alerts/alert-service.ts";
import { installErrorHandler } from "../../../controller/api/plugins/error-handler.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { config, minute, RecordingChannel, tempStore } from "./helpers.ts";

function person(facilities: Principal["facilities"]): Principal {
  return {
    userId: "u1",
    username: "lt.diaz",
    displayName: "Lt. Diaz",
    kind: "state",
    levelId: "l1",
    levelName: "Watch",
    rank: 1,
    permissions: new Set(["menu.dashboard", "action.monitor"]),
    facilities,
    language: "en",
    mustChangePassword: false,
  };
}

async function setup(t: ExecutionContext) {
  const clock = new VirtualClock();
  const { alerts } = await tempStore(t);
  const email = new RecordingChannel("email");
  const svc = new AlertService({
    clock,
    store: alerts,
    channels: { email },
    publicBaseUrl: "https://x.test",
    config: config({
      recipients: [{ id: "ann", name: "Ann", contacts: [{ channel: "email", address: "ann@x.test" }] }],
      routes: [
        {
          steps: [
            { targets: [{ recipient: "ann" }], ackTimeoutMs: 5 * minute },
            { targets: [{ recipient: "ann" }], ackTimeoutMs: 5 * minute },
          ],
        },
      ],
    }),
  });
  await svc.start();
  t.teardown(() => svc.stop());

  // Stands in for the API's sign-on: the test says who is asking in a header.
  const app = Fastify();
  installErrorHandler(app);
  app.decorateRequest("principal", null);
  app.addHook("onRequest", async (req) => {
    const who = req.headers["x-test-facilities"];
    (req as unknown as { principal: Principal | null }).principal =
      who === "all"
        ? person({ all: true })
        : typeof who === "string"
          ? person({ all: false, ids: who.split(",") })
          : null;
  });
  await app.register(websocket);
  const audited: AuditInput[] = [];
  await app.register(
    async (api) =>
      alertApiRoutes(api, {
        alerts: svc,
        viewPermissions: ["menu.dashboard"],
        ackPermissions: ["action.monitor"],
        audit: { record: async (e) => audited.push(e) },
      }),
    { prefix: "/api" },
  );
  await app.register(async (root) => alertLinkRoutes(root, { alerts: svc }));
  await app.ready();
  t.teardown(() => app.close());
  return { svc, app, email, clock, audited };
}

test("the alert list shows only alerts in the caller's facilities", async (t) => {
  const { svc, app } = await setup(t);
  svc.raise({ type: "bank-offline", facilityId: "F1", bankId: "B1" });
  svc.raise({ type: "bank-offline", facilityId: "F2", bankId: "B9" });
  await svc.idle();
  const mine = await app.inject({ url: "/api/alerts", headers: { "x-test-facilities": "F2" } });
  t.is(mine.statusCode, 200);
  t.deepEqual(
    mine.json<{ facilityId: string; title: string }[]>().map((a) => a.title),
    ["Phone bank B9 offline"],
  );
  const all = await app.inject({ url: "/api/alerts", headers: { "x-test-facilities": "all" } });
  t.is(all.json<unknown[]>().length, 2);
  const anon = await app.inject({ url: "/api/alerts" });
  t.is(anon.statusCode, 401);
});

test("acknowledging from the UI records who did it and shows the delivery log", async (t) => {
  const { svc, app, clock, email, audited } = await setup(t);
  svc.raise({ type: "trunk-unreachable", facilityId: "F1", trunkId: "T1" });
  await svc.idle();
  const [a] = await svc.recentAlerts();
  const other = await app.inject({
    method: "POST",
    url: `/api/alerts/${a?.id}/ack`,
    headers: { "x-test-facilities": "F2" },
  });
  t.is(other.statusCode, 404, "another facility's alert is not there for this caller");

  const res = await app.inject({
    method: "POST",
    url: `/api/alerts/${a?.id}/ack`,
    headers: { "x-test-facilities": "F1" },
  });
  t.is(res.statusCode, 200);
  const body = res.json<{ acknowledged: boolean; alert: { state: string; acknowledgedBy: string } }>();
  t.true(body.acknowledged);
  t.is(body.alert.acknowledgedBy, "Lt. Diaz");
  t.deepEqual(
    audited.map((e) => [e.action, e.actorName, e.entityId, e.facilityId]),
    [["alert.acknowledge", "lt.diaz", a?.id, "F1"]],
  );
  clock.advance(30 * minute);
  await svc.idle();
  t.is(email.sent.length, 1, "no escalation after the acknowledgement");

  const log = await app.inject({ url: `/api/alerts/${a?.id}/deliveries`, headers: { "x-test-facilities": "F1" } });
  const { deliveries, attempts } = log.json<{ deliveries: { status: string }[]; attempts: { result: string }[] }>();
  t.deepEqual(
    deliveries.map((d) => d.status),
    ["sent"],
  );
  t.deepEqual(
    attempts.map((l) => l.result),
    ["sent"],
  );
});

test("the link in a message shows a button on GET and acknowledges only on POST", async (t) => {
  const { svc, app, email } = await setup(t);
  svc.raise({ type: "recording-failing", facilityId: "F1", detail: "disk error" });
  await svc.idle();
  const link = /https:\/\/x\.test(\/alerts\/ack\/[\w-]+)/.exec(email.sent[0]?.text ?? "")?.[1] ?? "";

  const get = await app.inject({ url: link });
  t.is(get.statusCode, 200);
  t.regex(get.body, /<form method="post"/);
  t.is((await svc.recentAlerts())[0]?.state, "open", "a mail scanner fetching the link acknowledges nothing");

  const post = await app.inject({
    method: "POST",
    url: link,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "",
  });
  t.is(post.statusCode, 200);
  t.regex(post.body, /Acknowledged\. Escalation stopped\./);
  t.is((await svc.recentAlerts())[0]?.state, "acknowledged");

  const again = await app.inject({
    method: "POST",
    url: link,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  t.regex(again.body, /Already acknowledged by Ann \(link in email message\)/);

  const bogus = await app.inject({ method: "POST", url: `/alerts/ack/${"x".repeat(43)}` });
  t.is(bogus.statusCode, 404);
});

test("the live feed pushes alerts of the caller's facilities as they happen, and unsubscribes on close", async (t) => {
  const { svc, app } = await setup(t);
  const ws = await app.injectWS("/api/alerts/live", { headers: { "x-test-facilities": "F1" } });
  const got: LiveMessage[] = [];
  const firstTwo = new Promise<void>((resolve) => {
    ws.on("message", (data: Buffer) => {
      got.push(JSON.parse(data.toString()) as LiveMessage);
      if (got.length === 2) resolve();
    });
  });
  svc.raise({ type: "bank-offline", facilityId: "F2", bankId: "B9" });
  svc.raise({ type: "bank-offline", facilityId: "F1", bankId: "B1" });
  svc.raise({ type: "bank-online", facilityId: "F1", bankId: "B1" });
  await svc.idle();
  await firstTwo;
  t.deepEqual(
    got.map((m) => [m.kind, "alert" in m ? m.alert.title : ""]),
    [
      ["raised", "Phone bank B1 offline"],
      ["resolved", "Phone bank B1 offline"],
    ],
  );
  t.is(svc.listenerCount(), 1);
  const closed = new Promise<void>((resolve) => ws.on("close", () => resolve()));
  ws.terminate();
  await closed;
  // The server side sees the close on its next turn.
  for (let i = 0; i < 50 && svc.listenerCount() > 0; i++) await new Promise((r) => setImmediate(r));
  t.is(svc.listenerCount(), 0);
});
