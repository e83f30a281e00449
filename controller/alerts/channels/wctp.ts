/**
 * WCTP client (Wireless Communications Transfer Protocol, version 1.1, "wctp-dtd-v1r1"): an XML
 * `wctp-Operation` holding a `wctp-SubmitRequest`, POSTed over HTTP(S); the gateway answers with
 * a `wctp-Confirmation` (holding `wctp-Success` or `wctp-Failure`) or a bare `wctp-Failure`.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../../telephony/clock.ts";
import type { ChannelKind } from "../config.ts";
import { type AlertChannel, DeliveryError, type OutgoingMessage, oneLine } from "./channel.ts";

export interface WctpSettings {
  /** The gateway's WCTP endpoint, e.g. "https://wctp.carrier.example/wctp". */
  url: string;
  senderId: string;
  /** Carrier-issued password sent as the originator's securityCode. */
  securityCode?: string;
  timeoutMs?: number;
  maxMessageChars?: number;
  /** For the submit timestamp; the system clock when absent. */
  clock?: Pick<Clock, "now">;
}

export function escapeXml(s: string): string {
  return s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

export function unescapeXml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_m, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");
}

/** WCTP timestamps are "YYYY-MM-DDThh:mm:ss" in UTC, without a zone designator. */
function wctpTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function submitRequestXml(opts: {
  senderId: string;
  securityCode?: string;
  recipientId: string;
  messageId: string;
  text: string;
  atMs: number;
}): string {
  const security = opts.securityCode ? ` securityCode="${escapeXml(opts.securityCode)}"` : "";
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE wctp-Operation SYSTEM "http://dtd.wctp.org/wctp-dtd-v1r1.dtd">',
    '<wctp-Operation wctpVersion="wctp-dtd-v1r1">',
    "<wctp-SubmitRequest>",
    `<wctp-SubmitHeader submitTimestamp="${wctpTimestamp(opts.atMs)}">`,
    `<wctp-Originator senderID="${escapeXml(opts.senderId)}"${security}/>`,
    `<wctp-MessageControl messageID="${escapeXml(opts.messageId)}" allowResponse="false" notifyWhenDelivered="false"/>`,
    `<wctp-Recipient recipientID="${escapeXml(opts.recipientId)}"/>`,
    "</wctp-SubmitHeader>",
    `<wctp-Payload><wctp-Alphanumeric>${escapeXml(opts.text)}</wctp-Alphanumeric></wctp-Payload>`,
    "</wctp-SubmitRequest>",
    "</wctp-Operation>",
  ].join("\n");
}

export type WctpOutcome = { ok: true; code: number; text: string } | { ok: false; code: number; text: string };

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`).exec(tag);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

/** Reads a gateway's reply: success, failure, or undefined when it is not a WCTP response. */
export function parseWctpResponse(xml: string): WctpOutcome | undefined {
  const fail = /<wctp-Failure\b[^>]*>/.exec(xml);
  if (fail) {
    return { ok: false, code: Number(attr(fail[0], "errorCode") ?? "0"), text: attr(fail[0], "errorText") ?? "" };
  }
  const ok = /<wctp-Success\b[^>]*>/.exec(xml);
  if (ok && /<wctp-Confirmation\b/.test(xml)) {
    return { ok: true, code: Number(attr(ok[0], "successCode") ?? "200"), text: attr(ok[0], "successText") ?? "" };
  }
  return undefined;
}

/**
 * WCTP groups error codes by their hundreds; 4xx are about the message or its recipient (unknown
 * pager, message too long), so the same submission would fail again. Everything else (3xx
 * protocol, 5xx/6xx gateway and network trouble) is retried.
 */
function isPermanentWctp(code: number): boolean {
  return code >= 400 && code < 500;
}

export class WctpChannel implements AlertChannel {
  readonly kind: ChannelKind = "wctp";
  private readonly settings: WctpSettings;

  constructor(settings: WctpSettings) {
    this.settings = settings;
  }

  async send(msg: OutgoingMessage): Promise<void> {
    const body = submitRequestXml({
      senderId: this.settings.senderId,
      securityCode: this.settings.securityCode,
      recipientId: msg.to.trim(),
      messageId: randomUUID(),
      text: oneLine(msg.short, this.settings.maxMessageChars ?? 240),
      atMs: this.settings.clock?.now() ?? Date.now(),
    });
    let res: Response;
    try {
      res = await fetch(this.settings.url, {
        method: "POST",
        headers: { "content-type": "text/xml; charset=utf-8" },
        body,
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 15_000),
      });
    } catch (err) {
      throw new DeliveryError(`wctp: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) throw new DeliveryError(`wctp: HTTP ${res.status}`, { code: `http-${res.status}` });
    const outcome = parseWctpResponse(text);
    if (!outcome) throw new DeliveryError("wctp: the gateway's answer is not a WCTP response");
    if (!outcome.ok) {
      throw new DeliveryError(`wctp: ${outcome.code} ${outcome.text}`, {
        permanent: isPermanentWctp(outcome.code),
        code: String(outcome.code),
      });
    }
  }
}
