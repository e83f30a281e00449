/**
 * Matching in the transaction layer (RFC 3261 §17.1.3, §17.2.3) over an in-memory transport:
 * which server transaction a request belongs to, which client transaction a response belongs
 * to, and what goes up to the core.
 */
import test from "ava";
import { VirtualClock } from "../../../telephony/clock.ts";
import { createResponse, type SipMessage, type SipRequest, type SipResponse } from "../../../telephony/sip/message.ts";
import { parseMessage } from "../../../telephony/sip/parser.ts";
import { serializeMessage } from "../../../telephony/sip/serializer.ts";
import { type ServerTransaction, TransactionLayer } from "../../../telephony/sip/transaction-layer.ts";
import {
  emptyStats,
  type ReceivedMessage,
  type SipAddress,
  type SipTransport,
} from "../../../telephony/sip/transport.ts";

class MemoryTransport implements SipTransport {
  readonly protocol = "UDP";
  readonly reliable = false;
  readonly local = { address: "127.0.0.1", port: 5060 };
  readonly publicAddress = "127.0.0.1";
  readonly stats = emptyStats();
  readonly sent: { msg: SipMessage; dest: SipAddress }[] = [];
  private handler: ((m: ReceivedMessage) => void) | undefined;
  onMessage(h: (m: ReceivedMessage) => void): void {
    this.handler = h;
  }
  async send(msg: SipMessage | Buffer, dest: SipAddress): Promise<void> {
    const r = parseMessage(Buffer.isBuffer(msg) ? msg : serializeMessage(msg));
    if (r.ok) this.sent.push({ msg: r.message, dest });
  }
  async close(): Promise<void> {}
  inject(raw: string, source: SipAddress = { address: "127.0.0.1", port: 5070 }): void {
    const r = parseMessage(Buffer.from(raw));
    if (!r.ok) throw new Error(r.error);
    this.handler?.({ message: r.message, source, transport: this });
  }
}

const req = (method: string, branch: string, cseqMethod = method, toTag = "") =>
  [
    `${method} sip:bob@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}`,
    "Max-Forwards: 70",
    `To: <sip:bob@127.0.0.1>${toTag}`,
    "From: <sip:alice@127.0.0.1>;tag=a",
    "Call-ID: match-1",
    `CSeq: 1 ${cseqMethod}`,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");

function setup() {
  const clock = new VirtualClock();
  const transport = new MemoryTransport();
  const layer = new TransactionLayer({ clock, transports: [transport] });
  const requests: { req: SipRequest; tx: ServerTransaction }[] = [];
  const acks: SipRequest[] = [];
  const strays: SipResponse[] = [];
  layer.setCore({
    onRequest: (r, tx) => requests.push({ req: r, tx }),
    onAck: (r) => acks.push(r),
    onStrayResponse: (r) => strays.push(r),
  });
  return { clock, transport, layer, requests, acks, strays };
}

test("a retransmitted request matches its server transaction and does not reach the core again", (t) => {
  const s = setup();
  s.transport.inject(req("OPTIONS", "z9hG4bKr1"));
  s.transport.inject(req("OPTIONS", "z9hG4bKr1"));
  t.is(s.requests.length, 1);
  t.is(s.layer.size.servers, 1);
});

test("a CANCEL with the INVITE's branch is its own transaction, and findInviteServer finds the INVITE", (t) => {
  const s = setup();
  s.transport.inject(req("INVITE", "z9hG4bKc1"));
  s.transport.inject(req("CANCEL", "z9hG4bKc1"));
  t.deepEqual(
    s.requests.map((r) => r.req.method),
    ["INVITE", "CANCEL"],
  );
  const cancel = s.requests[1]?.req as SipRequest;
  t.is(s.layer.findInviteServer(cancel) as ServerTransaction | undefined, s.requests[0]?.tx);
});

test("the ACK for a non-2xx final response matches the INVITE server transaction (method INVITE for ACK)", (t) => {
  const s = setup();
  s.transport.inject(req("INVITE", "z9hG4bKa1"));
  const inv = s.requests[0] as { req: SipRequest; tx: ServerTransaction };
  inv.tx.respond(createResponse(inv.req, 486, { toTag: "b" }));
  s.transport.inject(req("ACK", "z9hG4bKa1", "ACK", ";tag=b"));
  t.is(s.acks.length, 0);
  t.is(inv.tx.state, "confirmed");
});

test("an ACK with a new branch (the ACK for a 2xx) matches no transaction and goes to the core", (t) => {
  const s = setup();
  s.transport.inject(req("ACK", "z9hG4bKnew", "ACK", ";tag=b"));
  t.is(s.acks.length, 1);
  t.is(s.requests.length, 0);
});

test("the same branch from a different sent-by is a different transaction", (t) => {
  const s = setup();
  s.transport.inject(req("OPTIONS", "z9hG4bKdup"));
  s.transport.inject(req("OPTIONS", "z9hG4bKdup").replace("127.0.0.1:5070;", "127.0.0.1:5071;"));
  t.is(s.requests.length, 2);
});

test("an RFC 2543 request without the magic cookie is matched by Call-ID, From tag, CSeq and Via", (t) => {
  const s = setup();
  s.transport.inject(req("OPTIONS", "oldstyle1"));
  s.transport.inject(req("OPTIONS", "oldstyle1"));
  t.is(s.requests.length, 1);
});

test("a response matches the client transaction by branch and CSeq method; others go to the core as strays", async (t) => {
  const s = setup();
  const r = parseMessage(Buffer.from(req("OPTIONS", "unused")));
  if (!r.ok || r.message.kind !== "request") return t.fail();
  const out = r.message;
  out.headers.remove("via");
  out.invalidate();
  const got: number[] = [];
  await s.layer.request(
    out,
    { onResponse: (res) => got.push(res.status), onTimeout: () => undefined, onTransportError: () => undefined },
    { destination: { transport: s.transport, address: { address: "127.0.0.1", port: 5070 } } },
  );
  const sent = s.transport.sent[0]?.msg as SipRequest;
  const branch = sent.topVia?.branch as string;
  t.true(branch.startsWith("z9hG4bK"));
  t.true(sent.headers.get("via")?.includes(";rport"));
  const ok = serializeMessage(createResponse(sent, 200, { toTag: "x" })).toString();
  s.transport.inject(ok.replace("CSeq: 1 OPTIONS", "CSeq: 1 INFO"));
  t.deepEqual(got, []);
  t.is(s.strays.length, 1);
  s.transport.inject(ok);
  t.deepEqual(got, [200]);
});

test("a response with more than one Via is discarded (RFC 3261 §8.1.3.3)", (t) => {
  const s = setup();
  const raw = [
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx",
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKy",
    "To: <sip:bob@127.0.0.1>;tag=b",
    "From: <sip:alice@127.0.0.1>;tag=a",
    "Call-ID: two-vias",
    "CSeq: 1 INVITE",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  s.transport.inject(raw);
  t.is(s.strays.length, 0);
});
