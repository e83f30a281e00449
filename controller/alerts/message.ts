/**
 * What a message says, per channel: email gets a subject and the full text with links; pagers
 * get one short line that still carries the acknowledgement link.
 */
import type { Severity } from "./events.ts";
import { oneLine } from "./channels/channel.ts";

/**
 * Alphanumeric pagers commonly take 240 characters per page (the WCTP and SNPP gateways we
 * target truncate or reject beyond that), so the short form stays within it.
 */
export const pagerMaxChars = 240;

export interface ComposeInput {
  kind: "alert" | "recovery";
  severity: Severity;
  title: string;
  text: string;
  facilityId: string;
  alertId: string;
  atMs: number;
  listenUrl?: string | null;
  ackUrl?: string;
  occurrences?: number;
}

export interface Composed {
  subject: string;
  body: string;
  short: string;
}

export function compose(m: ComposeInput): Composed {
  const tag = m.kind === "recovery" ? "RECOVERED" : m.severity.toUpperCase();
  const subject = oneLine(`[Yardline ${tag}] ${m.title}`, 200);
  const lines = [
    m.text,
    "",
    `Facility: ${m.facilityId}`,
    `Time: ${new Date(m.atMs).toISOString()}`,
    `Alert: ${m.alertId}`,
  ];
  if (m.occurrences && m.occurrences > 1) lines.push(`Occurrences: ${m.occurrences}`);
  if (m.listenUrl) lines.push(`Listen live: ${m.listenUrl}`);
  if (m.ackUrl) lines.push("", `Acknowledge (stops escalation): ${m.ackUrl}`);
  const body = `${lines.join("\n")}\n`;

  const tail = [m.listenUrl ? `Listen ${m.listenUrl}` : "", m.ackUrl ? `ACK ${m.ackUrl}` : ""]
    .filter((s) => s !== "")
    .join(" ");
  const room = pagerMaxChars - (tail ? tail.length + 1 : 0);
  const head = oneLine(`YL ${tag}: ${m.title}. ${m.text}`, Math.max(40, room));
  const short = oneLine(tail ? `${head} ${tail}` : head, pagerMaxChars + 200);
  return { subject, body, short };
}
