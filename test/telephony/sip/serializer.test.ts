/**
 * The serializer writes a received message from the bytes it arrived as while no header has
 * changed, and from its fields as soon as one has: either way the output is what
 * `serializeHead` + body would produce.
 */
import test from "ava";
import { INVITE, OK } from "../../../bench/sip.bench.ts";
import type { SipMessage } from "../../../telephony/sip/message.ts";
import { parseMessage } from "../../../telephony/sip/parser.ts";
import { serializeHead, serializeMessage } from "../../../telephony/sip/serializer.ts";

function parse(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error(r.error);
  return r.message;
}

/** What the serializer writes from the fields alone. */
function fromFields(m: SipMessage): Buffer {
  return Buffer.concat([Buffer.from(serializeHead(m), "utf8"), m.body]);
}

test("an untouched INVITE and 200 OK serialize to the bytes they arrived as", (t) => {
  for (const text of [INVITE, OK]) {
    const m = parse(text);
    t.not(m.unchangedRaw(), undefined);
    t.is(serializeMessage(m).toString("utf8"), text);
    t.deepEqual(serializeMessage(m), fromFields(m));
  }
});

test("the received bytes are not reused once a header value, a field, the start line or the body changes", (t) => {
  const cases: Array<[string, (m: SipMessage) => void]> = [
    [
      "value changed in place",
      (m) => {
        const f = m.headers.fields.find((x) => x.key === "via");
        if (f) f.value = `${f.value};received=10.0.0.9`;
      },
    ],
    ["field appended", (m) => m.headers.append("Subject", "x")],
    ["field removed", (m) => m.headers.remove("Allow")],
    ["header set", (m) => m.headers.set("Max-Forwards", "69")],
    [
      "start line",
      (m) => {
        if (m.kind === "request") m.uri = "sip:other@controller.yardline.local";
        else m.reason = "Fine";
      },
    ],
    [
      "body replaced",
      (m) => {
        m.body = Buffer.from("v=0\r\n");
      },
    ],
  ];
  for (const text of [INVITE, OK]) {
    for (const [what, change] of cases) {
      const m = parse(text);
      change(m);
      const out = serializeMessage(m);
      t.deepEqual(out, fromFields(m), what);
      t.not(out.toString("utf8"), text, what);
    }
  }
});

test("a message whose header section is not written the serializer's way is serialized from its fields", (t) => {
  const variants = [
    INVITE.replace("Max-Forwards: 70", "max-forwards: 70"),
    INVITE.replace("Max-Forwards: 70", "Max-Forwards:70"),
    INVITE.replace("Max-Forwards: 70", "Max-Forwards : 70"),
    INVITE.replace("Max-Forwards: 70", "Max-Forwards: 70 "),
    INVITE.replace("Call-ID:", "i:"),
    INVITE.replace("Content-Type: application/sdp\r\n", "").replace("\r\n\r\n", "\r\nContent-Type: application/sdp\r\n\r\n"),
    INVITE.replace("Supported: replaces, timer", "Supported: replaces,\r\n timer"),
    OK.replace("SIP/2.0 200 OK", "SIP/2.0 200"),
  ];
  for (const text of variants) {
    const m = parse(text);
    t.is(m.unchangedRaw(), undefined, text.slice(0, 80));
    t.deepEqual(serializeMessage(m), fromFields(m));
  }
});

test("a datagram without Content-Length, or with one written with leading zeros, gets it rewritten", (t) => {
  const noLength = INVITE.replace(/Content-Length: \d+\r\n/, "");
  const m = parse(noLength);
  t.is(m.unchangedRaw(), undefined);
  t.true(serializeMessage(m).toString("utf8").includes(`Content-Length: ${m.body.length}\r\n\r\n`));
  const padded = parse(INVITE.replace(/Content-Length: (\d+)/, "Content-Length: 0$1"));
  t.is(padded.unchangedRaw(), undefined);
  t.deepEqual(serializeMessage(padded), fromFields(padded));
});

test("a header section that is not valid UTF-8 is never copied as received", (t) => {
  const bytes = Buffer.from(INVITE.replace("Yardline/0.1", "Yardline/0.1 \u00ff"), "latin1");
  const r = parseMessage(bytes);
  if (!r.ok) return t.fail(r.error);
  t.is(r.message.unchangedRaw(), undefined);
  t.deepEqual(serializeMessage(r.message), fromFields(r.message));
});
