/**
 * The transaction layer: owns the transports, creates client transactions for outgoing
 * requests and server transactions for incoming ones, and matches messages to them
 * (RFC 3261 §17.1.3 and §17.2.3). What matches no transaction goes to the transaction user
 * (the user-agent core): ACKs for 2xx and retransmitted 2xx responses.
 */
import { randomHex } from "./ids.ts";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { Clock } from "../clock.ts";
import { InviteClientTransaction } from "./invite-client-transaction.ts";
import { InviteServerTransaction } from "./invite-server-transaction.ts";
import { createResponse, type SipMessage, type SipRequest, type SipResponse } from "./message.ts";
import { NameAddr } from "./name-addr.ts";
import { NonInviteClientTransaction } from "./non-invite-client-transaction.ts";
import { NonInviteServerTransaction } from "./non-invite-server-transaction.ts";
import {
  type ClientTransactionUser,
  DEFAULT_TIMERS,
  type TimerValues,
  type TransactionContext,
} from "./transaction.ts";
import {
  type ReceivedMessage,
  responseDestination,
  type SipAddress,
  type SipTransport,
  type TransportProtocol,
} from "./transport.ts";
import { SipUri } from "./uri.ts";
import { BRANCH_COOKIE, Via } from "./via.ts";

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** Where and how a message is sent. */
export interface Destination {
  transport: SipTransport;
  address: SipAddress;
}

export interface TransactionUserCore {
  /** A new request with its server transaction (never ACK, never a retransmission). */
  onRequest(req: SipRequest, tx: ServerTransaction, source: Destination): void;
  /** An ACK that matched no server transaction (the ACK for a 2xx, §17.2.3 / §13.3.1.4). */
  onAck(req: SipRequest, source: Destination): void;
  /** A response matching no client transaction (retransmitted 2xx, §17.1.1.2). */
  onStrayResponse(res: SipResponse): void;
}

export interface TransactionLayerOptions {
  clock: Clock;
  transports: SipTransport[];
  timers?: Partial<TimerValues>;
  /** Add ";rport" to our Via (RFC 3581 §3). Default true. */
  rport?: boolean;
  log?: (level: "debug" | "info" | "warn" | "error", msg: string, data?: unknown) => void;
}

export function newBranch(): string {
  return BRANCH_COOKIE + randomHex(8);
}

export class TransactionLayer {
  readonly clock: Clock;
  readonly timers: TimerValues;
  readonly transports: SipTransport[];
  private core: TransactionUserCore | undefined;
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly rport: boolean;
  private readonly log: TransactionLayerOptions["log"];

  constructor(opts: TransactionLayerOptions) {
    if (opts.transports.length === 0) throw new Error("at least one transport is needed");
    this.clock = opts.clock;
    this.timers = { ...DEFAULT_TIMERS, ...opts.timers };
    this.transports = opts.transports;
    this.rport = opts.rport ?? true;
    this.log = opts.log;
    for (const t of opts.transports) t.onMessage((m) => this.receive(m));
  }

  setCore(core: TransactionUserCore): void {
    this.core = core;
  }

  transport(protocol: TransportProtocol): SipTransport | undefined {
    return this.transports.find((t) => t.protocol === protocol);
  }

