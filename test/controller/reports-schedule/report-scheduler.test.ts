/**
 * Automatic reports in virtual time, delivered to a real SMTP server: a facility's layout
 * scheduled at 06:00 on weekdays is sent at 06:00 facility time with yesterday's figures as a
 * CSV attachment, not on the weekend, still at 06:00 local after the clocks go forward (one
 * hour earlier in UTC), once per day, and again at the next minute when the mail server was
 * down.
 */
import test from "ava";
import type { SavedReportBody, SavedReportInfo } from "../../../controller/api/schemas/saved-reports.ts";
import { nextRun, ReportScheduler, SmtpReportMailer } from "../../../controller/reports-schedule/report-scheduler.ts";
import type { DomainStore } from "../../../controller/store/domain-store.ts";
import type { VirtualClock } from "../../../telephony/clock.ts";
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from "../../support/smtp.ts";
import {
  adminName,
  adminPassword,
  type Client,
  facilityA,
  type Harness,
  makeUser,
  signIn,
  startDomainHarness,
} from "../api/app-harness.ts";

let h: Harness & { ds: DomainStore };
let faA: Client;

test.before(async () => {
  // 2026-03-04 (a Wednesday) 10:00 in Los Angeles.
  h = await startDomainHarness();
  const admin = await signIn(h.app, adminName, adminPassword);
  faA = await makeUser(h, admin, { username: "fa-a", level: "Facility Administrator", facilityIds: [facilityA] });
  // Calls at noon local on 03-04 (two), 03-05 (one) and 03-09 (three).
  let n = 0;
  for (const [day, count] of [
    [4, 2],
    [5, 1],
    [9, 3],
  ] as const) {
    for (let i = 0; i < count; i++) {
      // Noon in Los Angeles: UTC-8 before 03-08, UTC-7 from then on.
      const startedAt = Date.UTC(2026, 2, day, day >= 9 ? 19 : 20, i);
      await h.ds.db
        .insertInto("callRecords")
        .values({
          id: `auto-${++n}`,
          startedAt,
          status: "completed",
          facilityId: facilityA,
          facilityName: "Yardline Demo County Jail",
          timeZone: "America/Los_Angeles",
          stationId: "demo-st-1",
          stationSetNumber: 1,
          stationLocation: "Unit A dayroom, set 1",
          phoneBankId: "demo-bank-a",
          inmateId: "D-1001",
          inmateName: "John Miller",
          dialledDigits: "2132011234",
          destination: "+12132011234",
          callType: "local",
          trunk: "local",
          localDate: `2026-03-0${day}`,
          localTime: `12:0${i}:00`,
          answeredAt: startedAt + 5000,
          acceptedAt: startedAt + 8000,
          endedAt: startedAt + 68_000,
          durationSec: 60,
          decision: "allowed",
          chargeCents: 21,
        })
        .execute();
    }
  }
});
test.after.always(async () => {
  await h?.close();
});

/** A subject header with its RFC 2047 Q-encoded words decoded. */
function subjectOf(m: ReceivedMail): string {
  const latin1 = m.subject
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?UTF-8\?Q\?([^?]*)\?=/gi, (_, q: string) =>
      q.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_m, x: string) => String.fromCharCode(Number.parseInt(x, 16))),
    );
  return Buffer.from(latin1, "latin1").toString("utf8");
}

/** The attachment of a multipart message, decoded. */
function attachment(m: ReceivedMail): { filename: string; content: string } {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(m.raw)?.[1];
  if (!boundary) throw new Error("not multipart");
  for (const part of m.raw.split(`--${boundary}`)) {
    if (!/content-disposition:\s*attachment/i.test(part)) continue;
    const split = part.indexOf("\r\n\r\n");
    const head = part.slice(0, split);
    const body = part.slice(split + 4).trim();
    const filename = /filename="?([^";\r\n]+)"?/i.exec(head)?.[1] ?? "";
    const enc = /content-transfer-encoding:\s*([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
    const content =
      enc === "base64"
        ? Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8")
        : enc === "quoted-printable"
          ? Buffer.from(
              body
                .replace(/=\r\n/g, "")
                .replace(/=([0-9A-F]{2})/g, (_, x: string) => String.fromCharCode(parseInt(x, 16))),
              "latin1",
            ).toString("utf8")
          : body;
    return { filename, content };
  }
  throw new Error("no attachment");
}

test("the next run is the wall-clock time on a chosen weekday, across the spring change", (t) => {
  const s = { scheduleTime: "06:00", scheduleDays: [1, 2, 3, 4, 5] };
  const zone = "America/Los_Angeles";
  // Wednesday 10:00 → Thursday 06:00 PST.
  t.is(nextRun(s, zone, Date.UTC(2026, 2, 4, 18)), Date.UTC(2026, 2, 5, 14));
  // Friday 06:00 → Monday 06:00, now PDT (UTC-7).
  t.is(nextRun(s, zone, Date.UTC(2026, 2, 6, 14)), Date.UTC(2026, 2, 9, 13));
  // 02:30 does not exist on 2026-03-08: it runs when the clocks reach 03:30 PDT.
  t.is(nextRun({ scheduleTime: "02:30", scheduleDays: [7] }, zone, Date.UTC(2026, 2, 7)), Date.UTC(2026, 2, 8, 10, 30));
  t.is(nextRun({ scheduleTime: null, scheduleDays: [1] }, zone, 0), undefined);
});

