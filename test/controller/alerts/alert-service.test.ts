import test, { type ExecutionContext } from "ava";
import { AlertService, type AlertNotice } from "../../../controller/alerts/alert-service.ts";
import { DeliveryError } from "../../../controller/alerts/channels/channel.ts";
import type { AlertEvent } from "../../../controller/alerts/events.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { config, minute, RecordingChannel, tempStore } from "./helpers.ts";

const base = "https://phones.example.test";

const bankOffline: AlertEvent = { type: "bank-offline", facilityId: "F1", bankId: "B7", reason: "link lost" };
const bankOnline: AlertEvent = { type: "bank-online", facilityId: "F1", bankId: "B7" };

async function setup(t: ExecutionContext, over: Parameters<typeof config>[0] = {}) {
  const clock = new VirtualClock();
  const { alerts } = await tempStore(t);
  const email = new RecordingChannel("email");
  const snpp = new RecordingChannel("snpp");
  const errors: string[] = [];
  const svc = new AlertService({
    clock,
    store: alerts,
    channels: { email, snpp },
    publicBaseUrl: `${base}/`,
    onError: (where, err) => errors.push(`${where}: ${err instanceof Error ? err.message : String(err)}`),
    config: config({
      recipients: [
        {
          id: "ann",
          name: "Ann Duty",
          contacts: [
            { channel: "email", address: "ann@example.test" },
            { channel: "snpp", address: "5550001" },
          ],
        },
        { id: "bob", name: "Bob Backup", contacts: [{ channel: "email", address: "bob@example.test" }] },
      ],
      routes: [{ steps: [{ targets: [{ recipient: "ann" }], ackTimeoutMs: 5 * minute }] }],
      ...over,
    }),
  });
  const notices: AlertNotice[] = [];
  svc.subscribe((n) => notices.push(n));
  await svc.start();
  t.teardown(() => svc.stop());
  return { clock, alerts, email, snpp, svc, notices, errors };
}

test("a malfunction is paged to every contact of the routed recipient and each attempt is logged", async (t) => {
  const { svc, email, snpp, notices } = await setup(t);
  svc.raise(bankOffline);
  await svc.idle();

  t.is(email.sent.length, 1);
  t.is(snpp.sent.length, 1);
  t.is(email.sent[0]?.to, "ann@example.test");
  t.regex(email.sent[0]?.subject ?? "", /\[Yardline MAJOR\] Phone bank B7 offline/);
  t.regex(
    email.sent[0]?.text ?? "",
    /Phone bank B7 at facility F1 stopped answering the controller\. Reason: link lost\./,
  );
  t.regex(
    snpp.sent[0]?.short ?? "",
    /^YL MAJOR: Phone bank B7 offline\..* ACK https:\/\/phones\.example\.test\/alerts\/ack\/[\w-]{43}$/,
  );

  const log = await svc.deliveryLog();
  t.deepEqual(
    log.map((l) => [l.channel, l.address, l.result, l.attempt]).sort(),
    [
      ["email", "ann@example.test", "sent", 1],
      ["snpp", "5550001", "sent", 1],
    ].sort(),
  );
  t.deepEqual(
    notices.map((n) => n.kind),
    ["raised", "delivery", "delivery"],
  );
});

test("raise() returns before anything is stored or sent, and never throws", async (t) => {
  const { svc, email } = await setup(t);
  svc.raise(bankOffline);
  t.is(email.sent.length, 0, "delivery happens later, not inside raise()");
  // A malformed event from a careless caller: reported, not thrown.
  t.notThrows(() => svc.raise({ type: "no-such-type", facilityId: "F1" } as unknown as AlertEvent));
  await svc.idle();
  t.is(email.sent.length, 1);
});

test("a repeat of the same condition within the group window is counted, not paged again", async (t) => {
  const { svc, email, clock, notices } = await setup(t);
  svc.raise(bankOffline);
  await svc.idle();
  clock.advance(2 * minute);
  svc.raise(bankOffline);
  clock.advance(2 * minute);
  svc.raise(bankOffline);
  await svc.idle();

  t.is(email.sent.length, 1, "one page for three occurrences");
  const [alert] = await svc.recentAlerts();
  t.is(alert?.occurrences, 3);
  t.is(notices.filter((n) => n.kind === "repeated").length, 2);
});

test("the same condition after the group window has passed pages again", async (t) => {
  const { svc, email, clock } = await setup(t, { groupWindowMs: 10 * minute });
  svc.raise(bankOffline);
  await svc.idle();
  clock.advance(11 * minute);
  svc.raise(bankOffline);
  await svc.idle();
  t.is(email.sent.length, 2);
});

test("each malfunction alert has a matching recovered message, sent to whoever was told", async (t) => {
  const { svc, email, snpp, notices } = await setup(t);
  svc.raise(bankOffline);
  await svc.idle();
  svc.raise(bankOnline);
  await svc.idle();

  t.is(email.sent.length, 2);
  t.regex(email.sent[1]?.subject ?? "", /\[Yardline RECOVERED\] Phone bank B7 back online/);
  t.notRegex(email.sent[1]?.text ?? "", /alerts\/ack/, "a recovery has nothing to acknowledge");
  t.is(snpp.sent.length, 2);
  const [alert] = await svc.recentAlerts();
  t.is(alert?.state, "resolved");
  t.true(notices.some((n) => n.kind === "resolved"));
});

