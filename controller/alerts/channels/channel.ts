/**
 * A delivery channel: one way of getting a message to one address. A channel sends or throws;
 * retrying, back-off and logging are the service's job, so every channel stays a plain client.
 */
import type { ChannelKind } from "../config.ts";

export interface OutgoingMessage {
  /** Email address or pager ID. */
  to: string;
  /** For email: the subject line. */
  subject: string;
  /** For email: the full text. */
  text: string;
  /** For pagers and email-to-pager gateways: one short line. */
  short: string;
}

export interface AlertChannel {
  readonly kind: ChannelKind;
  send(msg: OutgoingMessage): Promise<void>;
  close?(): Promise<void>;
}

/**
 * A failed delivery. `permanent` means retrying the same message to the same address cannot
 * succeed (the gateway said the pager ID or mailbox does not exist); anything else is retried.
 */
export class DeliveryError extends Error {
  readonly permanent: boolean;
  readonly code: string | undefined;

  constructor(message: string, opts: { permanent?: boolean; code?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "DeliveryError";
    this.permanent = opts.permanent ?? false;
    this.code = opts.code;
  }
}

/** Collapses text to one line of printable characters, at most `max` long (pager payloads). */
export function oneLine(s: string, max: number): string {
  let printable = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    printable += c < 0x20 || c === 0x7f ? " " : ch;
  }
  const flat = printable.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 3))}...`;
}