test.serial("a scheduled layout is emailed at 06:00 facility time on weekdays with yesterday's CSV", async (t) => {
  const clock = h.clock as VirtualClock;
  let smtp: TestSmtpServer | undefined = await startSmtpServer();
  const port = smtp.port;
  t.teardown(() => smtp?.close());
  const body: SavedReportBody = {
    name: "Yesterday's volume",
    category: "Daily",
    baseReport: "daily-volume",
    facilityId: facilityA,
    columns: ["date", "calls", "charge"],
    sort: [],
    criteria: {},
    periodDays: 1,
    levelIds: [],
    scheduleTime: "06:00",
    scheduleDays: [1, 2, 3, 4, 5],
    emailTo: ["watch.commander@example.org"],
  };
  const res = await faA.post("/api/reports/saved", body);
  t.is(res.statusCode, 200, res.body);
  const saved = res.json() as SavedReportInfo;

  const errors: string[] = [];
  const scheduler = new ReportScheduler({
    ds: h.ds,
    access: h.access,
    clock,
    mailer: new SmtpReportMailer({ host: "127.0.0.1", port, secure: false, from: "yardline@example.org" }),
    log: (m) => errors.push(m),
  });
  scheduler.start();
  t.teardown(() => scheduler.stop());

  /**
   * Runs the virtual clock to `target` (a minute boundary), with a check at `target` itself.
   * Each advance fires at most one check (the next is armed when it finishes), so the clock
   * goes in steps of at most an hour and stops a millisecond short of the target first.
   */
  async function goTo(target: number): Promise<void> {
    while (clock.now() < target - 1) {
      clock.advance(Math.min(target - 1 - clock.now(), 3600_000));
      await scheduler.idle();
    }
    clock.advance(1);
    await scheduler.idle();
  }

  // Thursday 05:59 PST: nothing yet; 06:00: Wednesday's two calls.
  await goTo(Date.UTC(2026, 2, 5, 13, 59));
  t.is(smtp.messages.length, 0);
  await goTo(Date.UTC(2026, 2, 5, 14, 0));
  const [first] = await smtp.waitFor(1);
  t.deepEqual(first!.to, ["watch.commander@example.org"]);
  t.is(subjectOf(first!), "Yesterday's volume — 2026-03-05 06:00");
  const csv = attachment(first!);
  t.is(csv.filename, "daily-volume-2026-03-05.csv");
  t.deepEqual(csv.content.trim().split("\r\n"), [
    "Date,Calls attempted,Charges ($)",
    "2026-03-04,2,0.42",
    "Total,2,0.42",
  ]);
  const audited = await h.db
    .selectFrom("audit_log")
    .select(["action", "actor_name"])
    .where("entity_id", "=", saved.id)
    .where("action", "=", "report.email")
    .execute();
  t.deepEqual(audited, [{ action: "report.email", actor_name: "automatic report" }]);

  // Once a day: nothing more until Friday 06:00, which brings Thursday's one call.
  await goTo(Date.UTC(2026, 2, 6, 13, 59));
  t.is(smtp.messages.length, 1);
  // The mail server is down at Friday 06:00: the run is tried again each minute until it goes.
  await smtp.close();
  smtp = undefined;
  await goTo(Date.UTC(2026, 2, 6, 14, 0));
  t.true(errors.length >= 1, "the failure is logged");
  await goTo(Date.UTC(2026, 2, 6, 14, 2));
  smtp = await startSmtpServer({ port });
  await goTo(Date.UTC(2026, 2, 6, 14, 3));
  const [friday] = await smtp.waitFor(1);
  t.is(subjectOf(friday!), "Yesterday's volume — 2026-03-06 06:03");
  t.deepEqual(attachment(friday!).content.trim().split("\r\n").slice(1, 2), ["2026-03-05,1,0.21"]);

  // No mail on the weekend; Monday after the spring change at 06:00 PDT = 13:00 UTC, not 14:00.
  await goTo(Date.UTC(2026, 2, 9, 12, 59));
  t.is(smtp.messages.length, 1);
  await goTo(Date.UTC(2026, 2, 9, 13, 0));
  const monday = (await smtp.waitFor(2))[1];
  t.is(subjectOf(monday!), "Yesterday's volume — 2026-03-09 06:00");
  // Sunday 03-08 had no calls: the CSV has its heading and a zero total only.
  t.deepEqual(attachment(monday!).content.trim().split("\r\n"), ["Date,Calls attempted,Charges ($)", "Total,0,0.00"]);
});
