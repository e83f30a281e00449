import test from "ava";
import { AlertService } from "../../../controller/alerts/alert-service.ts";
import { DeliveryError } from "../../../controller/alerts/channels/channel.ts";
import { EmailChannel, EmailToPagerChannel } from "../../../controller/alerts/channels/email.ts";
import { SnppChannel } from "../../../controller/alerts/channels/snpp.ts";
import { parseWctpResponse, WctpChannel } from "../../../controller/alerts/channels/wctp.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { startSmtpServer } from "../../support/smtp.ts";
import { startSnppServer } from "../../support/snpp-server.ts";
import { startWctpServer } from "../../support/wctp-server.ts";
import { config, minute, tempStore } from "./helpers.ts";

const page = (to: string, short: string) => ({ to, subject: "s", text: "t", short });

// ---- SNPP (RFC 1861) ---------------------------------------------------------------------------

test("an SNPP page is PAGE, MESS, SEND and QUIT, each answered 2xx (RFC 1861 level 1)", async (t) => {
  const snpp = await startSnppServer();
  t.teardown(() => snpp.close());
  await new SnppChannel({ host: "127.0.0.1", port: snpp.port }).send(page("5550001", "YL MAJOR: Trunk T1 down"));
  const [p] = await snpp.waitFor(1);
  t.deepEqual(p?.pagerIds, ["5550001"]);
  t.is(p?.message, "YL MAJOR: Trunk T1 down");
  t.deepEqual(snpp.lines, ["PAGE 5550001", "MESS YL MAJOR: Trunk T1 down", "SEND", "QUIT"]);
});

test("SNPP MESS is one line: line breaks in the text are flattened", async (t) => {
  const snpp = await startSnppServer();
  t.teardown(() => snpp.close());
  await new SnppChannel({ host: "127.0.0.1", port: snpp.port }).send(page("5550001", "line one\r\nSEND\r\nline two"));
  const [p] = await snpp.waitFor(1);
  t.is(p?.message, "line one SEND line two");
  t.is(snpp.lines.filter((l) => l === "SEND").length, 1, "text cannot inject a command");
});

test("an SNPP gateway that requires LOGIn gets it before PAGE", async (t) => {
  const snpp = await startSnppServer({ login: { id: "yardline", password: "pw1" } });
  t.teardown(() => snpp.close());
  const noLogin = new SnppChannel({ host: "127.0.0.1", port: snpp.port });
  await t.throwsAsync(noLogin.send(page("5550001", "x")), { instanceOf: DeliveryError, message: /PAGE: 554/ });
  await new SnppChannel({ host: "127.0.0.1", port: snpp.port, login: { id: "yardline", password: "pw1" } }).send(
    page("5550001", "hello"),
  );
  const [p] = await snpp.waitFor(1);
  t.is(p?.login, "yardline");
});

test('"550 Error, Invalid Pager ID" is permanent; "554 Error, failed" is retried', async (t) => {
  const snpp = await startSnppServer({ validPagers: new Set(["5550001"]) });
  t.teardown(() => snpp.close());
  const ch = new SnppChannel({ host: "127.0.0.1", port: snpp.port });
  const invalid = await t.throwsAsync(ch.send(page("5559999", "x")), { instanceOf: DeliveryError });
  t.true(invalid?.permanent);
  t.is(invalid?.code, "550");
  snpp.failNextSends(1);
  const failed = await t.throwsAsync(ch.send(page("5550001", "x")), { instanceOf: DeliveryError });
  t.false(failed?.permanent);
  t.is(failed?.code, "554");
  t.is(snpp.pages.length, 0);
});

test('a gateway answering "420 Gateway Service Unavailable" fails the attempt, to be retried', async (t) => {
  const snpp = await startSnppServer();
  t.teardown(() => snpp.close());
  snpp.setUnavailable(true);
  const err = await t.throwsAsync(new SnppChannel({ host: "127.0.0.1", port: snpp.port }).send(page("1", "x")), {
    instanceOf: DeliveryError,
  });
  t.false(err?.permanent);
  t.is(err?.code, "420");
});

test("a gateway that is not listening fails the attempt, to be retried", async (t) => {
  const snpp = await startSnppServer();
  const port = snpp.port;
  await snpp.close();
  const err = await t.throwsAsync(new SnppChannel({ host: "127.0.0.1", port }).send(page("1", "x")), {
    instanceOf: DeliveryError,
  });
  t.false(err?.permanent);
});

