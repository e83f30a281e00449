import test, { type ExecutionContext } from "ava";
import { AlertService, type AlertNotice } from "../../../controller/alerts/alert-service.ts";
import type { AlertConfig } from "../../../controller/alerts/config.ts";
import type { AlertEvent } from "../../../controller/alerts/events.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { config, minute, RecordingChannel, tempStore } from "./helpers.ts";

const people: AlertConfig["recipients"] = [
  { id: "ann", name: "Ann", contacts: [{ channel: "email", address: "ann@example.test" }] },
  { id: "bob", name: "Bob", contacts: [{ channel: "email", address: "bob@example.test" }] },
  { id: "cy", name: "Cy", contacts: [{ channel: "email", address: "cy@example.test" }] },
  { id: "sup", name: "Supervisor", contacts: [{ channel: "email", address: "sup@example.test" }] },
];

const chain: AlertConfig["routes"][number] = {
  steps: [
    { targets: [{ recipient: "ann" }], ackTimeoutMs: 5 * minute },
    { targets: [{ recipient: "bob" }], ackTimeoutMs: 10 * minute },
    { targets: [{ recipient: "sup" }], ackTimeoutMs: 10 * minute },
  ],
};

const hot: AlertEvent = {
  type: "hot-number-connected",
  facilityId: "F1",
  callId: "c-1",
  inmate: { id: "A1" },
  stationId: "S1",
  number: "5551234",
};

async function setup(t: ExecutionContext, over: Partial<AlertConfig> = {}, clock = new VirtualClock()) {
  const { alerts } = await tempStore(t);
  const email = new RecordingChannel("email");
  const make = () =>
    new AlertService({
      clock,
      store: alerts,
      channels: { email },
      publicBaseUrl: "https://x.test",
      config: config({ recipients: people, routes: [chain], ...over }),
    });
  const svc = make();
  const notices: AlertNotice[] = [];
  svc.subscribe((n) => notices.push(n));
  await svc.start();
  t.teardown(() => svc.stop());
  const to = () => email.sent.map((m) => m.to.split("@")[0]);
  return { clock, svc, email, notices, to, make, alerts };
}

test("a step not acknowledged within its timeout pages the next person, until the chain ends", async (t) => {
  const { clock, svc, to, notices } = await setup(t);
  svc.raise(hot);
  await svc.idle();
  t.deepEqual(to(), ["ann"]);

  clock.advance(5 * minute - 1);
  await svc.idle();
  t.deepEqual(to(), ["ann"], "not before the timeout");
  clock.advance(1);
  await svc.idle();
  t.deepEqual(to(), ["ann", "bob"]);

  clock.advance(10 * minute);
  await svc.idle();
  t.deepEqual(to(), ["ann", "bob", "sup"]);

  clock.advance(60 * minute);
  await svc.idle();
  t.deepEqual(to(), ["ann", "bob", "sup"], "nobody after the last step");
  t.deepEqual(
    notices.filter((n) => n.kind === "escalated").map((n) => (n.kind === "escalated" ? n.recipients : [])),
    [["Bob"], ["Supervisor"]],
  );
  t.is(clock.pending(), 0);
});

test("acknowledging from the UI stops the escalation", async (t) => {
  const { clock, svc, to, notices } = await setup(t);
  svc.raise(hot);
  await svc.idle();
  clock.advance(3 * minute);
  const [alert] = await svc.recentAlerts();
  const res = await svc.acknowledge(alert?.id ?? "", "officer 17");
  t.deepEqual(res, { alertId: alert?.id, acknowledged: true });
  clock.advance(60 * minute);
  await svc.idle();
  t.deepEqual(to(), ["ann"]);
  const after = await svc.getAlert(alert?.id ?? "");
  t.is(after?.state, "acknowledged");
  t.is(after?.acknowledgedBy, "officer 17");
  t.is(after?.acknowledgedAt, (alert?.firstAt ?? 0) + 3 * minute);
  t.true(notices.some((n) => n.kind === "acknowledged"));
  t.is(clock.pending(), 0);
});

test("the second person can acknowledge with the link in their own message", async (t) => {
  const { clock, svc, email, to } = await setup(t);
  svc.raise(hot);
  await svc.idle();
  clock.advance(5 * minute);
  await svc.idle();
  const bobs = email.sent.find((m) => m.to === "bob@example.test");
  const token = /ack\/([\w-]+)/.exec(bobs?.text ?? "")?.[1] ?? "";
  const res = await svc.acknowledgeByToken(token);
  t.is(res?.acknowledged, true);
  clock.advance(60 * minute);
  await svc.idle();
  t.deepEqual(to(), ["ann", "bob"]);
  t.is((await svc.recentAlerts())[0]?.acknowledgedBy, "Bob (link in email message)");
});

test("an escalation in progress survives a restart of the service", async (t) => {
  const { clock, svc, to, make } = await setup(t);
  svc.raise(hot);
  await svc.idle();
  clock.advance(2 * minute);
  await svc.stop();
  t.is(clock.pending(), 0);

  const again = make();
  await again.start();
  t.teardown(() => again.stop());
  clock.advance(3 * minute - 1);
  await again.idle();
  t.deepEqual(to(), ["ann"]);
  clock.advance(1);
  await again.idle();
  t.deepEqual(to(), ["ann", "bob"], "due 5 minutes after the first page, whatever the restart");
});

