/**
 * The transport layer's contract (RFC 3261 §18) and what UDP and TCP share: turning received
 * bytes into messages, answering malformed requests with 400, stamping `received`/`rport` on
 * the top Via, and choosing where a response goes.
 *
 * Transports are the only code here that touches sockets. Nothing thrown while handling a
 * received message may leave a transport: every failure is counted instead.
 */
import { createResponse, type SipMessage, SipRequest } from "./message.ts";
import { type ParseOptions, parseMessage } from "./parser.ts";
import { serializeMessage } from "./serializer.ts";
import type { Via } from "./via.ts";

export type TransportProtocol = "UDP" | "TCP";

export interface SipAddress {
  address: string;
  port: number;
}

export interface ReceivedMessage {
  message: SipMessage;
  source: SipAddress;
  transport: SipTransport;
}

export interface TransportStats {
  received: number;
  sent: number;
  /** Messages that failed to parse (answered or not). */
  malformed: number;
  /** Malformed requests answered with 400/505. */
  answered: number;
  /** Socket or connection errors seen. */
  errors: number;
}

export interface SipTransport {
  readonly protocol: TransportProtocol;
  /** "reliable" transports skip the retransmission timers (RFC 3261 §17.1.1.2). */
  readonly reliable: boolean;
  /** Where the socket is bound. */
  readonly local: SipAddress;
  /** Host written in Via and Contact (the bound address unless configured). */
  readonly publicAddress: string;
  readonly stats: TransportStats;
  /** Sets the one receiver of parsed messages (the transaction layer). */
  onMessage(handler: (m: ReceivedMessage) => void): void;
  /** Sends a message; rejects on a socket error (connection refused, unreachable). */
  send(message: SipMessage | Buffer, dest: SipAddress): Promise<void>;
  close(): Promise<void>;
}

export interface TransportOptions {
  host: string;
  port: number;
  publicAddress?: string;
  /** Receives warnings about dropped input and socket errors. */
  log?: (level: "debug" | "info" | "warn" | "error", msg: string, data?: unknown) => void;
}

export function emptyStats(): TransportStats {
  return { received: 0, sent: 0, malformed: 0, answered: 0, errors: 0 };
}

/**
 * "When the server transport receives a request over any transport, it MUST examine the value
 * of the 'sent-by' parameter in the top Via header field value. If the host portion of the
 * 'sent-by' parameter contains a domain name, or if it contains an IP address that differs from
 * the packet source address, the server MUST add a 'received' parameter" — RFC 3261 §18.2.1.
 * "the server MUST insert a 'received' parameter containing the source IP address ... [and]
 * the 'rport' parameter MUST be set to the source port" when rport is present — RFC 3581 §4.
 */
export function stampVia(req: SipRequest, source: SipAddress): void {
  const top = req.topVia;
  if (!top) return;
  let changed = false;
  const wantsRport = top.params.has("rport");
  if (top.host !== source.address || wantsRport) {
    top.params.set("received", source.address);
    changed = true;
  }
  if (wantsRport) {
    top.params.set("rport", String(source.port));
    changed = true;
  }
  if (!changed) return;
  // Rewrite the first Via value in place so it is echoed in every response.
  const field = req.headers.fields.find((f) => f.key === "via");
  if (!field) return;
  const values = splitFirst(field.value);
  field.value = values.rest === undefined ? top.toString() : `${top.toString()}, ${values.rest}`;
}

function splitFirst(value: string): { rest: string | undefined } {
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === "," && !inQuote) return { rest: value.slice(i + 1).trim() };
  }
  return { rest: undefined };
}

/**
 * Where a response goes over an unreliable transport: "if the top Via has a 'received'
 * parameter, the response MUST be sent to the address in the 'received' parameter, using the
 * port indicated in the 'sent-by' value, or using port 5060 if none is present" (RFC 3261
 * §18.2.2), and to the rport value when one was filled in (RFC 3581 §4).
 */
export function responseDestination(via: Via): SipAddress {
  const rport = via.rport;
  const address = via.received ?? via.host;
  if (typeof rport === "number" && !Number.isNaN(rport)) return { address, port: rport };
  if (via.received !== undefined) return { address, port: via.port ?? 5060 };
  // Neither: "the response MUST be sent to the address indicated by the "sent-by" value".
  return { address, port: via.port ?? 5060 };
}

/**
 * Parses one message. A malformed request that names where to answer gets 400 (or 505) built
 * from whatever headers could be read; anything else is dropped and counted.
 */
export function decodeInbound(
  data: Buffer,
  source: SipAddress,
  stats: TransportStats,
  opts: ParseOptions,
  reply: (bytes: Buffer) => void,
  log?: TransportOptions["log"],
): SipMessage | undefined {
  const r = parseMessage(data, opts);
  if (r.ok) {
    if (r.message.kind === "request") {
      try {
        stampVia(r.message, source);
      } catch (e) {
        log?.("warn", "could not stamp Via", e);
      }
    }
    return r.message;
  }
  stats.malformed++;
  log?.("warn", `malformed SIP message from ${source.address}:${source.port}: ${r.error}`);
  if (r.status !== undefined && r.partial?.isRequest) {
    const headers = r.partial.headers;
    // "an ACK ... MUST NOT" get a response (RFC 3261 §17.1.1.3)
    if (/^\s*\d+\s+ACK\s*$/i.test(headers.get("cseq") ?? "")) return undefined;
    try {
      const probe = new SipRequest("INVITE", "sip:invalid", headers);
      const res = createResponse(probe, r.status);
      res.reason = r.status === 505 ? "Version Not Supported" : `Bad Request (${r.error})`.replace(/[\r\n]/g, " ");
      const top = probe.headers.getAll("via")[0];
      if (top !== undefined) res.headers.set("Via", top);
      reply(serializeMessage(res));
      stats.answered++;
    } catch (e) {
      log?.("warn", "could not answer a malformed request", e);
    }
  }
  return undefined;
}