  /** Counts of live transactions (tests check nothing leaks). */
  get size(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  // ---- matching keys ----

  /**
   * "the response matches a client transaction if: 1. the response has the same value of the
   * branch parameter in the top Via header field as the branch parameter in the top Via
   * header field of the request that created the transaction. 2. the method parameter in the
   * CSeq header field matches the method of the request that created the transaction."
   * — RFC 3261 §17.1.3
   */
  private clientKey(branch: string, method: string): string {
    return `${branch}|${method}`;
  }

  /**
   * "1. the branch parameter in the request is equal to the one in the top Via header field
   * of the request that created the transaction, and 2. the sent-by value in the top Via of
   * the request is equal to the one in the request that created the transaction, and 3. the
   * method of the request matches the one that created the transaction, except for ACK, where
   * the method of the request that created the transaction is INVITE." — RFC 3261 §17.2.3.
   * For a branch without the magic cookie (RFC 2543 peers) the key falls back to Call-ID,
   * From tag, CSeq number and top Via — the cheap part of §17.2.3's older procedure.
   */
  private serverKey(req: SipRequest): string | undefined {
    const via = req.topVia;
    if (!via) return undefined;
    const method = req.method === "ACK" ? "INVITE" : req.method;
    const branch = via.branch;
    if (branch?.startsWith(BRANCH_COOKIE)) return `${branch}|${via.sentBy}|${method}`;
    return `2543|${req.callId}|${req.from.tag ?? ""}|${req.cseq.seq}|${via.sentBy}|${via.branch ?? ""}|${method}`;
  }

  // ---- receiving ----

  private receive(m: ReceivedMessage): void {
    const source: Destination = { transport: m.transport, address: m.source };
    try {
      if (m.message.kind === "request") this.receiveRequest(m.message, source);
      else this.receiveResponse(m.message);
    } catch (e) {
      this.log?.("error", "error handling a SIP message", e);
    }
  }

  private receiveResponse(res: SipResponse): void {
    // "If more than one Via header field value is present in a response, the UAC SHOULD
    // discard the message." — RFC 3261 §8.1.3.3
    if (res.vias.length !== 1) return;
    const branch = res.topVia?.branch;
    const tx = branch ? this.clients.get(this.clientKey(branch, res.cseq.method)) : undefined;
    if (tx) tx.receiveResponse(res);
    else this.core?.onStrayResponse(res);
  }

  private receiveRequest(req: SipRequest, source: Destination): void {
    const key = this.serverKey(req);
    if (key === undefined) return;
    const existing = this.servers.get(key);
    if (existing) {
      existing.receiveRequest(req);
      return;
    }
    if (req.method === "ACK") {
      this.core?.onAck(req, source);
      return;
    }
    const ctx = this.serverContext(req, source, key);
    const tx =
      req.method === "INVITE" ? new InviteServerTransaction(req, ctx) : new NonInviteServerTransaction(req, ctx);
    this.servers.set(key, tx);
    if (tx instanceof InviteServerTransaction) tx.start();
    if (!this.core) {
      tx.respond(createResponse(req, 503));
      return;
    }
    this.core.onRequest(req, tx, source);
  }

  /** Where responses to `req` go (RFC 3261 §18.2.2, RFC 3581 §4). */
  responseTarget(req: SipRequest, source: Destination): Destination {
    const via = req.topVia as Via;
    const transport = source.transport;
    return { transport, address: transport.reliable ? source.address : responseDestination(via) };
  }

  private serverContext(req: SipRequest, source: Destination, key: string): TransactionContext {
    const { transport, address: dest } = this.responseTarget(req, source);
    return new LayerContext(this, this.servers, key, transport, dest);
  }

  /** The INVITE server transaction a CANCEL refers to (RFC 3261 §9.2). */
  findInviteServer(cancel: SipRequest): InviteServerTransaction | undefined {
    const via = cancel.topVia;
    if (!via) return undefined;
    for (const [key, tx] of this.servers) {
      if (!(tx instanceof InviteServerTransaction)) continue;
      const branch = via.branch;
      if (branch?.startsWith(BRANCH_COOKIE)) {
        if (key === `${branch}|${via.sentBy}|INVITE`) return tx;
      } else if (tx.request.callId === cancel.callId && tx.request.cseq.seq === cancel.cseq.seq) {
        return tx;
      }
    }
    return undefined;
  }

  // ---- sending ----

  /**
   * Where a request goes: "If the first element in the route set is a loose router ... the
   * UAC MUST place the Request-URI into ... and send to the first Route" (RFC 3261 §8.1.2 /
   * §12.2.1.1), otherwise to the Request-URI; a `transport=tcp` parameter picks TCP.
   */
  async resolve(req: SipRequest, override?: SipAddress, prefer?: TransportProtocol): Promise<Destination> {
    let target: SipUri | undefined;
    const firstRoute = req.headers.getAll("route")[0];
    if (firstRoute !== undefined) target = NameAddr.parse(firstRoute).sipUri;
    if (!target) {
      const ruri = req.requestUri;
      if (!(ruri instanceof SipUri)) throw new Error(`cannot route to ${req.uri}`);
      target = ruri;
    }
    const wanted = (target.params.get("transport") ?? prefer ?? "udp").toUpperCase() as TransportProtocol;
    const transport = this.transport(wanted) ?? (this.transports[0] as SipTransport);
    if (override) return { transport, address: override };
    let host = target.host.startsWith("[") ? target.host.slice(1, -1) : target.host;
    if (!isIP(host)) host = (await lookup(host)).address;
    return { transport, address: { address: host, port: target.port ?? 5060 } };
  }

  /** Puts our Via on top: "SIP/2.0/<transport> <our address>;branch=...;rport". */
  private addVia(req: SipRequest, transport: SipTransport, branch: string): void {
    const via = new Via(transport.protocol, transport.publicAddress, transport.local.port);
    via.params.set("branch", branch);
    if (this.rport) via.params.set("rport", null);
    req.headers.prepend("Via", via.toString());
    req.invalidate();
  }

  /**
   * Sends a request in a new client transaction. Timers and retransmissions are the
   * transaction's; `user` hears of responses, timeouts and transport failures.
   */
  async request(
    req: SipRequest,
    user: ClientTransactionUser,
    opts: { destination?: Destination; branch?: string } = {},
  ): Promise<ClientTransaction> {
    const dest = opts.destination ?? (await this.resolve(req));
    const branch = opts.branch ?? newBranch();
    this.addVia(req, dest.transport, branch);
    const key = this.clientKey(branch, req.method);
    const ctx: TransactionContext = new LayerContext(this, this.clients, key, dest.transport, dest.address);
    const tx =
      req.method === "INVITE"
        ? new InviteClientTransaction(req, ctx, user)
        : new NonInviteClientTransaction(req, ctx, user);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Sends a request outside any transaction (the ACK for a 2xx, RFC 3261 §13.2.2.4). */
  async sendStateless(req: SipRequest, destination?: Destination): Promise<Destination> {
    const dest = destination ?? (await this.resolve(req));
    if (!req.topVia) this.addVia(req, dest.transport, newBranch());
    await dest.transport.send(req, dest.address);
    return dest;
  }

  /** Stops every transaction timer (shutdown). */
  dispose(): void {
    for (const tx of this.clients.values()) tx.dispose();
    for (const tx of this.servers.values()) tx.dispose();
    this.clients.clear();
    this.servers.clear();
  }
}

/**
 * A transaction's view of the layer: its peer, its transport, and the table to leave when it
 * terminates. A class rather than an object of closures, one of which each transaction needs.
 */
class LayerContext implements TransactionContext {
  readonly clock: Clock;
  readonly timers: TimerValues;
  readonly reliable: boolean;
  private readonly table: Map<string, ClientTransaction | ServerTransaction>;
  private readonly key: string;
  private readonly transport: SipTransport;
  private readonly dest: SipAddress;

  constructor(
    layer: TransactionLayer,
    table: Map<string, ClientTransaction | ServerTransaction>,
    key: string,
    transport: SipTransport,
    dest: SipAddress,
  ) {
    this.clock = layer.clock;
    this.timers = layer.timers;
    this.reliable = transport.reliable;
    this.table = table;
    this.key = key;
    this.transport = transport;
    this.dest = dest;
  }

  send(message: SipMessage | Buffer): Promise<void> {
    return this.transport.send(message, this.dest);
  }

  terminated(): void {
    this.table.delete(this.key);
  }
}