// ---- WCTP ------------------------------------------------------------------------------------

test("a WCTP wctp-SubmitRequest reaches the gateway and its wctp-Confirmation is read", async (t) => {
  const wctp = await startWctpServer({ securityCode: "carrier-pw" });
  t.teardown(() => wctp.close());
  const clock = new VirtualClock(Date.UTC(2026, 2, 1, 9, 30, 0));
  await new WctpChannel({ url: wctp.url, senderId: "yardline-f1", securityCode: "carrier-pw", clock }).send(
    page("5550002", `Hot number <"555"> & more`),
  );
  const [s] = wctp.submissions;
  t.is(s?.recipientId, "5550002");
  t.is(s?.senderId, "yardline-f1");
  t.is(s?.text, `Hot number <"555"> & more`);
  t.is(s?.submitTimestamp, "2026-03-01T09:30:00");
  t.regex(s?.contentType ?? "", /^text\/xml/);
  t.regex(s?.messageId ?? "", /^[0-9a-f-]{36}$/);
});

test("wctp-Failure about the recipient (4xx) is permanent; gateway trouble is retried", async (t) => {
  const wctp = await startWctpServer({ validRecipients: new Set(["5550002"]) });
  t.teardown(() => wctp.close());
  const ch = new WctpChannel({ url: wctp.url, senderId: "yl" });
  const unknown = await t.throwsAsync(ch.send(page("000", "x")), { instanceOf: DeliveryError });
  t.true(unknown?.permanent);
  t.is(unknown?.code, "401");
  wctp.failNext(1);
  const busy = await t.throwsAsync(ch.send(page("5550002", "x")), { instanceOf: DeliveryError });
  t.false(busy?.permanent);
  t.is(busy?.code, "604");
  wctp.httpErrorNext(1);
  const http = await t.throwsAsync(ch.send(page("5550002", "x")), { instanceOf: DeliveryError });
  t.false(http?.permanent);
  t.is(http?.code, "http-503");
  const wrongSecret = await startWctpServer({ securityCode: "right" });
  t.teardown(() => wrongSecret.close());
  await t.throwsAsync(new WctpChannel({ url: wrongSecret.url, senderId: "yl" }).send(page("1", "x")), {
    message: /303/,
  });
  t.is(wctp.submissions.length, 0);
});

test("a response that is not WCTP is not taken for a success", (t) => {
  t.is(parseWctpResponse("<html>OK</html>"), undefined);
  t.deepEqual(parseWctpResponse('<wctp-Failure errorCode="402" errorText="a &amp; b"/>'), {
    ok: false,
    code: 402,
    text: "a & b",
  });
});

// ---- retries with back-off, in virtual time ------------------------------------------------------

test("a refused page is retried with exponential back-off on the clock, and every attempt is logged", async (t) => {
  const snpp = await startSnppServer();
  t.teardown(() => snpp.close());
  const clock = new VirtualClock();
  const t0 = clock.now();
  const { alerts } = await tempStore(t);
  const svc = new AlertService({
    clock,
    store: alerts,
    channels: { snpp: new SnppChannel({ host: "127.0.0.1", port: snpp.port }) },
    publicBaseUrl: "https://phones.example.test",
    config: config({
      recipients: [{ id: "ann", name: "Ann", contacts: [{ channel: "snpp", address: "5550001" }] }],
      routes: [{ steps: [{ targets: [{ recipient: "ann" }], ackTimeoutMs: 60 * minute }] }],
      retry: { baseMs: 30_000, maxMs: 120_000, giveUpAfterMs: 60 * minute },
    }),
  });
  await svc.start();
  t.teardown(() => svc.stop());

  snpp.failNextSends(4);
  svc.raise({ type: "trunk-unreachable", facilityId: "F1", trunkId: "T1" });
  await svc.idle();
  t.is(snpp.pages.length, 0);

  // Retries due at +30 s, +90 s, +210 s (base doubling), then +330 s (capped at 120 s).
  for (const step of [29_999, 1, 60_000, 120_000, 120_000]) {
    clock.advance(step);
    await svc.idle();
  }
  t.is(snpp.pages.length, 1);
  const log = await svc.deliveryLog();
  t.deepEqual(
    log.map((l) => [l.at - t0, l.result, l.attempt]),
    [
      [0, "retry", 1],
      [30_000, "retry", 2],
      [90_000, "retry", 3],
      [210_000, "retry", 4],
      [330_000, "sent", 5],
    ],
  );
  t.true(log.slice(0, 4).every((l) => l.error === "snpp SEND: 554 Error, failed (technical reason)"));
});

