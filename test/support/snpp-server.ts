/**
 * An SNPP gateway for tests (RFC 1861 level 1, plus LOGIn from level 2): answers PAGEr, MESSage,
 * SEND, RESEt, LOGIn, HELP and QUIT with the RFC's codes and records every page it accepted.
 * Commands may be shortened to their first four letters, as the RFC allows.
 */
import net from "node:net";

export interface ReceivedPage {
  pagerIds: string[];
  message: string;
  login: string | undefined;
}

export interface TestSnppOptions {
  port?: number;
  /** Pager IDs it accepts; any other gets "550 Error, Invalid Pager ID". Absent = all. */
  validPagers?: Set<string>;
  /** Required "LOGI id password"; PAGE before it gets 550-series refusal. */
  login?: { id: string; password: string };
}

export interface TestSnppServer {
  readonly port: number;
  readonly pages: ReceivedPage[];
  /** Every command line received, in order (for checking the conversation). */
  readonly lines: string[];
  /** The next `n` SENDs fail with "554 Error, failed (technical reason)". */
  failNextSends(n: number): void;
  /** Greets new connections with "420 Gateway Service Unavailable" and hangs up, until false. */
  setUnavailable(v: boolean): void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedPage[]>;
  close(): Promise<void>;
}

export async function startSnppServer(opts: TestSnppOptions = {}): Promise<TestSnppServer> {
  const pages: ReceivedPage[] = [];
  const lines: string[] = [];
  const sockets = new Set<net.Socket>();
  const waiters: (() => void)[] = [];
  let failSends = 0;
  let unavailable = false;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.setEncoding("utf8");
    const say = (s: string) => socket.write(`${s}\r\n`);
    if (unavailable) {
      say("420 Gateway Service Unavailable");
      socket.end();
      return;
    }
    say("220 SNPP Gateway Ready");
    let pagerIds: string[] = [];
    let message: string | undefined;
    let login: string | undefined;
    let buffer = "";
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      for (;;) {
        const i = buffer.indexOf("\n");
        if (i < 0) break;
        const line = buffer.slice(0, i).replace(/\r$/, "");
        buffer = buffer.slice(i + 1);
        lines.push(line);
        const sp = line.indexOf(" ");
        const verb = (sp < 0 ? line : line.slice(0, sp)).slice(0, 4).toUpperCase();
        const arg = sp < 0 ? "" : line.slice(sp + 1);
        switch (verb) {
          case "LOGI": {
            const [id, pw] = arg.split(" ");
            if (opts.login && (id !== opts.login.id || pw !== opts.login.password)) {
              say("550 Error, Invalid Login");
            } else {
              login = id;
              say("250 Login Accepted");
            }
            break;
          }
          case "PAGE":
            if (opts.login && login === undefined) say("554 Error, Login Required");
            else if (!arg || (opts.validPagers && !opts.validPagers.has(arg))) say("550 Error, Invalid Pager ID");
            else {
              pagerIds.push(arg);
              say("250 Pager ID Accepted");
            }
            break;
          case "MESS":
            if (message !== undefined) say("503 Error, Already Entered");
            else if (!arg) say("550 Error, Invalid Message");
            else {
              message = arg;
              say("250 Message OK");
            }
            break;
          case "RESE":
            pagerIds = [];
            message = undefined;
            say("250 RESET OK");
            break;
          case "SEND":
            if (pagerIds.length === 0 || message === undefined) say("503 Error, Pager ID or Message Incomplete");
            else if (failSends > 0) {
              failSends--;
              say("554 Error, failed (technical reason)");
            } else {
              pages.push({ pagerIds, message, login });
              for (const w of waiters.splice(0)) w();
              say("250 Message Sent Successfully");
            }
            pagerIds = [];
            message = undefined;
            break;
          case "HELP":
            say("214 PAGEr <pager ID>");
            say("214 MESSage <message>");
            say("214 SEND");
            say("214 QUIT");
            say("250 End of Help Information");
            break;
          case "QUIT":
            say("221 OK, Goodbye");
            socket.end();
            break;
          default:
            say("500 Command Not Implemented");
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    pages,
    lines,
    failNextSends(n) {
      failSends = n;
    },
    setUnavailable(v) {
      unavailable = v;
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (pages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`snpp: expected ${count} pages, got ${pages.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return pages.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
