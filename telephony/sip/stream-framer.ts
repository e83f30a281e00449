/**
 * Cuts a byte stream into SIP messages by Content-Length: "In the case of stream-oriented
 * transports such as TCP, the Content-Length header field indicates the size of the body.
 * All stream-oriented transports MUST use Content-Length" — RFC 3261 §18.3.
 *
 * When framing is lost (no or bad Content-Length, a header section beyond the limit) the
 * framer says so and the connection is closed: nothing after that point can be trusted.
 */
const CRLFCRLF = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH_RE = /\r\n(?:content-length|l)[ \t]*:[ \t]*(?:\r\n[ \t]+)?([^\r\n]*)/i;

export type FramerOutput = { kind: "message"; data: Buffer } | { kind: "error"; error: string; data: Buffer };

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;
  private broken = false;

  constructor(opts: { maxHeaderBytes?: number; maxBodyBytes?: number } = {}) {
    this.maxHeaderBytes = opts.maxHeaderBytes ?? 65536;
    this.maxBodyBytes = opts.maxBodyBytes ?? 1 << 20;
  }

  /** Adds bytes and returns every complete message (or one error, after which it stops). */
  push(chunk: Buffer): FramerOutput[] {
    if (this.broken) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: FramerOutput[] = [];
    for (;;) {
      // Keep-alive CRLFs between messages (RFC 5626 §3.5.1) are skipped.
      let start = 0;
      while (start + 1 < this.buf.length && this.buf[start] === 0x0d && this.buf[start + 1] === 0x0a) start += 2;
      if (start > 0) this.buf = this.buf.subarray(start);
      const headEnd = this.buf.indexOf(CRLFCRLF);
      if (headEnd < 0) {
        if (this.buf.length > this.maxHeaderBytes) return this.fail(out, "header section too large");
        return out;
      }
      if (headEnd > this.maxHeaderBytes) return this.fail(out, "header section too large");
      const head = this.buf.toString("latin1", 0, headEnd + 2);
      const m = CONTENT_LENGTH_RE.exec(head);
      if (!m) return this.fail(out, "no Content-Length on a stream");
      const cl = (m[1] as string).trim();
      if (!/^\d+$/.test(cl) || Number(cl) > this.maxBodyBytes) return this.fail(out, "bad Content-Length");
      const total = headEnd + 4 + Number(cl);
      if (this.buf.length < total) return out;
      out.push({ kind: "message", data: Buffer.from(this.buf.subarray(0, total)) });
      this.buf = this.buf.subarray(total);
      if (this.buf.length === 0) return out;
    }
  }

  private fail(out: FramerOutput[], error: string): FramerOutput[] {
    this.broken = true;
    out.push({ kind: "error", error, data: this.buf });
    this.buf = Buffer.alloc(0);
    return out;
  }
}
