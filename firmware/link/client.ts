import WebSocket from "ws";
import type { Clock, TimerHandle } from "../../telephony/clock.ts";
import type { Journal } from "./journal.ts";
import {
  type BoardEvent,
  type Command,
  type Health,
  type HelloMessage,
  LINK_PROTOCOL_VERSION,
  type ProtocolError,
  parseControllerMessage,
} from "./protocol.ts";

export interface LinkClientOptions {
  url: string;
  clock: Clock;
  journal: Journal;
  hello: () => Omit<HelloMessage, "v" | "type" | "journalId" | "token">;
  /** Shared secret sent in hello (use a wss:// URL so it is not sent in clear). */
  token?: string;
  /** Runs a command; a throw becomes a failed command-result. */
  onCommand: (command: Command) => void | Promise<void>;
  /** Reconnect back-off: starts at min, doubles to max. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Ping period; no pong within two periods drops the link. */
  pingMs?: number;
  log?: (msg: string, data?: unknown) => void;
}

type Listener = (up: boolean) => void;

/**
 * The board's end of the controller link. Every event goes into the journal first and is sent
 * only once the controller has said which sequence number it holds (welcome), so the order on
 * the wire is the journal's order; after a disconnect the journal is replayed from the first
 * unacknowledged event. Nothing is sent out of order or lost, and a duplicate (a replay of an
 * event whose ack was lost) carries the same seq so the controller drops it.
 */
export class LinkClient {
  private readonly opts: Required<Omit<LinkClientOptions, "log" | "token">> & Pick<LinkClientOptions, "log" | "token">;
  private ws: WebSocket | undefined;
  private live = false;
  private stopped = true;
  private backoff: number;
  private reconnectTimer: TimerHandle | undefined;
  private pingTimer: TimerHandle | undefined;
  private lastPong = 0;
  private lastError: string | undefined;
  private readonly listeners = new Set<Listener>();

  constructor(opts: LinkClientOptions) {
    this.opts = { reconnectMinMs: 250, reconnectMaxMs: 5000, pingMs: 5000, ...opts };
    this.backoff = this.opts.reconnectMinMs;
  }

  /** True once the controller has welcomed us on the current connection. */
  get up(): boolean {
    return this.live;
  }

  onLink(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.clock.clearTimeout(this.reconnectTimer);
    this.opts.clock.clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.setLive(false);
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once("close", () => resolve());
        ws.terminate();
      });
    }
  }

  /** Journals an event and sends it when the link is live. Returns its sequence number. */
  report(event: BoardEvent): number {
    const { entry, written } = this.opts.journal.append(event, this.opts.clock.now());
    written.catch((err) => this.opts.log?.("journal write failed", err));
    if (this.live) this.sendFrame({ v: LINK_PROTOCOL_VERSION, type: "event", ...entry });
    return entry.seq;
  }

  /** Live telemetry, not journaled: only the latest snapshot matters. */
  health(health: Health): void {
    if (this.live) this.sendFrame({ v: LINK_PROTOCOL_VERSION, type: "health", at: this.opts.clock.now(), health });
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.opts.url, { handshakeTimeout: 5000 });
    this.ws = ws;
    ws.on("open", () => {
      this.backoff = this.opts.reconnectMinMs;
      this.lastError = undefined;
      this.lastPong = this.opts.clock.monotonic();
      ws.send(
        JSON.stringify({
          v: LINK_PROTOCOL_VERSION,
          type: "hello",
          journalId: this.opts.journal.id,
          ...this.opts.hello(),
          ...(this.opts.token ? { token: this.opts.token } : {}),
        }),
      );
      this.pingTimer = this.opts.clock.setInterval(() => this.ping(ws), this.opts.pingMs);
    });
    ws.on("pong", () => {
      this.lastPong = this.opts.clock.monotonic();
    });
    ws.on("message", (data) => this.onMessage(ws, data.toString()));
    ws.on("error", (err) => {
      // A controller that stays away would log the same refusal every back-off step.
      if (err.message !== this.lastError) this.opts.log?.("link error", err.message);
      this.lastError = err.message;
    });
    ws.on("close", () => {
      this.opts.clock.clearInterval(this.pingTimer);
      if (this.ws === ws) this.ws = undefined;
      this.setLive(false);
      if (!this.stopped) {
        this.reconnectTimer = this.opts.clock.setTimeout(() => this.connect(), this.backoff);
        this.backoff = Math.min(this.backoff * 2, this.opts.reconnectMaxMs);
      }
    });
  }

  private ping(ws: WebSocket): void {
    if (this.opts.clock.monotonic() - this.lastPong > 2 * this.opts.pingMs) {
      this.opts.log?.("link: no pong, dropping");
      ws.terminate();
      return;
    }
    if (ws.readyState === WebSocket.OPEN) ws.ping();
  }

  private onMessage(ws: WebSocket, text: string): void {
    let msg: ReturnType<typeof parseControllerMessage>;
    try {
      msg = parseControllerMessage(text);
    } catch (err) {
      const e = err as ProtocolError;
      this.opts.log?.("link: bad frame from controller", e.message);
      if (e.code === "BAD_VERSION") ws.close(1002, "protocol version");
      return;
    }
    switch (msg.type) {
      case "welcome": {
        const journal = this.opts.journal;
        journal.ack(msg.ackedThrough).catch(() => undefined);
        // Replay, then go live, in one synchronous step: nothing can slip in between.
        for (const entry of journal.pending()) this.sendFrame({ v: LINK_PROTOCOL_VERSION, type: "event", ...entry });
        this.setLive(true);
        return;
      }
      case "ack":
        this.opts.journal.ack(msg.seq).catch((err) => this.opts.log?.("journal write failed", err));
        return;
      case "command":
        void this.runCommand(msg.id, msg.command);
        return;
      case "error":
        this.opts.log?.(`link: controller error ${msg.code}`, msg.message);
        return;
    }
  }

  private async runCommand(id: string, command: Command): Promise<void> {
    try {
      await this.opts.onCommand(command);
      this.report({ type: "command-result", id, ok: true });
    } catch (err) {
      this.report({ type: "command-result", id, ok: false, error: (err as Error).message });
    }
  }

  private sendFrame(frame: object): void {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  private setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    for (const l of this.listeners) l(live);
  }
}
