import os from "node:os";
import test from "ava";
import { AlertService } from "../../../controller/alerts/alert-service.ts";
import type { AlertEvent } from "../../../controller/alerts/events.ts";
import { DiskWatch, diskUsage, HeartbeatWatch, transition } from "../../../controller/alerts/health-watch.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { config, minute, RecordingChannel, tempStore } from "./helpers.ts";

const second = 1000;

function recorder() {
  const raised: AlertEvent[] = [];
  return { raised, alerts: { raise: (e: AlertEvent) => raised.push(e) } };
}

test("a bank silent past the timeout goes offline, and its next heartbeat brings it back", (t) => {
  const clock = new VirtualClock();
  const { raised, alerts } = recorder();
  const watch = new HeartbeatWatch({ clock, alerts, facilityId: "F1", timeoutMs: 15 * second });
  watch.beat("B1");
  clock.advance(10 * second);
  watch.beat("B1");
  clock.advance(14 * second);
  t.deepEqual(raised, [], "heartbeats within the timeout keep it online");
  clock.advance(1 * second);
  t.deepEqual(raised, [{ type: "bank-offline", facilityId: "F1", bankId: "B1", reason: "no heartbeat for 15 s" }]);
  t.is(watch.state("B1"), "down");
  clock.advance(60 * second);
  t.is(raised.length, 1, "offline once, not on every missed beat");
  watch.beat("B1");
  t.deepEqual(raised[1], { type: "bank-online", facilityId: "F1", bankId: "B1" });
  watch.stop();
  t.is(clock.pending(), 0);
});

test("a link that closes takes the bank offline at once", (t) => {
  const clock = new VirtualClock();
  const { raised, alerts } = recorder();
  const watch = new HeartbeatWatch({ clock, alerts, facilityId: "F1", timeoutMs: 15 * second });
  watch.beat("B2");
  watch.lost("B2", "link closed");
  watch.lost("B2", "link closed");
  clock.advance(60 * second);
  t.deepEqual(
    raised.map((e) => e.type),
    ["bank-offline"],
  );
  watch.watchdogFired("B2", "firmware hung in audio loop");
  t.is(raised[1]?.type, "watchdog-fired");
  watch.stop();
});

test("the health state machine refuses a move to the state it is in", (t) => {
  t.is(transition("up", "down"), "down");
  t.throws(() => transition("down", "down"));
});

test("an unplugged bank pages on-call staff and its return sends the recovery", async (t) => {
  const clock = new VirtualClock();
  const { alerts: store } = await tempStore(t);
  const snpp = new RecordingChannel("snpp");
  const svc = new AlertService({
    clock,
    store,
    channels: { snpp },
    publicBaseUrl: "https://x.test",
    config: config({
      recipients: [{ id: "tech", name: "Tech", contacts: [{ channel: "snpp", address: "5550009" }] }],
      routes: [{ types: ["malfunction"], steps: [{ targets: [{ recipient: "tech" }], ackTimeoutMs: 10 * minute }] }],
    }),
  });
  await svc.start();
  t.teardown(() => svc.stop());
  const watch = new HeartbeatWatch({ clock, alerts: svc, facilityId: "F1", timeoutMs: 15 * second });
  t.teardown(() => watch.stop());

  watch.beat("B3");
  clock.advance(16 * second);
  await svc.idle();
  t.is(snpp.sent.length, 1);
  t.regex(snpp.sent[0]?.short ?? "", /^YL MAJOR: Phone bank B3 offline\. .*no heartbeat for 15 s/);
  watch.beat("B3");
  await svc.idle();
  t.is(snpp.sent.length, 2);
  t.regex(snpp.sent[1]?.short ?? "", /^YL RECOVERED: Phone bank B3 back online/);
});

test("disk usage raises at the high-water mark and recovers only below the low-water mark", async (t) => {
  const clock = new VirtualClock();
  const { raised, alerts } = recorder();
  let used = 80;
  const watch = new DiskWatch({
    clock,
    alerts,
    facilityId: "F1",
    path: "/rec",
    volume: "recordings",
    everyMs: minute,
    sample: async () => ({ usedPercent: used }),
  });
  for (const u of [80, 90, 93, 88, 86, 85]) {
    used = u;
    await watch.check();
  }
  t.deepEqual(
    raised.map((e) => [e.type, "usedPercent" in e ? e.usedPercent : 0]),
    [
      ["disk-nearly-full", 90],
      ["disk-recovered", 85],
    ],
  );
  watch.start();
  used = 95;
  clock.advance(minute);
  await watch.stop();
  t.is(raised.length, 3, "the interval samples too");
  t.is(clock.pending(), 0);
});

test("disk usage is read from the real file system", async (t) => {
  const u = await diskUsage(os.tmpdir());
  t.true(u.usedPercent >= 0 && u.usedPercent <= 100);
});
