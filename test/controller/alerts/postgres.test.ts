import test from "ava";
import { AlertService } from "../../../controller/alerts/alert-service.ts";
import { AlertStore } from "../../../controller/alerts/alert-store.ts";
import { openStore } from "../../../controller/store/database.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { type PgCluster, startPostgres } from "../../support/postgres.ts";
import { config, minute, RecordingChannel, transient } from "./helpers.ts";

let pg: PgCluster | undefined;
test.before(async () => {
  pg = await startPostgres();
});
test.after.always(async () => {
  await pg?.stop();
});

test("on PostgreSQL, alerts group, escalate, acknowledge and keep their outbox across a restart", async (t) => {
  if (!pg) throw new Error("no cluster");
  const store = await openStore<unknown>({ kind: "postgres", connectionString: pg.createDatabase("alerts_a") });
  t.teardown(() => store.close());
  const clock = new VirtualClock();
  const email = new RecordingChannel("email");
  const make = () =>
    new AlertService({
      clock,
      store: AlertStore.from(store),
      channels: { email },
      publicBaseUrl: "https://x.test",
      config: config({
        recipients: [
          { id: "ann", name: "Ann", contacts: [{ channel: "email", address: "ann@x.test" }] },
          { id: "bob", name: "Bob", contacts: [{ channel: "email", address: "bob@x.test" }] },
        ],
        routes: [
          {
            steps: [
              { targets: [{ recipient: "ann" }], ackTimeoutMs: 5 * minute },
              { targets: [{ recipient: "bob" }], ackTimeoutMs: 5 * minute },
            ],
          },
        ],
      }),
    });
  const svc = make();
  await svc.start();
  email.failWith = transient("smtp down");
  svc.raise({ type: "store-unavailable", facilityId: "F1", detail: "replica lag" });
  clock.advance(minute);
  svc.raise({ type: "store-unavailable", facilityId: "F1", detail: "replica lag" });
  await svc.idle();
  await svc.stop();

  email.failWith = undefined;
  const again = make();
  await again.start();
  t.teardown(() => again.stop());
  clock.advance(4 * minute);
  await again.idle();
  t.deepEqual(
    email.sent.map((m) => m.to),
    ["ann@x.test", "bob@x.test"],
  );
  const [a] = await again.recentAlerts();
  t.is(a?.occurrences, 2);
  t.is(typeof a?.firstAt, "number", "bigint columns come back as numbers");
  t.is(a?.escalationStep, 1);
  const res = await again.acknowledge(a?.id ?? "", "Ann");
  t.is(res?.acknowledged, true);
  const log = await again.deliveryLog({ alertId: a?.id });
  t.deepEqual(
    log.map((l) => [l.address, l.result]),
    [
      ["ann@x.test", "retry"],
      ["ann@x.test", "sent"],
      ["bob@x.test", "sent"],
    ],
  );
});