test("a hot-number alert carries a link to listen live", async (t) => {
  const { svc, email } = await setup(t);
  svc.raise({
    type: "hot-number-dialled",
    facilityId: "F1",
    callId: "call-42",
    inmate: { id: "A1234", name: "John Roe" },
    stationId: "U2-05",
    number: "+15555550123",
  });
  await svc.idle();
  t.regex(email.sent[0]?.text ?? "", /John Roe \(A1234\) dialled hot number \+15555550123 from station U2-05/);
  t.regex(email.sent[0]?.text ?? "", /Listen live: https:\/\/phones\.example\.test\/live\/call-42/);
});

test("the link in a message acknowledges the alert once, and a guessed token does nothing", async (t) => {
  const { svc, email } = await setup(t);
  svc.raise(bankOffline);
  await svc.idle();
  const token = /alerts\/ack\/([\w-]+)/.exec(email.sent[0]?.text ?? "")?.[1];
  t.truthy(token);

  t.is(await svc.acknowledgeByToken("A".repeat(43)), undefined);
  t.is(await svc.acknowledgeByToken("../../etc"), undefined);
  const first = await svc.acknowledgeByToken(token ?? "");
  t.is(first?.acknowledged, true);
  const again = await svc.acknowledgeByToken(token ?? "");
  t.is(again?.acknowledged, false);

  const [alert] = await svc.recentAlerts();
  t.is(alert?.state, "acknowledged");
  t.is(alert?.acknowledgedBy, "Ann Duty (link in email message)");
});

test("a permanent refusal is logged and not retried", async (t) => {
  const { svc, email, clock } = await setup(t);
  email.failWith = new DeliveryError("550 no such mailbox", { permanent: true });
  svc.raise(bankOffline);
  await svc.idle();
  clock.advance(60 * minute);
  await svc.idle();
  const log = (await svc.deliveryLog()).filter((l) => l.channel === "email");
  t.deepEqual(
    log.map((l) => [l.result, l.error]),
    [["failed", "550 no such mailbox"]],
  );
});

test("a listener that throws does not stop delivery or other listeners", async (t) => {
  const { svc, email, notices, errors } = await setup(t);
  svc.subscribe(() => {
    throw new Error("ui broke");
  });
  svc.raise(bankOffline);
  await svc.idle();
  t.is(email.sent.length, 1);
  t.true(notices.some((n) => n.kind === "raised"));
  t.true(errors.some((e) => e === "listener: ui broke"));
});

test("stop() removes every timer and listener it created", async (t) => {
  const { svc, clock, email } = await setup(t, {
    routes: [
      {
        steps: [
          { targets: [{ recipient: "ann" }], ackTimeoutMs: 5 * minute },
          { targets: [{ recipient: "bob" }], ackTimeoutMs: 5 * minute },
        ],
      },
    ],
  });
  const before = clock.pending();
  email.failWith = new DeliveryError("down");
  svc.raise(bankOffline);
  await svc.idle();
  t.true(clock.pending() > before, "an escalation timer and a retry timer are armed");
  const unsubscribe = svc.subscribe(() => {});
  t.is(svc.listenerCount(), 2);
  await svc.stop();
  t.is(clock.pending(), 0);
  t.is(svc.listenerCount(), 0);
  unsubscribe();
  // Raising after stop still stores the alert for the next start, and arms nothing.
  svc.raise({ type: "trunk-unreachable", facilityId: "F1", trunkId: "T1" });
  await svc.idle();
  t.is(clock.pending(), 0);
});

test("a recovery never overtakes its alert to the same address, even when the alert is being retried", async (t) => {
  const { svc, email, clock } = await setup(t);
  // The gateway refuses only the first message (the alert); the recovery would go straight through.
  const send = email.send.bind(email);
  let refuse = 1;
  email.send = async (m) => {
    if (refuse-- > 0) throw new DeliveryError("421 try later");
    return send(m);
  };
  svc.raise(bankOffline);
  await svc.idle();
  svc.raise(bankOnline);
  await svc.idle();
  t.is(email.sent.length, 0, "the recovery waits for its alert");
  clock.advance(30_000);
  await svc.idle();
  t.deepEqual(
    email.sent.map((m) => m.subject),
    ["[Yardline MAJOR] Phone bank B7 offline", "[Yardline RECOVERED] Phone bank B7 back online"],
  );
});

test("when the store itself fails, the first step is paged directly and the alert still shows live", async (t) => {
  const clock = new VirtualClock();
  const { store, alerts } = await tempStore(t);
  const email = new RecordingChannel("email");
  const errors: string[] = [];
  const svc = new AlertService({
    clock,
    store: alerts,
    channels: { email },
    publicBaseUrl: base,
    onError: (where) => errors.push(where),
    config: config({
      recipients: [{ id: "ann", name: "Ann", contacts: [{ channel: "email", address: "ann@example.test" }] }],
      routes: [{ steps: [{ targets: [{ recipient: "ann" }], ackTimeoutMs: 5 * minute }] }],
    }),
  });
  const notices: AlertNotice[] = [];
  svc.subscribe((n) => notices.push(n));
  await svc.start();
  t.teardown(() => svc.stop());
  await store.close();

  const down: AlertEvent = { type: "store-unavailable", facilityId: "F1", detail: "database closed" };
  svc.raise(down);
  await svc.idle();
  svc.raise(down);
  await svc.idle();
  t.is(email.sent.length, 1, "paged once; the repeat is grouped in memory");
  t.regex(email.sent[0]?.text ?? "", /Not recorded: the alert store is unavailable/);
  t.notRegex(email.sent[0]?.text ?? "", /alerts\/ack/);
  t.deepEqual(
    notices.map((n) => n.kind),
    ["raised"],
  );
  t.true(errors.includes("store (alert paged directly, not recorded)"));
});
