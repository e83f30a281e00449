/**
 * SIP over TCP (RFC 3261 §18): a listening socket plus outgoing connections, reused in both
 * directions. "If the ... connection is still open, the server transport MUST use that
 * connection to send the response" — §18.2.2; we key connections by the remote address and
 * port, which is also where responses to a TCP request are sent.
 */
import { createServer, type Server, type Socket, connect } from "node:net";
import type { SipMessage } from "./message.ts";
import { serializeMessage } from "./serializer.ts";
import { StreamFramer } from "./stream-framer.ts";
import {
  decodeInbound,
  emptyStats,
  type ReceivedMessage,
  type SipAddress,
  type SipTransport,
  type TransportOptions,
} from "./transport.ts";

/** Idle connections are closed after this long (no RFC value; a convention, configurable). */
const DEFAULT_IDLE_MS = 5 * 60_000;

interface Connection {
  socket: Socket;
  ready: Promise<void>;
}

export class TcpTransport implements SipTransport {
  readonly protocol = "TCP";
  readonly reliable = true;
  readonly stats = emptyStats();
  local: SipAddress = { address: "", port: 0 };
  publicAddress = "";
  private server: Server | undefined;
  private handler: ((m: ReceivedMessage) => void) | undefined;
  private readonly connections = new Map<string, Connection>();
  private readonly opts: TransportOptions & { idleMs?: number };

  private constructor(opts: TransportOptions & { idleMs?: number }) {
    this.opts = opts;
  }

  static async bind(opts: TransportOptions & { idleMs?: number }): Promise<TcpTransport> {
    const t = new TcpTransport(opts);
    await t.listen();
    return t;
  }

  private listen(): Promise<void> {
    const server = createServer((socket) => {
      const remote = { address: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
      this.adopt(socket, remote, Promise.resolve());
    });
    this.server = server;
    server.on("error", (err) => {
      this.stats.errors++;
      this.opts.log?.("error", `TCP server error: ${err.message}`);
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        const a = server.address();
        if (a && typeof a === "object") this.local = { address: a.address, port: a.port };
        this.publicAddress = this.opts.publicAddress ?? this.local.address;
        resolve();
      });
    });
  }

  onMessage(handler: (m: ReceivedMessage) => void): void {
    this.handler = handler;
  }

  private adopt(socket: Socket, remote: SipAddress, ready: Promise<void>): Connection {
    const key = `${remote.address}:${remote.port}`;
    const conn: Connection = { socket, ready };
    this.connections.set(key, conn);
    const framer = new StreamFramer();
    socket.setTimeout(this.opts.idleMs ?? DEFAULT_IDLE_MS, () => socket.destroy());
    socket.on("error", (err) => {
      this.stats.errors++;
      this.opts.log?.("warn", `TCP connection ${key}: ${err.message}`);
    });
    socket.on("close", () => {
      if (this.connections.get(key) === conn) this.connections.delete(key);
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        this.frame(framer, chunk, remote, socket, key);
      } catch (e) {
        // Nothing leaves the transport: count it and drop the connection.
        this.stats.errors++;
        this.opts.log?.("error", `TCP connection ${key}: ${e instanceof Error ? e.message : String(e)}`);
        socket.destroy();
      }
    });
    return conn;
  }

  private frame(framer: StreamFramer, chunk: Buffer, remote: SipAddress, socket: Socket, key: string): void {
    for (const item of framer.push(chunk)) {
      if (item.kind === "message") {
        this.receive(item.data, remote, socket);
      } else {
        this.stats.malformed++;
        this.opts.log?.("warn", `TCP framing lost from ${key}: ${item.error}`);
        // Answer what can be answered, then give up on the connection.
        if (item.data.indexOf("\r\n\r\n") >= 0) this.receive(item.data, remote, socket, true);
        socket.end();
      }
    }
  }

  private receive(data: Buffer, source: SipAddress, socket: Socket, lostFraming = false): void {
    this.stats.received++;
    const message = decodeInbound(
      data,
      source,
      this.stats,
      { framing: "stream" },
      (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      this.opts.log,
    );
    if (!message || lostFraming || !this.handler) return;
    try {
      this.handler({ message, source, transport: this });
    } catch (e) {
      this.stats.errors++;
      this.opts.log?.("error", "SIP message handler threw", e);
    }
  }

  private connection(dest: SipAddress): Connection {
    const key = `${dest.address}:${dest.port}`;
    const existing = this.connections.get(key);
    if (existing && !existing.socket.destroyed) return existing;
    const socket = connect({ host: dest.address, port: dest.port, localAddress: this.opts.host });
    const ready = new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", (e) => reject(e));
    });
    ready.catch(() => undefined);
    return this.adopt(socket, dest, ready);
  }

  async send(message: SipMessage | Buffer, dest: SipAddress): Promise<void> {
    if (!this.server) throw new Error("transport closed");
    const bytes = Buffer.isBuffer(message) ? message : serializeMessage(message);
    const conn = this.connection(dest);
    await conn.ready;
    await new Promise<void>((resolve, reject) => {
      conn.socket.write(bytes, (err) => (err ? reject(err) : resolve()));
    });
    this.stats.sent++;
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of this.connections.values()) c.socket.destroy();
    this.connections.clear();
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
