/**
 * SipMessage → bytes (RFC 3261 §7). Content-Length is always written from the body: "The
 * Content-Length header field value ... MUST be used" over streams, and is RECOMMENDED over
 * UDP (RFC 3261 §18.3, §20.14).
 */
import type { SipMessage } from "./message.ts";

export function serializeHead(msg: SipMessage): string {
  let s = msg.kind === "request" ? `${msg.method} ${msg.uri} SIP/2.0\r\n` : `SIP/2.0 ${msg.status} ${msg.reason}\r\n`;
  for (const f of msg.headers.fields) {
    if (f.key === "content-length") continue;
    s += `${f.name}: ${f.value}\r\n`;
  }
  s += `Content-Length: ${msg.body.length}\r\n\r\n`;
  return s;
}

export function serializeMessage(msg: SipMessage): Buffer {
  // A received message whose header fields are untouched (a request relayed or answered from
  // its own bytes) is written from the bytes it arrived as: they are what serializeHead would
  // produce, which the parser checked before keeping them.
  const raw = msg.unchangedRaw();
  if (raw !== undefined) {
    const out = Buffer.allocUnsafe(raw.length + msg.body.length);
    raw.copy(out, 0);
    msg.body.copy(out, raw.length);
    return out;
  }
  const head = serializeHead(msg);
  if (msg.body.length === 0) return Buffer.from(head, "utf8");
  const headLen = Buffer.byteLength(head, "utf8");
  const out = Buffer.allocUnsafe(headLen + msg.body.length);
  out.write(head, 0, "utf8");
  msg.body.copy(out, headLen);
  return out;
}
