/**
 * Dialog state (RFC 3261 §12): route sets from Record-Route on each side, requests built
 * within the dialog for loose and strict routers, and the remote CSeq check.
 */
import test from "ava";
import { Dialog } from "../../../telephony/sip/dialog.ts";
import { createResponse, type SipRequest } from "../../../telephony/sip/message.ts";
import { parseMessage } from "../../../telephony/sip/parser.ts";

function invite(recordRoutes: string[]): SipRequest {
  const raw = [
    "INVITE sip:bob@10.0.0.2 SIP/2.0",
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKd1",
    ...recordRoutes.map((r) => `Record-Route: ${r}`),
    "To: <sip:bob@example.com>",
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    "Call-ID: dialog-1",
    "CSeq: 10 INVITE",
    "Contact: <sip:alice@10.0.0.1:5060>",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  const r = parseMessage(Buffer.from(raw));
  if (!r.ok || r.message.kind !== "request") throw new Error("fixture");
  return r.message;
}

test("the UAS route set is the Record-Route of the request in order; the UAC's is the 2xx's reversed (§12.1.1, §12.1.2)", (t) => {
  const req = invite(["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);
  const uas = Dialog.fromUas(req, "b1");
  t.deepEqual(uas.routeSet, ["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);
  t.is(uas.remoteTarget, "sip:alice@10.0.0.1:5060");
  t.is(uas.remoteSeq, 10);
  const res = createResponse(req, 200, { toTag: "b1" });
  for (const rr of req.headers.getAll("record-route")) res.headers.append("Record-Route", rr);
  res.headers.append("Contact", "<sip:bob@10.0.0.2:5062>");
  const uac = Dialog.fromUac(req, res);
  t.deepEqual(uac.routeSet, ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]);
  t.is(uac.remoteTarget, "sip:bob@10.0.0.2:5062");
  t.is(uac.localSeq, 10);
  t.is(uac.id, Dialog.key("dialog-1", "a1", "b1"));
});

test("with a loose router first, the Request-URI is the remote target and Route carries the route set", (t) => {
  const req = invite(["<sip:p1.example.com;lr>"]);
  const uas = Dialog.fromUas(req, "b1");
  const bye = uas.createRequest("BYE");
  t.is(bye.uri, "sip:alice@10.0.0.1:5060");
  t.deepEqual(bye.headers.getAll("route"), ["<sip:p1.example.com;lr>"]);
  t.is(bye.to.tag, "a1");
  t.is(bye.from.tag, "b1");
  t.is(bye.cseq.method, "BYE");
});

test("with a strict router first, the Request-URI is that router and the remote target is the last Route (§12.2.1.1)", (t) => {
  const req = invite(["<sip:strict.example.com>", "<sip:p1.example.com;lr>"]);
  const uas = Dialog.fromUas(req, "b1");
  const bye = uas.createRequest("BYE");
  t.is(bye.uri, "sip:strict.example.com");
  t.deepEqual(bye.headers.getAll("route"), ["<sip:p1.example.com;lr>", "<sip:alice@10.0.0.1:5060>"]);
});

test("each new request takes the next local CSeq; ACK reuses the INVITE's number", (t) => {
  const req = invite([]);
  const res = createResponse(req, 200, { toTag: "b1" });
  const uac = Dialog.fromUac(req, res);
  t.is(uac.createRequest("ACK", { cseq: 10 }).cseq.seq, 10);
  t.is(uac.createRequest("INFO").cseq.seq, 11);
  t.is(uac.createRequest("BYE").cseq.seq, 12);
});

test("a request with a CSeq lower than the remote sequence number is out of order (§12.2.2)", (t) => {
  const uas = Dialog.fromUas(invite([]), "b1");
  const next = uas.createRequest("INFO"); // any request object; only its CSeq matters here
  next.headers.set("CSeq", "11 INFO");
  next.invalidate();
  t.true(uas.acceptRemoteSeq(next));
  next.headers.set("CSeq", "9 INFO");
  next.invalidate();
  t.false(uas.acceptRemoteSeq(next));
  t.is(uas.remoteSeq, 11);
});

test("a dialog moves early → confirmed → terminated and refuses to go back", (t) => {
  const req = invite([]);
  const d = Dialog.fromUac(req, createResponse(req, 180, { toTag: "b1" }), "early");
  d.transition("confirmed");
  d.transition("terminated");
  t.throws(() => d.transition("confirmed"));
});
