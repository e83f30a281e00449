/**
 * RFC 4475 "SIP Torture Test Messages", written out as fixture files (CRLF kept exact).
 * §3.1.1 valid messages must parse; §3.1.2 / §3.3 invalid ones must be rejected, with the
 * status RFC 4475 asks an element to answer where the request can be answered.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import type { SipUri } from "../../../telephony/sip/uri.ts";
import { parseMessage } from "../../../telephony/sip/parser.ts";
import { serializeMessage } from "../../../telephony/sip/serializer.ts";

const dir = join(import.meta.dirname, "../../fixtures/sip");
const load = (kind: string, name: string) => readFileSync(join(dir, kind, `${name}.dat`));

const VALID = readdirSync(join(dir, "valid")).map((f) => f.replace(/\.dat$/, ""));
const INVALID = readdirSync(join(dir, "invalid")).map((f) => f.replace(/\.dat$/, ""));

/** What RFC 4475 says an element should do with each invalid message. */
const EXPECTED: Record<string, 400 | 505 | "drop"> = {
  badinv01: 400,
  clerr: 400,
  ncl: 400,
  scalar02: 400,
  scalarlg: "drop", // a response: nothing to answer
  quotbal: 400,
  ltgtruri: 400,
  lwsruri: 400,
  lwsstart: 400,
  trws: 400,
  escruri: 400,
  baddate: 400,
  regbadct: 400,
  badaspec: 400,
  baddn: 400,
  badvers: 505,
  mismatch01: 400,
  mismatch02: 400,
  bigcode: "drop",
  multi01: 400,
  mcl01: 400,
  insuf: 400,
};

test("every invalid fixture has an expectation", (t) => {
  t.deepEqual(INVALID.sort(), Object.keys(EXPECTED).sort());
  t.true(VALID.length >= 13);
});

for (const name of VALID) {
  test(`RFC 4475 valid message ${name} parses and survives a serialize/parse round trip`, (t) => {
    const r = parseMessage(load("valid", name));
    if (!r.ok) return t.fail(r.error);
    const again = parseMessage(serializeMessage(r.message));
    if (!again.ok) return t.fail(`round trip: ${again.error}`);
    t.is(again.message.callId, r.message.callId);
    t.deepEqual(again.message.body, r.message.body);
  });
}

for (const name of INVALID) {
  test(`RFC 4475 invalid message ${name} is rejected (${EXPECTED[name]})`, (t) => {
    const r = parseMessage(load("invalid", name));
    t.false(r.ok);
    if (r.ok) return;
    const want = EXPECTED[name];
    if (want === "drop") t.is(r.status, undefined);
    else t.is(r.status, want);
  });
}

test("wsinv: folded lines, odd whitespace and compact forms are read as their values", (t) => {
  const r = parseMessage(load("valid", "wsinv"));
  if (!r.ok) return t.fail(r.error);
  const m = r.message;
  t.is(m.to.tag, "1918181833n");
  t.is(m.from.tag, "98asjd8");
  t.is(m.from.displayName, 'J Rosenberg \\"');
  t.deepEqual(m.cseq, { seq: 9, method: "INVITE" });
  t.is(m.headers.get("max-forwards"), "0068");
  t.is(m.vias.length, 3);
  t.is(m.vias[1]?.transport, "TCP");
  t.is(m.vias[1]?.branch, "z9hG4bK9ikj8");
  t.is(m.vias[2]?.host, "192.168.255.111");
  t.is(m.vias[2]?.branch, "z9hG4bK30239");
  t.is(m.contact?.displayName, 'Quoted string ""');
  t.is(m.contact?.params.get("q"), "0.33");
  t.is(m.headers.get("NewFangledHeader"), "newfangled value continued newfangled value");
  t.is(m.headers.get("subject"), "");
});

test("intmeth: an unusual method, token display names and escaped control characters", (t) => {
  const r = parseMessage(load("valid", "intmeth"));
  if (!r.ok) return t.fail(r.error);
  if (r.message.kind !== "request") return t.fail("not a request");
  t.is(r.message.method, "!interesting-Method0123456789_*+`.%indeed'~");
  t.is(r.message.to.displayName, "BEL:\x07 NUL:\x00 DEL:\x7f");
  t.is(r.message.from.displayName, "token1~` token2'+_ token3*%!.-");
  t.is(r.message.from.tag, "_token~1'+`*%!-.");
  const uri = r.message.requestUri as SipUri;
  t.is(uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
});

test("esc01 and semiuri: escaped characters and semicolons in the user part", (t) => {
  const esc = parseMessage(load("valid", "esc01"));
  if (!esc.ok || esc.message.kind !== "request") return t.fail();
  t.is((esc.message.requestUri as SipUri).user, "sips%3Auser%40example.com");
  t.is(esc.message.headers.get("content-type"), "application/sdp");
  const semi = parseMessage(load("valid", "semiuri"));
  if (!semi.ok || semi.message.kind !== "request") return t.fail();
  const uri = semi.message.requestUri as SipUri;
  t.is(uri.user, "user;par=u%40example.net");
  t.is(uri.host, "example.com");
});

test("dblreq: bytes after Content-Length in a datagram are discarded", (t) => {
  const r = parseMessage(load("valid", "dblreq"));
  if (!r.ok || r.message.kind !== "request") return t.fail();
  t.is(r.message.method, "REGISTER");
  t.is(r.message.body.length, 0);
});

test("mpart01: a binary multipart body is kept byte for byte", (t) => {
  const raw = load("valid", "mpart01");
  const r = parseMessage(raw);
  if (!r.ok) return t.fail(r.error);
  const start = raw.indexOf("\r\n\r\n") + 4;
  t.deepEqual(r.message.body, raw.subarray(start));
  t.true(r.message.body.includes(Buffer.from([0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0xff])));
});

test("unreason and noreason: UTF-8 and empty reason phrases", (t) => {
  const u = parseMessage(load("valid", "unreason"));
  if (!u.ok || u.message.kind !== "response") return t.fail();
  t.is(u.message.status, 200);
  t.true(u.message.reason.includes("сто девяносто девять"));
  const n = parseMessage(load("valid", "noreason"));
  if (!n.ok || n.message.kind !== "response") return t.fail();
  t.is(n.message.status, 100);
  t.is(n.message.reason, "");
});

test("transports: unknown transport tokens in Via are accepted", (t) => {
  const r = parseMessage(load("valid", "transports"));
  if (!r.ok) return t.fail();
  t.deepEqual(
    r.message.vias.map((v) => v.transport),
    ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"],
  );
});
