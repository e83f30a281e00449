/**
 * The narrow view of the user-agent core that invite sessions, registrations and the
 * registrar need (so they can be tested with small fakes and do not import the whole core),
 * plus the helpers they share: client authentication retries and request cloning.
 */
import type { Clock } from "../clock.ts";
import { answerChallenge, formatCredentials, parseChallenge } from "./digest.ts";
import type { Dialog } from "./dialog.ts";
import { SipRequest, type SipResponse } from "./message.ts";
import type { Destination, TransactionLayer } from "./transaction-layer.ts";
import type { TransportProtocol } from "./transport.ts";

export interface SipCredential {
  /** "*" matches any realm. */
  realm: string;
  username: string;
  password: string;
}

export type LogFn = (level: "debug" | "info" | "warn" | "error", msg: string, data?: unknown) => void;

export interface SendOptions {
  destination?: Destination;
  /** Transport to use when the target URI names none (in-dialog requests keep the INVITE's). */
  prefer?: TransportProtocol;
  /** Dialog whose local CSeq a retry with credentials must advance. */
  dialog?: Dialog;
  credentials?: SipCredential[];
  onProvisional?: (res: SipResponse) => void;
}

export interface UaCore {
  readonly layer: TransactionLayer;
  readonly clock: Clock;
  readonly log: LogFn;
  readonly userAgent: string | undefined;
  readonly credentials: SipCredential[];
  /** Our Contact URI (in <>) for a transport. */
  contactFor(protocol: TransportProtocol | undefined, user?: string): string;
  /** Sends a non-INVITE request, retrying once per challenge with credentials; resolves with its final response. */
  send(req: SipRequest, opts?: SendOptions): Promise<SipResponse>;
  /** Files a dialog's session so in-dialog requests reach it. */
  attach(id: string, session: DialogUser): void;
  detach(id: string): void;
}

/** Anything that owns a dialog and receives its in-dialog requests. */
export interface DialogUser {
  readonly dialog: Dialog;
  /** `respond` returns the response it sent; `source` is where the request came from. */
  receiveRequest(req: SipRequest, respond: Responder, source: Destination): void;
  receiveAck(req: SipRequest): void;
  /** A retransmitted 2xx to our INVITE or re-INVITE: re-send the ACK. */
  receiveStray2xx(res: SipResponse): void;
  /** Stops every timer (user agent shutdown). */
  dispose(): void;
}

/** Sends a response to a received request and returns it (undefined if it could not be sent). */
export type Responder = (status: number, opts?: ResponseOptions) => SipResponse | undefined;

export interface ResponseOptions {
  reason?: string;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Header rows appended as they are (repeatable names such as WWW-Authenticate). */
  rows?: Array<[string, string]>;
}

/** A copy of a request without Via, ready to be sent again in a new transaction. */
export function cloneRequest(req: SipRequest): SipRequest {
  const h = req.headers.clone();
  h.remove("via");
  return new SipRequest(req.method, req.uri, h, req.body);
}

/**
 * "When a UAC resubmits a request with its credentials after receiving a 401 (Unauthorized)
 * or 407 (Proxy Authentication Required) response, it MUST increment the CSeq header field
 * value as it would normally when sending an updated request." — RFC 3261 §22.2.
 * Returns undefined when no challenge can be answered with the credentials we hold.
 */
export function authorizedRetry(
  sent: SipRequest,
  res: SipResponse,
  credentials: SipCredential[],
  dialog?: Dialog,
): SipRequest | undefined {
  const proxy = res.status === 407;
  const challengeHeader = proxy ? "proxy-authenticate" : "www-authenticate";
  const answerHeader = proxy ? "Proxy-Authorization" : "Authorization";
  const challenges = res.headers
    .getAll(challengeHeader)
    .map((h) => {
      try {
        return parseChallenge(h);
      } catch {
        return undefined;
      }
    })
    .filter((c) => c !== undefined);
  // Prefer SHA-256 over MD5 when both are offered (RFC 7616 §3.7).
  challenges.sort((a, b) => (a.algorithm === b.algorithm ? 0 : a.algorithm === "SHA-256" ? -1 : 1));
  for (const ch of challenges) {
    const cred = credentials.find((c) => c.realm === ch.realm) ?? credentials.find((c) => c.realm === "*");
    if (!cred) continue;
    // The same nonce refused twice means wrong credentials: do not loop (unless stale).
    const previous = sent.headers.getAll(answerHeader);
    if (!ch.stale && previous.some((p) => p.includes(`nonce="${ch.nonce}"`))) return undefined;
    const retry = cloneRequest(sent);
    retry.headers.remove(answerHeader);
    const seq = sent.cseq.seq + 1;
    retry.headers.set("CSeq", `${seq} ${sent.method}`);
    if (dialog && dialog.localSeq < seq) dialog.localSeq = seq;
    retry.headers.append(answerHeader, formatCredentials(answerChallenge(ch, cred, sent.method, sent.uri)));
    retry.invalidate();
    return retry;
  }
  return undefined;
}
