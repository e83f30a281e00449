/** Every report the API offers, in the order the Reports screen lists them. */
import { alertNotifications, chronological, frequentNumbers, numberUsage, sharedNumbers } from "./call-reports.ts";
import { approvedNumbers, blockedNumbers, localExchanges, usageAgainstLimits } from "./list-reports.ts";
import type { ReportDefinition } from "./report.ts";
import {
  callSummary,
  dailyVolume,
  deniedByReason,
  gradeOfBlocking,
  minutesByCallType,
  revenue,
} from "./volume-reports.ts";

// biome-ignore lint/suspicious/noExplicitAny: each report has its own query type; the route validates it.
export const reports: ReportDefinition<any>[] = [
  chronological,
  callSummary,
  dailyVolume,
  frequentNumbers,
  numberUsage,
  sharedNumbers,
  approvedNumbers,
  alertNotifications,
  blockedNumbers,
  deniedByReason,
  gradeOfBlocking,
  usageAgainstLimits,
  localExchanges,
  minutesByCallType,
  revenue,
];
