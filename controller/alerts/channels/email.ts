/**
 * Email over SMTP with nodemailer: STARTTLS or implicit TLS, authentication, and the message's
 * full text with its acknowledgement and listen links.
 */
import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { ChannelKind } from "../config.ts";
import { type AlertChannel, DeliveryError, type OutgoingMessage } from "./channel.ts";

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465). False = plain, upgraded by STARTTLS when offered. */
  secure: boolean;
  /** Refuse to send unless STARTTLS succeeds (ignored when `secure`). */
  requireTls?: boolean;
  auth?: { user: string; pass: string };
  from: string;
  /** Extra trust for a private mail server's certificate (PEM). */
  ca?: string | Buffer;
  /** Name to check the certificate against, when `host` is an address. */
  servername?: string;
  /** Socket timeouts; a mail server that hangs must not hold a message forever. Default 15 s. */
  timeoutMs?: number;
}

/**
 * SMTP reply codes that mean "this mailbox cannot take this message, ever": 550 mailbox
 * unavailable, 551 user not local, 553 mailbox name not allowed (RFC 5321 §4.2.3). Everything
 * else, including 4xx and authentication failures (an administrator can fix the password), is
 * retried.
 */
const permanentSmtpCodes = new Set([550, 551, 553]);

export function smtpTransportOptions(s: SmtpSettings): SMTPTransport.Options {
  const timeout = s.timeoutMs ?? 15_000;
  return {
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: s.requireTls ?? false,
    auth: s.auth ? { user: s.auth.user, pass: s.auth.pass } : undefined,
    tls: { ...(s.ca ? { ca: s.ca } : {}), ...(s.servername ? { servername: s.servername } : {}) },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  };
}

export function classifySmtpError(err: unknown): DeliveryError {
  const e = err as { message?: string; responseCode?: number; code?: string };
  const code = e.responseCode;
  return new DeliveryError(`smtp: ${e.message ?? String(err)}`, {
    permanent: code !== undefined && permanentSmtpCodes.has(code),
    code: code !== undefined ? String(code) : e.code,
    cause: err,
  });
}

export class EmailChannel implements AlertChannel {
  readonly kind: ChannelKind = "email";
  private readonly settings: SmtpSettings;

  constructor(settings: SmtpSettings) {
    this.settings = settings;
  }

  async send(msg: OutgoingMessage): Promise<void> {
    // One transport per message: alerts are rare, and a pooled connection to a server that has
    // since gone away would only add a failure mode.
    const transport = nodemailer.createTransport(smtpTransportOptions(this.settings));
    try {
      await transport.sendMail({ from: this.settings.from, to: msg.to, subject: msg.subject, text: msg.text });
    } catch (err) {
      throw classifySmtpError(err);
    } finally {
      transport.close();
    }
  }
}

/**
 * Email-to-pager: many paging carriers accept mail at "<pager number>@gateway" and forward
 * only a short text, so the message is the pager line with no subject to waste characters on.
 */
export class EmailToPagerChannel implements AlertChannel {
  readonly kind: ChannelKind = "email-pager";
  private readonly settings: SmtpSettings;

  constructor(settings: SmtpSettings) {
    this.settings = settings;
  }

  async send(msg: OutgoingMessage): Promise<void> {
    const transport = nodemailer.createTransport(smtpTransportOptions(this.settings));
    try {
      await transport.sendMail({ from: this.settings.from, to: msg.to, subject: "", text: msg.short });
    } catch (err) {
      throw classifySmtpError(err);
    } finally {
      transport.close();
    }
  }
}
