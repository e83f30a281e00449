/**
 * The four transaction state machines of RFC 3261 §17 in virtual time. Each test is named
 * after the sentence of the RFC it checks.
 */
import test from "ava";
import { VirtualClock } from "../../../telephony/clock.ts";
import { InviteClientTransaction } from "../../../telephony/sip/invite-client-transaction.ts";
import { InviteServerTransaction } from "../../../telephony/sip/invite-server-transaction.ts";
import { createResponse, type SipMessage, type SipRequest, type SipResponse } from "../../../telephony/sip/message.ts";
import { NonInviteClientTransaction } from "../../../telephony/sip/non-invite-client-transaction.ts";
import { NonInviteServerTransaction } from "../../../telephony/sip/non-invite-server-transaction.ts";
import { parseMessage } from "../../../telephony/sip/parser.ts";
import { DEFAULT_TIMERS, IllegalTransitionError, type TransactionContext } from "../../../telephony/sip/transaction.ts";

function request(method: string): SipRequest {
  const raw = [
    `${method} sip:bob@127.0.0.1 SIP/2.0`,
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtest1",
    "To: <sip:bob@127.0.0.1>",
    "From: <sip:alice@127.0.0.1>;tag=a1",
    "Call-ID: tx-test",
    `CSeq: 1 ${method}`,
    "Route: <sip:127.0.0.1:5080;lr>",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  const r = parseMessage(Buffer.from(raw));
  if (!r.ok || r.message.kind !== "request") throw new Error("fixture");
  return r.message;
}

function harness(reliable = false) {
  const clock = new VirtualClock();
  const t0 = clock.monotonic();
  const sent: { at: number; msg: SipMessage | Buffer }[] = [];
  let terminatedAt: number | undefined;
  const ctx: TransactionContext = {
    clock,
    timers: DEFAULT_TIMERS,
    reliable,
    send: async (msg) => {
      sent.push({ at: clock.monotonic() - t0, msg });
    },
    terminated: () => {
      terminatedAt = clock.monotonic() - t0;
    },
  };
  const events: string[] = [];
  const responses: SipResponse[] = [];
  const user = {
    onResponse: (r: SipResponse) => {
      responses.push(r);
      events.push(`response ${r.status}`);
    },
    onTimeout: () => events.push(`timeout@${clock.monotonic() - t0}`),
    onTransportError: (e: Error) => events.push(`transport ${e.message}`),
  };
  return { clock, ctx, sent, events, responses, user, terminated: () => terminatedAt };
}

const withTag = (res: SipResponse) => {
  res.headers.set("To", `${res.headers.get("to")};tag=b1`);
  return res;
};

// ---- INVITE client (§17.1.1) ----

test("an INVITE client transaction retransmits with Timer A doubling from T1 while in Calling", (t) => {
  const h = harness();
  const tx = new InviteClientTransaction(request("INVITE"), h.ctx, h.user);
  tx.start();
  h.clock.advance(16_000);
  t.deepEqual(
    h.sent.map((s) => s.at),
    [0, 500, 1500, 3500, 7500, 15500],
  );
});

test("an INVITE client transaction that receives no response stops at Timer B (64*T1) and reports a timeout", (t) => {
  const h = harness();
  const tx = new InviteClientTransaction(request("INVITE"), h.ctx, h.user);
  tx.start();
  h.clock.advance(64 * 500 - 1);
  t.is(tx.state, "calling");
  h.clock.advance(1);
  t.is(tx.state, "terminated");
  t.deepEqual(h.events, ["timeout@32000"]);
  // Timer A stops doubling at B: 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s — seven transmissions.
  t.is(h.sent.length, 7);
  t.is(h.clock.pending(), 0);
});

test("an INVITE client transaction moves to Proceeding on a provisional response and stops retransmitting", (t) => {
  const h = harness();
  const req = request("INVITE");
  const tx = new InviteClientTransaction(req, h.ctx, h.user);
  tx.start();
  h.clock.advance(600);
  tx.receiveResponse(createResponse(req, 180));
  t.is(tx.state, "proceeding");
  h.clock.advance(60_000);
  t.is(h.sent.length, 2);
  t.is(tx.state, "proceeding");
  t.deepEqual(h.events, ["response 180"]);
});

test("reception of a 2xx response MUST cause the INVITE client transaction to enter the Terminated state and be passed up", (t) => {
  const h = harness();
  const req = request("INVITE");
  const tx = new InviteClientTransaction(req, h.ctx, h.user);
  tx.start();
  tx.receiveResponse(createResponse(req, 180));
  tx.receiveResponse(withTag(createResponse(req, 200)));
  t.is(tx.state, "terminated");
  t.deepEqual(h.events, ["response 180", "response 200"]);
  // The transaction does not ACK a 2xx: that is the core's job (§13.2.2.4).
  t.is(h.sent.length, 1);
});

test("the INVITE client transaction ACKs a 300-699 response itself, re-ACKs retransmissions without passing them up, and Timer D ends it after 32 s", (t) => {
  const h = harness();
  const req = request("INVITE");
  const tx = new InviteClientTransaction(req, h.ctx, h.user);
  tx.start();
  h.clock.advance(100);
  const busy = withTag(createResponse(req, 486));
  tx.receiveResponse(busy);
  t.is(tx.state, "completed");
  const ack = h.sent[1]?.msg as SipRequest;
  t.is(ack.method, "ACK");
  t.is(ack.uri, req.uri);
  t.is(ack.cseq.seq, 1);
  t.is(ack.cseq.method, "ACK");
  t.is(ack.to.tag, "b1");
  t.is(ack.vias.length, 1);
  t.is(ack.topVia?.branch, "z9hG4bKtest1");
  t.is(ack.headers.get("route"), "<sip:127.0.0.1:5080;lr>");
  tx.receiveResponse(busy);
  t.is(h.sent.length, 3);
  t.deepEqual(h.events, ["response 486"]);
  h.clock.advance(32_000 - 1);
  t.is(tx.state, "completed");
  h.clock.advance(1);
  t.is(tx.state, "terminated");
});

test("over a reliable transport the INVITE client transaction does not retransmit and Timer D is zero", (t) => {
  const h = harness(true);
  const req = request("INVITE");
  const tx = new InviteClientTransaction(req, h.ctx, h.user);
  tx.start();
  h.clock.advance(10_000);
  t.is(h.sent.length, 1);
  tx.receiveResponse(withTag(createResponse(req, 404)));
  h.clock.advance(0);
  t.is(tx.state, "terminated");
});

test("a transport failure on send informs the TU and moves the client transaction to Terminated", async (t) => {
  const h = harness();
  h.ctx.send = async () => {
    throw new Error("ECONNREFUSED");
  };
  const tx = new NonInviteClientTransaction(request("OPTIONS"), h.ctx, h.user);
  tx.start();
  await new Promise((r) => setImmediate(r));
  t.is(tx.state, "terminated");
  t.deepEqual(h.events, ["transport ECONNREFUSED"]);
});

// ---- non-INVITE client (§17.1.2) ----

test("a non-INVITE client transaction retransmits at T2 once Timer E reaches it", (t) => {
  const h = harness();
  const tx = new NonInviteClientTransaction(request("OPTIONS"), h.ctx, h.user);
  tx.start();
  h.clock.advance(20_000);
  t.deepEqual(
    h.sent.map((s) => s.at),
    [0, 500, 1500, 3500, 7500, 11500, 15500, 19500],
  );
});

test("if Timer E fires while in the Proceeding state the request is retransmitted and Timer E reset to T2", (t) => {
  const h = harness();
  const req = request("OPTIONS");
  const tx = new NonInviteClientTransaction(req, h.ctx, h.user);
  tx.start();
  tx.receiveResponse(createResponse(req, 100));
  t.is(tx.state, "proceeding");
  h.clock.advance(9_000);
  // E was armed at T1 in Trying; after it fires in Proceeding it is reset to T2.
  t.deepEqual(
    h.sent.map((s) => s.at),
    [0, 500, 4500, 8500],
  );
});

test("a non-INVITE client transaction with no final response times out at Timer F (64*T1)", (t) => {
  const h = harness();
  const tx = new NonInviteClientTransaction(request("OPTIONS"), h.ctx, h.user);
  tx.start();
  h.clock.advance(32_000);
  t.is(tx.state, "terminated");
  t.deepEqual(h.events, ["timeout@32000"]);
  t.is(h.clock.pending(), 0);
});

test("once the non-INVITE client transaction enters Completed it sets Timer K to T4 and absorbs retransmitted responses", (t) => {
  const h = harness();
  const req = request("OPTIONS");
  const tx = new NonInviteClientTransaction(req, h.ctx, h.user);
  tx.start();
  h.clock.advance(200);
  const ok = withTag(createResponse(req, 200));
  tx.receiveResponse(ok);
  tx.receiveResponse(ok);
  t.deepEqual(h.events, ["response 200"]);
  t.is(tx.state, "completed");
  h.clock.advance(4_999);
  t.is(tx.state, "completed");
  h.clock.advance(1);
  t.is(tx.state, "terminated");
  t.is(h.terminated(), 5200);
  t.is(h.sent.length, 1);
});

// ---- INVITE server (§17.2.1) ----

test("the INVITE server transaction absorbs retransmitted INVITEs by resending the last provisional response", (t) => {
  const h = harness();
  const req = request("INVITE");
  const tx = new InviteServerTransaction(req, h.ctx);
  tx.start();
  t.is((h.sent[0]!.msg as SipResponse).status, 100);
  tx.respond(withTag(createResponse(req, 180)));
  tx.receiveRequest(req);
  tx.receiveRequest(req);
  t.deepEqual(
    h.sent.map((s) => (s.msg as SipResponse).status),
    [100, 180, 180, 180],
  );
  t.is(tx.state, "proceeding");
});

test("a 2xx passed to the INVITE server transaction is sent and the transaction terminates (the TU retransmits it)", (t) => {
  const h = harness();
  const req = request("INVITE");
  const tx = new InviteServerTransaction(req, h.ctx);
  tx.start();
  tx.respond(withTag(createResponse(req, 200)));
  t.is(tx.state, "terminated");
  h.clock.advance(60_000);
  t.is(h.sent.length, 2);
  t.throws(() => tx.respond(createResponse(req, 500)));
});

test("timer G retransmits the final response at MIN(2*T1, T2) intervals until an ACK; Timer H gives up at 64*T1", (t) => {
  const h = harness();
  const req = request("INVITE");
  const tx = new InviteServerTransaction(req, h.ctx);
  const failures: string[] = [];
  tx.setUser({ onFailure: (why) => failures.push(why) });
  tx.start();
  tx.respond(withTag(createResponse(req, 486)));
  t.is(tx.state, "completed");
  h.clock.advance(32_000);
  const finals = h.sent.filter((s) => (s.msg as SipResponse).status === 486).map((s) => s.at);
  t.deepEqual(finals, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  t.is(tx.state, "terminated");
  t.deepEqual(failures, ["timeout"]);
});

test("an ACK in Completed moves the INVITE server transaction to Confirmed; Timer I (T4) then terminates it and absorbs further ACKs", (t) => {
  const h = harness();
  const req = request("INVITE");
  const tx = new InviteServerTransaction(req, h.ctx);
  tx.start();
  tx.respond(withTag(createResponse(req, 603)));
  h.clock.advance(700);
  const ack = request("ACK");
  tx.receiveRequest(ack);
  t.is(tx.state, "confirmed");
  const sentBefore = h.sent.length;
  tx.receiveRequest(ack);
  h.clock.advance(4_999);
  t.is(h.sent.length, sentBefore);
  t.is(tx.state, "confirmed");
  h.clock.advance(1);
  t.is(tx.state, "terminated");
});

test("while in Completed a retransmitted INVITE makes the INVITE server transaction resend its final response", (t) => {
  const h = harness();
  const req = request("INVITE");
  const tx = new InviteServerTransaction(req, h.ctx);
  tx.start();
  tx.respond(withTag(createResponse(req, 404)));
  tx.receiveRequest(req);
  t.deepEqual(
    h.sent.map((s) => (s.msg as SipResponse).status),
    [100, 404, 404],
  );
});

// ---- non-INVITE server (§17.2.2) ----

test("once in the Trying state any further request retransmissions are discarded by the non-INVITE server transaction", (t) => {
  const h = harness();
  const req = request("OPTIONS");
  const tx = new NonInviteServerTransaction(req, h.ctx);
  tx.receiveRequest(req);
  tx.receiveRequest(req);
  t.is(h.sent.length, 0);
  t.is(tx.state, "trying");
});

test("the non-INVITE server transaction resends its final response on retransmissions and Timer J (64*T1) terminates it", (t) => {
  const h = harness();
  const req = request("BYE");
  const tx = new NonInviteServerTransaction(req, h.ctx);
  tx.respond(createResponse(req, 200));
  tx.receiveRequest(req);
  t.is(h.sent.length, 2);
  h.clock.advance(32_000 - 1);
  t.is(tx.state, "completed");
  h.clock.advance(1);
  t.is(tx.state, "terminated");
  t.throws(() => tx.respond(createResponse(req, 200)));
});

test("Timer J is zero over a reliable transport", (t) => {
  const h = harness(true);
  const req = request("BYE");
  const tx = new NonInviteServerTransaction(req, h.ctx);
  tx.respond(createResponse(req, 200));
  h.clock.advance(0);
  t.is(tx.state, "terminated");
});

test("a transition the RFC's figure does not draw throws IllegalTransitionError", (t) => {
  const h = harness();
  const req = request("INVITE");
  const tx = new InviteClientTransaction(req, h.ctx, h.user);
  tx.start();
  tx.receiveResponse(withTag(createResponse(req, 500)));
  // completed -> proceeding is not in Figure 5.
  const err = t.throws(() => (tx as unknown as { transition(s: string): void }).transition("proceeding"));
  t.true(err instanceof IllegalTransitionError);
});
