/**
 * A real SMTP server (npm smtp-server) for tests: optional authentication, optional STARTTLS
 * with a self-signed certificate made on the spot by openssl, and a list of what it received.
 * Binds 127.0.0.1; port 0 unless a port is given (to bring a server "back" on the same port).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The authenticated user, if any. */
  user: string | undefined;
  /** Whether the session was encrypted (implicit TLS or STARTTLS). */
  secure: boolean;
  headers: Map<string, string>;
  subject: string;
  /** Body with quoted-printable decoded. */
  text: string;
  raw: string;
}

export interface TestSmtpOptions {
  port?: number;
  auth?: { user: string; pass: string };
  /** Key and certificate: STARTTLS offered (and required for AUTH). */
  tls?: { key: string; cert: string };
  /** With `tls`: TLS from the first byte (as on port 465) instead of STARTTLS. */
  implicitTls?: boolean;
  /** Reply to RCPT TO with this SMTP code (e.g. 550) for these addresses. */
  rejectRecipients?: Map<string, number>;
}

export interface TestSmtpServer {
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** Resolves with the next message (or one already received beyond `already`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpServer(opts: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    secure: Boolean(opts.tls && opts.implicitTls),
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    disabledCommands: opts.tls ? [] : ["STARTTLS"],
    authOptional: !opts.auth,
    // Without TLS the test still exercises AUTH, over the loopback only.
    allowInsecureAuth: !opts.tls,
    logger: false,
    // A reverse DNS lookup of 127.0.0.1 per connection only slows the tests down.
    disableReverseLookup: true,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        cb(null, { user: auth.username });
      } else {
        cb(new Error("Invalid username or password"));
      }
    },
    onRcptTo(address, _session, cb) {
      const code = opts.rejectRecipients?.get(address.address);
      if (code) {
        const err = new Error(`mailbox ${address.address} unavailable`) as Error & { responseCode: number };
        err.responseCode = code;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        messages.push(parseMail(raw, session));
        for (const w of waiters.splice(0)) w();
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.server.address() as net.AddressInfo;
  return {
    port: address.port,
    messages,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`smtp: expected ${count} messages, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return messages.slice(0, count);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseMail(
  raw: string,
  session: {
    envelope: { mailFrom: false | { address: string }; rcptTo: { address: string }[] };
    user?: unknown;
    secure: boolean;
  },
): ReceivedMail {
  const split = raw.indexOf("\r\n\r\n");
  const head = split >= 0 ? raw.slice(0, split) : raw;
  let body = split >= 0 ? raw.slice(split + 4) : "";
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  if ((headers.get("content-transfer-encoding") ?? "").toLowerCase() === "quoted-printable") {
    body = body
      .replace(/=\r\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    body = Buffer.from(body, "latin1").toString("utf8");
  }
  return {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
    to: session.envelope.rcptTo.map((r) => r.address),
    user: typeof session.user === "string" ? session.user : undefined,
    secure: session.secure,
    headers,
    subject: headers.get("subject") ?? "",
    text: body,
    raw,
  };
}

/**
 * A throw-away self-signed certificate for "localhost" and 127.0.0.1, or undefined when openssl
 * is not installed.
 */
export function makeSelfSignedCert(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-cert-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(path.join(dir, "key.pem"), "utf8"),
      cert: readFileSync(path.join(dir, "cert.pem"), "utf8"),
    };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A port nothing listens on right now (for a server that is "down" and comes back later). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
