import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";
import {
  type BoardEvent,
  type Command,
  type ControllerMessage,
  LINK_PROTOCOL_VERSION,
  type ProtocolError,
  parseBoardMessage,
} from "../../firmware/link/protocol.ts";
import { type Clock, SystemClock, type TimerHandle } from "../../telephony/clock.ts";
import { type BankState, applyEvent, newBankState } from "./bank-state.ts";

/** Typed events for the rest of the controller (alerts, live UI, call flow). */
export interface BankEvents {
  "board-connected": { boardId: string; state: BankState };
  "board-disconnected": { boardId: string };
  /** Every journaled board event, exactly once and in the board's order. */
  event: { boardId: string; seq: number; at: number; event: BoardEvent };
  health: { boardId: string; at: number; health: NonNullable<BankState["health"]> };
}

export type BankEventName = keyof BankEvents;

export interface BankServerOptions {
  /** Highest seq already stored for a board's journal (from the controller's store); default 0. */
  lastSeq?: (boardId: string, journalId: string) => number;
  /**
   * Decides whether a board may connect (its id and the token from its hello). Without it every
   * board is accepted: fine on an isolated lab network, not in a facility.
   */
  authenticate?: (boardId: string, token: string | undefined) => boolean;
  /**
   * Persists one event before it is acknowledged (the controller's store). Events of a board
   * arrive here one at a time, in order. A rejection drops the link without an ack, so the
   * board replays the event when it reconnects: an ack always means "stored".
   */
  store?: (e: BankEvents["event"]) => Promise<void>;
  /** How long sendCommand waits for the board's result. */
  commandTimeoutMs?: number;
  clock?: Clock;
  log?: (msg: string, data?: unknown) => void;
}

/**
 * The controller's side of the board link: accepts boards, stores nothing itself (the
 * controller persists what it wants from `event`), acknowledges each event after its
 * listeners ran, drops replays by sequence number, keeps per-bank state, sends commands.
 * Policy-free: it never decides to kill or release anything on its own.
 */
export class BankServer {
  private readonly opts: BankServerOptions;
  private readonly banks = new Map<string, BankState>();
  private readonly sockets = new Map<string, WebSocket>();
  private readonly listeners = new Map<BankEventName, Set<(e: never) => void>>();
  private readonly waiting = new Map<
    string,
    { resolve: (r: { ok: boolean; error?: string }) => void; timer: TimerHandle }
  >();
  private wss: WebSocketServer | undefined;
  private readonly clock: Clock;

  constructor(opts: BankServerOptions = {}) {
    this.opts = opts;
    this.clock = opts.clock ?? new SystemClock();
  }

  /** Standalone listener (tests, lab). The controller app mounts `handle()` on its own server. */
  async listen(port = 0, host = "127.0.0.1"): Promise<number> {
    const wss = new WebSocketServer({ port, host });
    this.wss = wss;
    wss.on("connection", (ws, req) => this.handle(ws, req));
    await new Promise<void>((resolve, reject) => {
      wss.once("listening", resolve);
      wss.once("error", reject);
    });
    const addr = wss.address();
    return typeof addr === "object" && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets.values()) ws.terminate();
    for (const w of this.waiting.values()) this.clock.clearTimeout(w.timer);
    this.waiting.clear();
    const wss = this.wss;
    this.wss = undefined;
    if (wss) {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  }

  on<K extends BankEventName>(name: K, listener: (e: BankEvents[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as (e: never) => void);
    return () => set.delete(listener as (e: never) => void);
  }

  listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }

  /** Each listener is isolated: one that throws never stops the others or the ack. */
  private emit<K extends BankEventName>(name: K, e: BankEvents[K]): void {
    for (const l of this.listeners.get(name) ?? []) {
      try {
        (l as (e: BankEvents[K]) => void)(e);
      } catch (err) {
        this.opts.log?.(`bank listener for ${name} failed`, err);
      }
    }
  }

  state(boardId: string): BankState | undefined {
    return this.banks.get(boardId);
  }

  all(): BankState[] {
    return [...this.banks.values()];
  }