test("a rotation target pages whoever is on call when the step starts", async (t) => {
  // 2026-03-08 15:30 UTC = 08:30 PDT: day 7 of a rotation started 2026-03-01 → members[7 % 3] = "bob".
  const clock = new VirtualClock(Date.UTC(2026, 2, 8, 15, 30));
  const { svc, to } = await setup(
    t,
    {
      rotations: [
        {
          id: "duty",
          timeZone: "America/Los_Angeles",
          shift: "daily",
          handover: "08:00",
          startDate: "2026-03-01",
          members: ["ann", "bob", "cy"],
        },
      ],
      routes: [{ steps: [{ targets: [{ rotation: "duty" }], ackTimeoutMs: 5 * minute }] }],
    },
    clock,
  );
  svc.raise(hot);
  await svc.idle();
  t.deepEqual(to(), ["bob"]);
});

test("a step whose rotation is empty passes straight to the next step", async (t) => {
  const { svc, to } = await setup(t, {
    rotations: [
      { id: "none", timeZone: "UTC", shift: "daily", handover: "00:00", startDate: "2026-01-01", members: [] },
    ],
    routes: [
      {
        steps: [
          { targets: [{ rotation: "none" }], ackTimeoutMs: 5 * minute },
          { targets: [{ recipient: "sup" }], ackTimeoutMs: 5 * minute },
        ],
      },
    ],
  });
  svc.raise(hot);
  await svc.idle();
  t.deepEqual(to(), ["sup"]);
});

test("routes are chosen per facility and event type, first match wins", async (t) => {
  const { svc, to } = await setup(t, {
    routes: [
      { facilities: ["F2"], types: ["malfunction"], steps: [{ targets: [{ recipient: "cy" }], ackTimeoutMs: minute }] },
      { types: ["hot-number"], steps: [{ targets: [{ recipient: "ann" }], ackTimeoutMs: minute }] },
      { types: ["bank-offline"], steps: [{ targets: [{ recipient: "bob" }], ackTimeoutMs: minute }] },
      { minSeverity: "critical", steps: [{ targets: [{ recipient: "sup" }], ackTimeoutMs: minute }] },
    ],
  });
  svc.raise({ type: "bank-offline", facilityId: "F2", bankId: "B1" });
  svc.raise({ ...hot, facilityId: "F2" });
  svc.raise({ type: "bank-offline", facilityId: "F1", bankId: "B1" });
  svc.raise({ type: "store-unavailable", facilityId: "F1", detail: "x" });
  svc.raise({ type: "prompts-missing", facilityId: "F1", prompts: ["welcome"] });
  await svc.idle();
  t.deepEqual(to(), ["cy", "ann", "bob", "sup"], "prompts-missing (major) matches no route");
  t.is((await svc.recentAlerts()).length, 5, "an unrouted alert is still recorded and shown");
});

test("a threshold alert fires when a facility's count in the window reaches the limit", async (t) => {
  const { svc, clock, to, notices } = await setup(t, {
    thresholds: [{ id: "blocked-per-hour", metric: "call-blocked", limit: 3, windowMs: 60 * minute }],
    routes: [{ types: ["threshold"], steps: [{ targets: [{ recipient: "sup" }], ackTimeoutMs: minute }] }],
  });
  svc.observe("call-blocked", "F1");
  clock.advance(20 * minute);
  svc.observe("call-blocked", "F1");
  svc.observe("call-blocked", "F2");
  await svc.idle();
  t.deepEqual(to(), [], "two at F1, one at F2: below the limit");

  clock.advance(20 * minute);
  svc.observe("call-blocked", "F1");
  await svc.idle();
  t.deepEqual(to(), ["sup"]);
  const raised = notices.find((n) => n.kind === "raised");
  t.is(
    raised?.kind === "raised" ? raised.alert.text : "",
    '3 "call-blocked" at facility F1 in the last 60 minutes (limit 3).',
  );

  // The fourth in the same window does not page again.
  svc.observe("call-blocked", "F1");
  await svc.idle();
  t.deepEqual(to(), ["sup"]);
});

test("a threshold can count alerts themselves, e.g. hook flashes per facility", async (t) => {
  const { svc, to } = await setup(t, {
    thresholds: [{ id: "flashes", metric: "hook-flash", facilityId: "F1", limit: 2, windowMs: 60 * minute }],
    routes: [
      { types: ["threshold"], steps: [{ targets: [{ recipient: "sup" }], ackTimeoutMs: minute }] },
      { types: ["fraud"], steps: [{ targets: [{ recipient: "ann" }], ackTimeoutMs: minute }] },
    ],
  });
  svc.raise({ type: "hook-flash", facilityId: "F1", callId: "c1", stationId: "S1", number: "1" });
  svc.raise({ type: "hook-flash", facilityId: "F1", callId: "c2", stationId: "S2", number: "2" });
  await svc.idle();
  t.deepEqual(to().sort(), ["ann", "ann", "sup"]);
});
