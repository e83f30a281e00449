/**
 * Automatic reports (General Report Capabilities): "The State requires the capability to
 * program reports to be generated automatically ... at a certain time of day", "performed at
 * each correctional facility or system-wide". A saved layout with a schedule (HH:MM facility
 * time, on chosen weekdays) is run at that time and its CSV is emailed to its addresses.
 *
 * - The time is the facility's wall-clock time (luxon), so a 06:00 report stays at 06:00 across
 *   daylight-saving changes; a time the spring change skips (02:30) runs when the clocks reach
 *   it after the jump (03:30), and a time repeated in the autumn runs once, at its first pass.
 *   A system-wide (Central Office) layout keeps the time zone of the first of its facilities by
 *   name; an agency's facilities share one in practice.
 * - A run is due when its next time after the last send (or after the layout was last changed)
 *   has come. Sends are recorded in the store before the next check, so a restart does not send
 *   twice; a run missed while the controller was down is sent once when it is back, not once
 *   per missed day.
 * - A run that fails (mail server down) is tried again at the next minute until it goes.
 * - The run covers what the layout's facility covers: one facility for a facility's layout,
 *   every facility for a system-wide one. It is audited as sent by "automatic report".
 * - "When a certain call is made" is not done here: alerts (controller/alerts) already notify
 *   staff when targeted calls occur.
 */
import { DateTime } from "luxon";
import nodemailer from "nodemailer";
import type { Clock, TimerHandle } from "../../telephony/clock.ts";
import type { Access } from "../access/access.ts";
import type { Principal } from "../access/principal.ts";
import { classifySmtpError, type SmtpSettings, smtpTransportOptions } from "../alerts/channels/email.ts";
import type { DomainContext } from "../api/domain-context.ts";
import { csvOf } from "../api/reports/report.ts";
import { runSaved } from "../api/routes/saved-report-routes.ts";
import type { DomainStore } from "../store/domain-store.ts";
import { type SavedReport, SavedReportStore } from "../store/saved-report-store.ts";

export interface ReportMail {
  to: string[];
  subject: string;
  text: string;
  filename: string;
  csv: string;
}

/** How a report leaves the controller; tests pass the SMTP one pointed at a test server. */
export interface ReportMailer {
  send(mail: ReportMail): Promise<void>;
}

/** Mail through the same SMTP settings and transport options as the alert emails. */
export class SmtpReportMailer implements ReportMailer {
  private readonly settings: SmtpSettings;

  constructor(settings: SmtpSettings) {
    this.settings = settings;
  }

  async send(mail: ReportMail): Promise<void> {
    const transport = nodemailer.createTransport(smtpTransportOptions(this.settings));
    try {
      await transport.sendMail({
        from: this.settings.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        attachments: [{ filename: mail.filename, content: mail.csv, contentType: "text/csv; charset=utf-8" }],
      });
    } catch (err) {
      throw classifySmtpError(err);
    } finally {
      transport.close();
    }
  }
}

/**
 * The first scheduled time strictly after `after`: HH:MM wall-clock time in `zone`, on one of
 * the ISO weekdays `days`. Undefined when the layout has no schedule.
 */
export function nextRun(
  s: Pick<SavedReport, "scheduleTime" | "scheduleDays">,
  zone: string,
  after: number,
): number | undefined {
  if (!s.scheduleTime || s.scheduleDays.length === 0) return undefined;
  const [hour, minute] = s.scheduleTime.split(":").map(Number) as [number, number];
  const start = DateTime.fromMillis(after, { zone }).startOf("day");
  // Eight days: today may have passed, and the next chosen weekday is at most seven days on.
  for (let i = 0; i <= 8; i++) {
    const day = start.plus({ days: i });
    const at = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone });
    if (!s.scheduleDays.includes(at.weekday)) continue;
    if (at.toMillis() > after) return at.toMillis();
  }
  return undefined;
}

export interface ReportSchedulerDeps {
  ds: DomainStore;
  access: Access;
  clock: Clock;
  mailer: ReportMailer;
  log?: (message: string) => void;
}

export class ReportScheduler {
  private readonly deps: ReportSchedulerDeps;
  private readonly store: SavedReportStore;
  private readonly ctx: DomainContext;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(deps: ReportSchedulerDeps) {
    this.deps = deps;
    this.store = new SavedReportStore(deps.ds);
    this.ctx = { ds: deps.ds, access: deps.access, clock: deps.clock };
  }

  /** Checks at the start of every minute. */
  start(): void {
    this.stopped = false;
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** The last check's work, for tests that advance a virtual clock and then wait for the mail. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    this.timer = this.deps.clock.setTimeout(
      () => {
        this.running = this.check().finally(() => {
          this.running = undefined;
          this.arm();
        });
      },
      60_000 - (now % 60_000),
    );
  }

  /** Sends every automatic report that has come due. */
  async check(): Promise<void> {
    const now = this.deps.clock.now();
    const scheduled = await this.store.listScheduled();
    if (scheduled.length === 0) return;
    // Every facility's time zone, read once per check, by name (a system-wide layout takes the first).
    const facilities = await this.deps.ds.db
      .selectFrom("facilities")
      .select(["id", "timeZone"])
      .orderBy("name")
      .execute();
    for (const s of scheduled) {
      try {
        const zone =
          (s.facilityId === null ? facilities[0] : facilities.find((f) => f.id === s.facilityId))?.timeZone ?? "UTC";
        const due = nextRun(s, zone, Math.max(s.lastSentAt ?? 0, s.updatedAt));
        if (due === undefined || due > now) continue;
        await this.send(s, zone, now);
      } catch (err) {
        this.deps.log?.(`automatic report ${s.id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private async send(s: SavedReport, zone: string, now: number): Promise<void> {
    const p: Principal = {
      userId: "",
      username: "automatic report",
      displayName: "Automatic report",
      kind: "state",
      levelId: "",
      levelName: "",
      rank: 0,
      permissions: new Set(),
      facilities: s.facilityId === null ? { all: true } : { all: false, ids: [s.facilityId] },
      language: "en",
      mustChangePassword: false,
    };
    const r = await runSaved(this.ctx, s, {}, p, "controller");
    const csv = csvOf(r.columns, r.rows, r.totals);
    const local = DateTime.fromMillis(now, { zone });
    const where = r.facilities.map((f) => f.name).join(", ") || "no facility";
    await this.deps.mailer.send({
      to: s.emailTo,
      subject: `${s.name} — ${local.toFormat("yyyy-LL-dd HH:mm")}`,
      text: [
        `${s.name} (${s.category}), generated automatically at ${local.toFormat("yyyy-LL-dd HH:mm ZZZZ")}.`,
        `Facilities: ${where}.`,
        `Criteria: ${Object.entries(r.criteria)
          .map(([k, v]) => `${k} = ${v}`)
          .join("; ")}.`,
        `${r.rows.length} rows${r.truncated ? " (stopped at the row limit)" : ""}; the report is attached as CSV.`,
      ].join("\n"),
      filename: `${s.baseReport}-${local.toFormat("yyyy-LL-dd")}.csv`,
      csv,
    });
    await this.store.markSent(s.id, now);
    await this.deps.access.audit.record({
      actorId: null,
      actorName: p.username,
      action: "report.email",
      entity: "saved-report",
      entityId: s.id,
      facilityId: s.facilityId,
      before: null,
      after: { to: s.emailTo, criteria: r.criteria, rows: r.rows.length },
      ip: null,
    });
  }
}
