import test from "ava";
import { AlertService } from "../../../controller/alerts/alert-service.ts";
import { DeliveryError } from "../../../controller/alerts/channels/channel.ts";
import { EmailChannel, EmailToPagerChannel, type SmtpSettings } from "../../../controller/alerts/channels/email.ts";
import { VirtualClock } from "../../../telephony/clock.ts";
import { makeSelfSignedCert, startSmtpServer } from "../../support/smtp.ts";
import { config, minute, tempStore } from "./helpers.ts";

const auth = { user: "alerts", pass: "s3cret-relay" };
const cert = makeSelfSignedCert();

function settings(port: number, over: Partial<SmtpSettings> = {}): SmtpSettings {
  return { host: "127.0.0.1", port, secure: false, auth, from: "yardline@facility.test", timeoutMs: 5000, ...over };
}

const msg = { to: "duty@example.test", subject: "[Yardline MAJOR] Trunk down", text: "Body line\n", short: "short" };

test("nodemailer delivers through STARTTLS with authentication to a real SMTP server", async (t) => {
  if (!cert) {
    t.log("openssl not installed: TLS not exercised here (authentication still is, in the next test)");
    t.pass();
    return;
  }
  const smtp = await startSmtpServer({ auth, tls: cert });
  t.teardown(() => smtp.close());
  const ch = new EmailChannel(settings(smtp.port, { requireTls: true, ca: cert.cert, servername: "localhost" }));
  await ch.send(msg);
  const [m] = await smtp.waitFor(1);
  t.true(m?.secure, "the session was upgraded to TLS");
  t.is(m?.user, "alerts");
  t.deepEqual(m?.to, ["duty@example.test"]);
  t.is(m?.subject, "[Yardline MAJOR] Trunk down");
  t.regex(m?.text ?? "", /Body line/);
});

test("nodemailer delivers over implicit TLS (port 465 style) with authentication", async (t) => {
  if (!cert) {
    t.log("openssl not installed: TLS not exercised");
    t.pass();
    return;
  }
  const smtp = await startSmtpServer({ auth, tls: cert, implicitTls: true });
  t.teardown(() => smtp.close());
  await new EmailChannel(settings(smtp.port, { secure: true, ca: cert.cert, servername: "localhost" })).send(msg);
  const [m] = await smtp.waitFor(1);
  t.true(m?.secure);
  t.is(m?.user, "alerts");
});

test("a certificate the channel does not trust is refused rather than sent in the clear", async (t) => {
  if (!cert) {
    t.pass();
    return;
  }
  const smtp = await startSmtpServer({ auth, tls: cert });
  t.teardown(() => smtp.close());
  const ch = new EmailChannel(settings(smtp.port, { requireTls: true }));
  const err = await t.throwsAsync(ch.send(msg), { instanceOf: DeliveryError });
  t.false(err?.permanent);
  t.is(smtp.messages.length, 0);
});

test("authentication is required: a wrong password is a retryable failure", async (t) => {
  const smtp = await startSmtpServer({ auth });
  t.teardown(() => smtp.close());
  const good = new EmailChannel(settings(smtp.port));
  await good.send(msg);
  t.is((await smtp.waitFor(1))[0]?.user, "alerts");

  const bad = new EmailChannel(settings(smtp.port, { auth: { user: "alerts", pass: "wrong" } }));
  const err = await t.throwsAsync(bad.send(msg), { instanceOf: DeliveryError });
  t.false(err?.permanent, "an administrator can fix a password; keep the message");
  t.is(err?.code, "535");
  t.is(smtp.messages.length, 1);
});

test("a mailbox the server says does not exist (550) is a permanent failure", async (t) => {
  const smtp = await startSmtpServer({ auth, rejectRecipients: new Map([["gone@example.test", 550]]) });
  t.teardown(() => smtp.close());
  const err = await t.throwsAsync(new EmailChannel(settings(smtp.port)).send({ ...msg, to: "gone@example.test" }), {
    instanceOf: DeliveryError,
  });
  t.true(err?.permanent);
});

test("email-to-pager sends only the short pager line", async (t) => {
  const smtp = await startSmtpServer({ auth });
  t.teardown(() => smtp.close());
  await new EmailToPagerChannel(settings(smtp.port)).send({
    ...msg,
    to: "5550001@pager.example.test",
    short: "YL MAJOR: x",
  });
  const [m] = await smtp.waitFor(1);
  t.is(m?.subject, "");
  t.is(m?.text.trim(), "YL MAJOR: x");
  t.deepEqual(m?.to, ["5550001@pager.example.test"]);
});

test("an alert reaches the on-call mailbox and its link acknowledges it", async (t) => {
  const smtp = await startSmtpServer({ auth });
  t.teardown(() => smtp.close());
  const clock = new VirtualClock();
  const { alerts } = await tempStore(t);
  const svc = new AlertService({
    clock,
    store: alerts,
    channels: { email: new EmailChannel(settings(smtp.port)) },
    publicBaseUrl: "https://phones.example.test",
    config: config({
      recipients: [{ id: "ann", name: "Ann", contacts: [{ channel: "email", address: "ann@example.test" }] }],
      routes: [{ steps: [{ targets: [{ recipient: "ann" }], ackTimeoutMs: 5 * minute }] }],
    }),
  });
  await svc.start();
  t.teardown(() => svc.stop());
  svc.raise({ type: "recording-failing", facilityId: "F1", detail: "write error on /rec: EIO" });
  await svc.idle();
  const [m] = await smtp.waitFor(1);
  t.is(m?.subject, "[Yardline CRITICAL] Call recording failing");
  t.regex(m?.text ?? "", /Call recording at facility F1 is failing: write error on \/rec: EIO\./);
  const token = /https:\/\/phones\.example\.test\/alerts\/ack\/([\w-]+)/.exec(m?.text ?? "")?.[1];
  t.truthy(token);
  t.deepEqual(await svc.acknowledgeByToken(token ?? ""), {
    alertId: (await svc.recentAlerts())[0]?.id,
    acknowledged: true,
  });
});
