import test from "ava";
import { bankLinkAlerts } from "../../../controller/alerts/bank-link-alerts.ts";
import type { AlertEvent } from "../../../controller/alerts/events.ts";
import { HeartbeatWatch } from "../../../controller/alerts/health-watch.ts";
import { type BoardMessage, LINK_PROTOCOL_VERSION } from "../../../firmware/link/protocol.ts";
import { VirtualClock } from "../../../telephony/clock.ts";

const v = LINK_PROTOCOL_VERSION;

function harness() {
  const clock = new VirtualClock();
  const raised: AlertEvent[] = [];
  const alerts = { raise: (e: AlertEvent) => raised.push(e) };
  const watch = new HeartbeatWatch({ clock, alerts, facilityId: "F1", timeoutMs: 15_000 });
  return { clock, raised, watch, link: bankLinkAlerts({ facilityId: "F1", watch, alerts }) };
}

const health: BoardMessage = {
  v,
  type: "health",
  at: 0,
  health: { uptimeS: 10, registration: {}, faults: [], journalDepth: 0 },
};

test("a bank whose link frames stop goes offline, and comes back online with its next frame", (t) => {
  const { clock, raised, watch, link } = harness();
  t.teardown(() => watch.stop());
  link.message("bank-1", health);
  clock.advance(10_000);
  link.message("bank-1", health);
  clock.advance(20_000);
  link.message("bank-1", health);
  t.deepEqual(
    raised.map((e) => e.type),
    ["bank-offline", "bank-online"],
  );
});

test("an unplugged bank (link closed) is offline at once", (t) => {
  const { raised, watch, link } = harness();
  t.teardown(() => watch.stop());
  link.message("bank-2", health);
  link.closed("bank-2");
  t.deepEqual(raised, [{ type: "bank-offline", facilityId: "F1", bankId: "bank-2", reason: "link closed" }]);
});

test("a kill switch thrown and released at the bank is reported with its cause", (t) => {
  const { raised, watch, link } = harness();
  t.teardown(() => watch.stop());
  const kill = (killed: boolean): BoardMessage => ({
    v,
    type: "event",
    seq: killed ? 1 : 2,
    at: 0,
    event: { type: "kill", unit: "unit-B", killed, sources: killed ? ["input"] : [], cause: "input" },
  });
  link.message("bank-3", kill(true));
  link.message("bank-3", kill(false));
  t.deepEqual(raised, [
    { type: "kill-switch-thrown", facilityId: "F1", scope: "unit-B", by: "phone bank bank-3 (key switch)" },
    { type: "kill-switch-released", facilityId: "F1", scope: "unit-B", by: "phone bank bank-3 (key switch)" },
  ]);
});

test("kills the controller pushed (a command, calling hours) raise no alert", (t) => {
  const { raised, watch, link } = harness();
  t.teardown(() => watch.stop());
  let seq = 0;
  for (const cause of ["command", "schedule"] as const) {
    for (const killed of [true, false]) {
      link.message("bank-3", {
        v,
        type: "event",
        seq: ++seq,
        at: 0,
        event: { type: "kill", unit: "unit-B", killed, sources: killed ? [cause] : [], cause },
      });
    }
  }
  t.deepEqual(raised, []);
});