test("a message that cannot be delivered within the give-up time is marked failed", async (t) => {
  const snpp = await startSnppServer();
  t.teardown(() => snpp.close());
  snpp.setUnavailable(true);
  const clock = new VirtualClock();
  const { alerts } = await tempStore(t);
  const svc = new AlertService({
    clock,
    store: alerts,
    channels: { snpp: new SnppChannel({ host: "127.0.0.1", port: snpp.port }) },
    publicBaseUrl: "https://x.test",
    config: config({
      recipients: [{ id: "ann", name: "Ann", contacts: [{ channel: "snpp", address: "5550001" }] }],
      routes: [{ steps: [{ targets: [{ recipient: "ann" }], ackTimeoutMs: 60 * minute }] }],
      retry: { baseMs: 60_000, maxMs: 60_000, giveUpAfterMs: 3 * minute },
    }),
  });
  await svc.start();
  t.teardown(() => svc.stop());
  svc.raise({ type: "store-unavailable", facilityId: "F1", detail: "connection refused" });
  await svc.idle();
  for (let i = 0; i < 5; i++) {
    clock.advance(minute);
    await svc.idle();
  }
  const log = await svc.deliveryLog();
  t.deepEqual(
    log.map((l) => l.result),
    ["retry", "retry", "retry", "failed"],
  );
  const [alert] = await svc.recentAlerts();
  const [delivery] = await svc.deliveriesOf(alert?.id ?? "");
  t.is(delivery?.status, "failed");
});

test("one hot-number alert reaches email, SNPP, WCTP and an email-to-pager gateway, each a real peer", async (t) => {
  const auth = { user: "alerts", pass: "pw" };
  const smtp = await startSmtpServer({ auth });
  const snpp = await startSnppServer();
  const wctp = await startWctpServer();
  t.teardown(() => Promise.all([smtp.close(), snpp.close(), wctp.close()]).then(() => undefined));
  const smtpSettings = { host: "127.0.0.1", port: smtp.port, secure: false, auth, from: "yl@f.test" };
  const clock = new VirtualClock();
  const { alerts } = await tempStore(t);
  const svc = new AlertService({
    clock,
    store: alerts,
    channels: {
      email: new EmailChannel(smtpSettings),
      "email-pager": new EmailToPagerChannel(smtpSettings),
      snpp: new SnppChannel({ host: "127.0.0.1", port: snpp.port }),
      wctp: new WctpChannel({ url: wctp.url, senderId: "yardline", clock }),
    },
    publicBaseUrl: "https://phones.example.test",
    config: config({
      recipients: [
        {
          id: "inv",
          name: "Investigator",
          contacts: [
            { channel: "email", address: "inv@example.test" },
            { channel: "email-pager", address: "5550003@pager.example.test" },
            { channel: "snpp", address: "5550001" },
            { channel: "wctp", address: "5550002" },
          ],
        },
      ],
      routes: [{ types: ["hot-number"], steps: [{ targets: [{ recipient: "inv" }], ackTimeoutMs: 5 * minute }] }],
    }),
  });
  await svc.start();
  t.teardown(() => svc.stop());
  svc.raise({
    type: "hot-number-connected",
    facilityId: "F1",
    callId: "c-77",
    inmate: { id: "A9", name: "Lee Moe" },
    stationId: "U3-01",
    number: "+15555550199",
  });
  await svc.idle();
  const mails = await smtp.waitFor(2);
  const [p] = await snpp.waitFor(1);
  const [w] = wctp.submissions;
  const pagerLine =
    /^YL CRITICAL: HOT NUMBER \+15555550199 connected at U3-01\. .* Listen https:\/\/phones\.example\.test\/live\/c-77 ACK https:\/\/phones\.example\.test\/alerts\/ack\/[\w-]{43}$/;
  t.regex(p?.message ?? "", pagerLine);
  t.regex(w?.text ?? "", pagerLine);
  const full = mails.find((m) => m.to[0] === "inv@example.test");
  const short = mails.find((m) => m.to[0] === "5550003@pager.example.test");
  t.regex(full?.text ?? "", /Lee Moe \(A9\) is connected to hot number \+15555550199 from station U3-01/);
  t.regex(short?.text.trim() ?? "", pagerLine);
  t.deepEqual(
    (await svc.deliveryLog()).map((l) => l.result),
    ["sent", "sent", "sent", "sent"],
  );
});
