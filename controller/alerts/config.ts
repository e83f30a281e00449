/**
 * Who gets which alert: recipients and how to reach them, on-call rotations, routes (facility +
 * event type → escalation chain), grouping, thresholds and retry policy. An administrator edits
 * this; the service reads it on every decision, so a change applies to the next alert.
 */
import type { AlertCategory, AlertType, Severity } from "./events.ts";

export type ChannelKind = "email" | "snpp" | "wctp" | "email-pager";

/** One way to reach a person: an email address, or a pager ID on an SNPP/WCTP gateway. */
export interface Contact {
  channel: ChannelKind;
  /** Email address (email, email-pager) or pager ID (snpp, wctp). */
  address: string;
}

export interface Recipient {
  id: string;
  name: string;
  contacts: Contact[];
}

/**
 * An on-call rotation: members take turns, one shift each, handing over at a local wall-clock
 * time in the facility's time zone (a "daily 08:00" shift stays 08:00 across a DST change).
 */
export interface Rotation {
  id: string;
  /** IANA zone, e.g. "America/Los_Angeles". */
  timeZone: string;
  shift: "daily" | "weekly";
  /** Local "HH:mm" at which one member hands over to the next. */
  handover: string;
  /** Local date ("YYYY-MM-DD") on which members[0] starts the first shift; for weekly shifts it also fixes the handover weekday. */
  startDate: string;
  members: string[];
}

export type Target = { recipient: string } | { rotation: string };

export interface EscalationStep {
  targets: Target[];
  /** How long this step has to acknowledge before the next step is paged. */
  ackTimeoutMs: number;
}

export interface Route {
  /** Facility IDs this route covers; absent = every facility. */
  facilities?: string[];
  /** Event types or whole categories it covers; absent = every event. */
  types?: (AlertType | AlertCategory)[];
  /** Lowest severity it covers; absent = every severity. */
  minSeverity?: Severity;
  steps: EscalationStep[];
}

/** Count of a metric (an alert type, or anything passed to `observe()`) per facility per window. */
export interface ThresholdRule {
  id: string;
  metric: string;
  /** Facility it watches; absent = each facility separately. */
  facilityId?: string;
  limit: number;
  windowMs: number;
}

export interface RetryPolicy {
  /** First retry after this long; each further retry waits twice as long. */
  baseMs: number;
  /** The wait never grows past this. */
  maxMs: number;
  /** A message not delivered within this long of being queued is given up on. */
  giveUpAfterMs: number;
}

export interface AlertConfig {
  recipients: Recipient[];
  rotations: Rotation[];
  /** Tried in order; the first that matches an alert decides who is paged. */
  routes: Route[];
  /** A repeat of an open condition within this long of its last occurrence is counted, not paged. */
  groupWindowMs: number;
  thresholds: ThresholdRule[];
  retry: RetryPolicy;
}

export const minute = 60_000;
export const hour = 60 * minute;

/**
 * Defaults chosen where the spec is silent (see docs/alerts.md): repeats within 15 minutes
 * group; retries start at 30 s and double to 10 minutes; an undelivered message is dropped after
 * 24 hours, long after anyone could act on it but long enough to outlast a mail server outage.
 */
export const defaultAlertConfig: AlertConfig = {
  recipients: [],
  rotations: [],
  routes: [],
  groupWindowMs: 15 * minute,
  thresholds: [],
  retry: { baseMs: 30_000, maxMs: 10 * minute, giveUpAfterMs: 24 * hour },
};
