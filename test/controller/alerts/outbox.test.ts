import net from "node:net";
import test from "ava";
import { AlertService } from "../../../controller/alerts/alert-service.ts";
import { EmailChannel } from "../../../controller/alerts/channels/email.ts";
import { SnppChannel } from "../../../controller/alerts/channels/snpp.ts";
import type { AlertConfig } from "../../../controller/alerts/config.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { startSnppServer } from "../../support/snpp-server.ts";
import { freePort, startSmtpServer } from "../../support/smtp.ts";
import { config, minute, tempStore } from "./helpers.ts";

const auth = { user: "alerts", pass: "pw" };

function routing(over: Partial<AlertConfig> = {}): AlertConfig {
  return config({
    recipients: [
      {
        id: "ann",
        name: "Ann",
        contacts: [
          { channel: "email", address: "ann@example.test" },
          { channel: "snpp", address: "5550001" },
        ],
      },
    ],
    routes: [{ steps: [{ targets: [{ recipient: "ann" }], ackTimeoutMs: 60 * minute }] }],
    retry: { baseMs: 30_000, maxMs: 5 * minute, giveUpAfterMs: 24 * 60 * minute },
    ...over,
  });
}

test("an alert raised while SMTP is down survives a restart and arrives once SMTP is back", async (t) => {
  const port = await freePort();
  const clock = new VirtualClock();
  const first = await tempStore(t);
  const email = new EmailChannel({ host: "127.0.0.1", port, secure: false, auth, from: "yl@f.test", timeoutMs: 5000 });
  const svc = new AlertService({
    clock,
    store: first.alerts,
    channels: { email },
    publicBaseUrl: "https://x.test",
    config: routing(),
  });
  await svc.start();
  svc.raise({ type: "trunk-unreachable", facilityId: "F1", trunkId: "T1", detail: "OPTIONS timed out" });
  await svc.idle();
  const [failed] = (await svc.deliveryLog()).filter((l) => l.channel === "email");
  t.is(failed?.result, "retry");
  t.regex(failed?.error ?? "", /ECONNREFUSED/);

  // The controller restarts: the service and its store go away; only the file remains.
  await svc.stop();
  await first.store.close();
  clock.advance(10 * minute);

  const reopened = await tempStore(t, first.file);
  const smtp = await startSmtpServer({ port, auth });
  t.teardown(() => smtp.close());
  const again = new AlertService({
    clock,
    store: reopened.alerts,
    channels: { email },
    publicBaseUrl: "https://x.test",
    config: routing(),
  });
  await again.start();
  t.teardown(() => again.stop());
  await again.idle();

  const [m] = await smtp.waitFor(1);
  t.is(m?.subject, "[Yardline CRITICAL] Trunk T1 unreachable");
  t.regex(m?.text ?? "", /does not answer OPTIONS probes\. Detail: OPTIONS timed out\./);
  const log = (await again.deliveryLog()).filter((l) => l.channel === "email");
  t.deepEqual(
    log.map((l) => l.result),
    ["retry", "sent"],
  );
});

test("a gateway that hangs holds up neither the caller nor the other channels", async (t) => {
  // A "mail server" that accepts connections and never says a word.
  const held = new Set<net.Socket>();
  const blackHole = net.createServer((s) => {
    held.add(s);
    s.on("error", () => {});
  });
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", () => resolve()));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of held) s.destroy();
        blackHole.close(() => resolve());
      }),
  );
  const snpp = await startSnppServer();
  t.teardown(() => snpp.close());

  const clock = new VirtualClock();
  const { alerts } = await tempStore(t);
  const svc = new AlertService({
    clock,
    store: alerts,
    channels: {
      email: new EmailChannel({
        host: "127.0.0.1",
        port: (blackHole.address() as net.AddressInfo).port,
        secure: false,
        from: "yl@f.test",
        timeoutMs: 60_000,
      }),
      snpp: new SnppChannel({ host: "127.0.0.1", port: snpp.port }),
    },
    publicBaseUrl: "https://x.test",
    config: routing(),
  });
  await svc.start();
  t.teardown(() => svc.stop());

  svc.raise({ type: "kill-switch-thrown", facilityId: "F1", scope: "housing unit B", by: "Lt. Diaz" });
  const [p] = await snpp.waitFor(1);
  t.regex(p?.message ?? "", /^YL CRITICAL: Kill switch thrown: housing unit B\. Lt\. Diaz cut off telephone service/);
  t.true(held.size > 0, "the email attempt is still hanging on the silent server");
  t.is((await svc.deliveryLog()).filter((l) => l.channel === "email").length, 0);

  // The server gives up on the connection: the attempt fails and is queued for a retry.
  for (const s of held) s.destroy();
  await svc.idle();
  const emailLog = (await svc.deliveryLog()).filter((l) => l.channel === "email");
  t.deepEqual(
    emailLog.map((l) => l.result),
    ["retry"],
  );
});
