/**
 * A WCTP gateway for tests: accepts `wctp-Operation` / `wctp-SubmitRequest` XML by HTTP POST,
 * answers `wctp-SubmitRequestResponse` with a `wctp-Confirmation` (`wctp-Success`) or a
 * `wctp-Failure`, and records every submission.
 */
import http from "node:http";
import type net from "node:net";

export interface ReceivedSubmission {
  senderId: string;
  securityCode: string | undefined;
  recipientId: string;
  messageId: string;
  submitTimestamp: string;
  text: string;
  contentType: string;
  xml: string;
}

export interface TestWctpOptions {
  /** Recipient IDs it knows; any other gets wctp-Failure 401. Absent = all. */
  validRecipients?: Set<string>;
  /** Required originator securityCode; a wrong one gets wctp-Failure 303 (not authorised). */
  securityCode?: string;
}

export interface TestWctpServer {
  readonly url: string;
  readonly submissions: ReceivedSubmission[];
  /** The next `n` submissions get wctp-Failure 604 (gateway unable to deliver now). */
  failNext(n: number): void;
  /** The next `n` requests get HTTP 503 with no WCTP body. */
  httpErrorNext(n: number): void;
  close(): Promise<void>;
}

const unescapeXml = (s: string) =>
  s
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");

function attr(xml: string, element: string, name: string): string | undefined {
  const el = new RegExp(`<${element}\\b[^>]*>`).exec(xml)?.[0];
  if (!el) return undefined;
  const m = new RegExp(`\\b${name}="([^"]*)"`).exec(el);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

function reply(body: string): string {
  return `<?xml version="1.0"?>\n<!DOCTYPE wctp-Operation SYSTEM "http://dtd.wctp.org/wctp-dtd-v1r1.dtd">\n<wctp-Operation wctpVersion="wctp-dtd-v1r1">${body}</wctp-Operation>\n`;
}

const success = reply(
  '<wctp-SubmitRequestResponse><wctp-Confirmation><wctp-Success successCode="200" successText="Message accepted"/></wctp-Confirmation></wctp-SubmitRequestResponse>',
);
const failure = (code: number, text: string) =>
  reply(
    `<wctp-SubmitRequestResponse><wctp-Failure errorCode="${code}" errorText="${text}"/></wctp-SubmitRequestResponse>`,
  );

export async function startWctpServer(opts: TestWctpOptions = {}): Promise<TestWctpServer> {
  const submissions: ReceivedSubmission[] = [];
  let failCount = 0;
  let httpErrors = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: string) => {
        res.writeHead(status, { "content-type": "text/xml; charset=utf-8" });
        res.end(body);
      };
      if (req.method !== "POST" || req.url !== "/wctp") return send(404, "");
      if (httpErrors > 0) {
        httpErrors--;
        return send(503, "");
      }
      const xml = Buffer.concat(chunks).toString("utf8");
      if (!/<wctp-Operation\b[^>]*wctpVersion="wctp-dtd-v1r1"/.test(xml) || !/<wctp-SubmitRequest>/.test(xml)) {
        return send(200, failure(300, "Invalid wctp-Operation"));
      }
      const recipientId = attr(xml, "wctp-Recipient", "recipientID") ?? "";
      const securityCode = attr(xml, "wctp-Originator", "securityCode");
      const text = /<wctp-Alphanumeric>([\s\S]*?)<\/wctp-Alphanumeric>/.exec(xml)?.[1];
      if (opts.securityCode !== undefined && securityCode !== opts.securityCode) {
        return send(200, failure(303, "Originator not authorised"));
      }
      if (!recipientId || (opts.validRecipients && !opts.validRecipients.has(recipientId))) {
        return send(200, failure(401, "Invalid recipient ID"));
      }
      if (text === undefined) return send(200, failure(302, "Missing payload"));
      if (failCount > 0) {
        failCount--;
        return send(200, failure(604, "Unable to deliver at this time"));
      }
      submissions.push({
        senderId: attr(xml, "wctp-Originator", "senderID") ?? "",
        securityCode,
        recipientId,
        messageId: attr(xml, "wctp-MessageControl", "messageID") ?? "",
        submitTimestamp: attr(xml, "wctp-SubmitHeader", "submitTimestamp") ?? "",
        text: unescapeXml(text),
        contentType: req.headers["content-type"] ?? "",
        xml,
      });
      send(200, success);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/wctp`,
    submissions,
    failNext(n) {
      failCount = n;
    },
    httpErrorNext(n) {
      httpErrors = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
