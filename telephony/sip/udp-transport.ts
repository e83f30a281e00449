/**
 * SIP over UDP (RFC 3261 §18): one datagram, one message. The socket always has an error
 * handler; a failing send rejects its own promise and never the process.
 */
import { createSocket, type Socket } from "node:dgram";
import { type LookupOneOptions, lookup as dnsLookup } from "node:dns";
import { isIP } from "node:net";
import type { SipMessage } from "./message.ts";
import { serializeMessage } from "./serializer.ts";
import {
  decodeInbound,
  emptyStats,
  type ReceivedMessage,
  type SipAddress,
  type SipTransport,
  type TransportOptions,
} from "./transport.ts";

export class UdpTransport implements SipTransport {
  readonly protocol = "UDP";
  readonly reliable = false;
  readonly stats = emptyStats();
  local: SipAddress = { address: "", port: 0 };
  publicAddress = "";
  private socket: Socket | undefined;
  private handler: ((m: ReceivedMessage) => void) | undefined;
  private readonly opts: TransportOptions;

  private constructor(opts: TransportOptions) {
    this.opts = opts;
  }

  /** Binds the socket and resolves once it is listening. */
  static async bind(opts: TransportOptions): Promise<UdpTransport> {
    const t = new UdpTransport(opts);
    await t.open();
    return t;
  }

  private open(): Promise<void> {
    const family = this.opts.host.includes(":") ? "udp6" : "udp4";
    const socket = createSocket({ type: family, lookup: literalLookup });
    this.socket = socket;
    socket.on("error", (err) => {
      this.stats.errors++;
      this.opts.log?.("error", `UDP socket error: ${err.message}`);
    });
    socket.on("message", (data, rinfo) => this.receive(data, { address: rinfo.address, port: rinfo.port }));
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      socket.once("error", onError);
      socket.bind(this.opts.port, this.opts.host, () => {
        socket.off("error", onError);
        const a = socket.address();
        this.local = { address: a.address, port: a.port };
        this.publicAddress = this.opts.publicAddress ?? a.address;
        resolve();
      });
    });
  }

  onMessage(handler: (m: ReceivedMessage) => void): void {
    this.handler = handler;
  }

  private receive(data: Buffer, source: SipAddress): void {
    this.stats.received++;
    // RFC 3261 §7.5 / RFC 5626 keep-alives: a bare CRLF (or CRLFCRLF) is not a message.
    if (data.length <= 4 && /^(\r\n)+$/.test(data.toString("latin1"))) return;
    const message = decodeInbound(
      data,
      source,
      this.stats,
      { framing: "datagram" },
      (bytes) => {
        this.sendRaw(bytes, source).catch(() => undefined);
      },
      this.opts.log,
    );
    if (!message || !this.handler) return;
    try {
      this.handler({ message, source, transport: this });
    } catch (e) {
      this.stats.errors++;
      this.opts.log?.("error", "SIP message handler threw", e);
    }
  }

  send(message: SipMessage | Buffer, dest: SipAddress): Promise<void> {
    return this.sendRaw(Buffer.isBuffer(message) ? message : serializeMessage(message), dest);
  }

  private sendRaw(bytes: Buffer, dest: SipAddress): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error("transport closed"));
    return new Promise((resolve, reject) => {
      try {
        socket.send(bytes, dest.port, dest.address, (err) => {
          if (err) {
            this.stats.errors++;
            reject(err);
          } else {
            this.stats.sent++;
            resolve();
          }
        });
      } catch (e) {
        this.stats.errors++;
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/**
 * The socket's resolver. Every address the stack sends to is already an IP literal (the layer
 * resolves names first, responses go to the Via's received address), and dns.lookup answers a
 * literal only on the next tick: answering at once sends the datagram within `send()`.
 * Anything else still goes to dns.lookup.
 */
function literalLookup(
  hostname: string,
  options: LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, typeof options === "number" ? { family: options } : options, callback);
}