  /** Sends a command; resolves with the board's result, or rejects when the board is away. */
  sendCommand(boardId: string, command: Command): Promise<{ ok: boolean; error?: string }> {
    const ws = this.sockets.get(boardId);
    if (!ws) return Promise.reject(new Error(`board ${boardId} is not connected`));
    const id = randomUUID();
    const timeout = this.opts.commandTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`board ${boardId} did not answer command ${command.type} within ${timeout} ms`));
      }, timeout);
      this.waiting.set(id, { resolve, timer });
      this.send(ws, { v: LINK_PROTOCOL_VERSION, type: "command", id, command });
    });
  }

  kill(boardId: string, unit: string) {
    return this.sendCommand(boardId, { type: "kill", unit });
  }

  release(boardId: string, unit: string) {
    return this.sendCommand(boardId, { type: "release", unit });
  }

  /** Accepts one board connection (from `listen()` or the controller's HTTP server upgrade). */
  handle(ws: WebSocket, _req?: IncomingMessage): void {
    let bank: BankState | undefined;
    let queue: Promise<void> = Promise.resolve();
    let closed = false;
    ws.on("message", (data) => {
      let msg: ReturnType<typeof parseBoardMessage>;
      try {
        msg = parseBoardMessage(data.toString());
      } catch (err) {
        const e = err as ProtocolError;
        this.send(ws, { v: LINK_PROTOCOL_VERSION, type: "error", code: e.code ?? "BAD_FRAME", message: e.message });
        if (e.code === "BAD_VERSION") ws.close(1002, "protocol version");
        return;
      }
      if (msg.type === "hello") {
        if (this.opts.authenticate && !this.opts.authenticate(msg.boardId, msg.token)) {
          this.send(ws, {
            v: LINK_PROTOCOL_VERSION,
            type: "error",
            code: "UNAUTHORIZED",
            message: "board not authorised",
          });
          ws.close(1008, "unauthorised");
          return;
        }
        const previous = this.sockets.get(msg.boardId);
        if (previous && previous !== ws) previous.terminate();
        const known = this.banks.get(msg.boardId);
        bank = newBankState(msg);
        if (known && known.journalId === msg.journalId) {
          // Keep what we learnt; a reconnect only refreshes the identity fields.
          bank = { ...known, board: msg.board, firmwareVersion: msg.firmwareVersion, connected: true };
          // The board's kill state as it is now (it may have changed while the link was down).
          if (msg.kills) {
            const units = newBankState(msg).units;
            for (const u of Object.keys(units)) units[u]!.panelLit = known.units[u]?.panelLit ?? false;
            bank.units = units;
          }
        } else {
          bank.lastSeq = this.opts.lastSeq?.(msg.boardId, msg.journalId) ?? 0;
        }
        this.banks.set(msg.boardId, bank);
        this.sockets.set(msg.boardId, ws);
        this.send(ws, { v: LINK_PROTOCOL_VERSION, type: "welcome", ackedThrough: bank.lastSeq });
        this.emit("board-connected", { boardId: msg.boardId, state: bank });
        return;
      }
      if (!bank) {
        this.send(ws, { v: LINK_PROTOCOL_VERSION, type: "error", code: "NO_HELLO", message: "hello first" });
        return;
      }
      if (msg.type === "health") {
        bank.health = { ...msg.health, at: msg.at };
        this.emit("health", { boardId: bank.boardId, at: msg.at, health: bank.health });
        return;
      }
      // An event: drop replays (seq already held), store, apply, tell listeners, acknowledge —
      // one event at a time per board, so a slow store never reorders them.
      const current = bank;
      const frame = msg;
      queue = queue.then(async () => {
        if (closed) return;
        if (frame.seq > current.lastSeq) {
          const e = { boardId: current.boardId, seq: frame.seq, at: frame.at, event: frame.event };
          try {
            await this.opts.store?.(e);
          } catch (err) {
            // Not stored, so not acknowledged: drop the link and let the board replay it.
            this.opts.log?.(`bank ${current.boardId}: storing event ${frame.seq} failed`, err);
            closed = true;
            ws.close(1011, "store failed");
            return;
          }
          current.lastSeq = frame.seq;
          applyEvent(current, frame.event);
          this.emit("event", e);
          this.commandResult(frame.event);
        }
        this.send(ws, { v: LINK_PROTOCOL_VERSION, type: "ack", seq: frame.seq });
      });
    });
    ws.on("close", () => {
      closed = true;
      if (!bank || this.sockets.get(bank.boardId) !== ws) return;
      this.sockets.delete(bank.boardId);
      bank.connected = false;
      this.emit("board-disconnected", { boardId: bank.boardId });
    });
    ws.on("error", (err) => this.opts.log?.("bank socket error", err.message));
  }

  /** A board's answer to a command settles the `sendCommand` waiting for it. */
  private commandResult(e: BoardEvent): void {
    if (e.type !== "command-result") return;
    const w = this.waiting.get(e.id);
    if (!w) return;
    this.clock.clearTimeout(w.timer);
    this.waiting.delete(e.id);
    w.resolve(e.error === undefined ? { ok: e.ok } : { ok: e.ok, error: e.error });
  }

  private send(ws: WebSocket, msg: ControllerMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  }
}
