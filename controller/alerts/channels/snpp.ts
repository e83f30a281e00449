/**
 * SNPP client (Simple Network Paging Protocol, RFC 1861), level 1 plus the level 2 LOGIn
 * command: PAGEr, MESSage, SEND, QUIT over one TCP connection per message.
 *
 * "2xx - Successful, continue; 3xx - Begin DATA input; 4xx - Failed with connection
 * terminated; 5xx - Failed, but continue session" (RFC 1861, the table of result codes).
 */
import net from "node:net";
import type { ChannelKind } from "../config.ts";
import { type AlertChannel, DeliveryError, type OutgoingMessage, oneLine } from "./channel.ts";

export interface SnppSettings {
  host: string;
  port: number;
  /** Level 2 "LOGIn <loginid> [password]", for gateways that require it. */
  login?: { id: string; password?: string };
  /** Whole-session limit; a gateway that stops answering fails the attempt. Default 15 s. */
  timeoutMs?: number;
  /** Longest MESS text the gateway accepts. Default 240 (common alphanumeric pager limit). */
  maxMessageChars?: number;
}

export interface SnppReply {
  code: number;
  text: string;
}

/**
 * "550 Error, Invalid Pager ID" (RFC 1861): the same page to the same ID can never succeed.
 * 554 ("failed (technical reason)") and the 4xx "connection terminated" codes are retried.
 */
const permanentSnppCodes = new Set([550]);

/** One SNPP connection: send a line, read the reply. */
class SnppConnection {
  private readonly socket: net.Socket;
  private buffer = "";
  private readonly replies: SnppReply[] = [];
  private waiter: ((r: SnppReply | Error) => void) | undefined;
  private failure: Error | undefined;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("connection closed by the gateway")));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const i = this.buffer.indexOf("\n");
      if (i < 0) break;
      const line = this.buffer.slice(0, i).replace(/\r$/, "");
      this.buffer = this.buffer.slice(i + 1);
      const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!m) continue;
      // "NNN-" marks a continued multi-line reply (HELP); only the last line completes it.
      if (m[2] === "-") continue;
      this.deliver({ code: Number(m[1]), text: m[3] ?? "" });
    }
  }

  private deliver(r: SnppReply): void {
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w(r);
    } else {
      this.replies.push(r);
    }
  }

  private fail(err: Error): void {
    if (!this.failure) this.failure = err;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(err);
  }

  reply(): Promise<SnppReply> {
    const r = this.replies.shift();
    if (r) return Promise.resolve(r);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = (v) => (v instanceof Error ? reject(v) : resolve(v));
    });
  }

  async command(line: string): Promise<SnppReply> {
    if (/[\r\n]/.test(line)) throw new Error("SNPP command must be one line");
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  close(): void {
    this.socket.destroy();
  }
}

function expect2xx(step: string, r: SnppReply): void {
  if (r.code >= 200 && r.code < 300) return;
  throw new DeliveryError(`snpp ${step}: ${r.code} ${r.text}`, {
    permanent: permanentSnppCodes.has(r.code),
    code: String(r.code),
  });
}

export class SnppChannel implements AlertChannel {
  readonly kind: ChannelKind = "snpp";
  private readonly settings: SnppSettings;

  constructor(settings: SnppSettings) {
    this.settings = settings;
  }

  async send(msg: OutgoingMessage): Promise<void> {
    const pagerId = msg.to.trim();
    if (!/^[\w.+-]{1,64}$/.test(pagerId)) {
      throw new DeliveryError(`snpp: pager ID "${msg.to}" is not a single token`, { permanent: true });
    }
    const text = oneLine(msg.short, this.settings.maxMessageChars ?? 240);
    const timeoutMs = this.settings.timeoutMs ?? 15_000;

    const socket = net.connect({ host: this.settings.host, port: this.settings.port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    const conn = new SnppConnection(socket);
    try {
      // "220 SNPP (V3) Gateway Ready" on connect; 420/421 mean the gateway will not serve us now.
      expect2xx("greeting", await conn.reply());
      if (this.settings.login) {
        const { id, password } = this.settings.login;
        expect2xx("LOGI", await conn.command(`LOGI ${id}${password ? ` ${password}` : ""}`));
      }
      expect2xx("PAGE", await conn.command(`PAGE ${pagerId}`));
      expect2xx("MESS", await conn.command(`MESS ${text}`));
      expect2xx("SEND", await conn.command("SEND"));
      // The page is accepted once SEND says 250; a lost QUIT reply does not undo that.
      await conn.command("QUIT").catch(() => undefined);
    } catch (err) {
      if (err instanceof DeliveryError) {
        await conn.command("QUIT").catch(() => undefined);
        throw err;
      }
      throw new DeliveryError(`snpp: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      conn.close();
    }
  }
}
