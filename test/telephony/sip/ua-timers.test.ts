/**
 * The user-agent core's own timers, in virtual time against a raw UDP peer: the UAS
 * retransmits its 2xx until the ACK comes (RFC 3261 §13.3.1.4) and ends the call with BYE when
 * it never does; the UAC re-sends its ACK for each retransmitted 2xx (§13.2.2.4).
 */
import { createSocket, type Socket } from "node:dgram";
import test, { type ExecutionContext } from "ava";
import { VirtualClock } from "../../../telephony/clock.ts";
import type { SipResponse } from "../../../telephony/sip/message.ts";
import { parseMessage } from "../../../telephony/sip/parser.ts";
import { serializeMessage } from "../../../telephony/sip/serializer.ts";
import { UdpTransport } from "../../../telephony/sip/udp-transport.ts";
import { SipUserAgent } from "../../../telephony/sip/user-agent.ts";

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rawPeer(t: ExecutionContext) {
  const sock: Socket = createSocket("udp4");
  const got: string[] = [];
  sock.on("message", (m) => got.push(m.toString()));
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  t.teardown(() => sock.close());
  return { sock, port: sock.address().port, got };
}

const invite = (peerPort: number, branch: string) =>
  [
    "INVITE sip:bob@127.0.0.1 SIP/2.0",
    `Via: SIP/2.0/UDP 127.0.0.1:${peerPort};branch=${branch}`,
    "Max-Forwards: 70",
    "To: <sip:bob@127.0.0.1>",
    "From: <sip:alice@127.0.0.1>;tag=peer1",
    "Call-ID: timers-1@127.0.0.1",
    "CSeq: 7 INVITE",
    `Contact: <sip:alice@127.0.0.1:${peerPort}>`,
    "Content-Type: application/sdp",
    "Content-Length: 4",
    "",
    "v=0\n",
  ].join("\r\n");

async function uas(t: ExecutionContext) {
  const clock = new VirtualClock();
  const ua = new SipUserAgent({ clock, transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  t.teardown(() => ua.close());
  return { clock, ua, port: ua.layer.transports[0]!.local.port };
}

const count = (got: string[], prefix: string) => got.filter((m) => m.startsWith(prefix)).length;

test("the UAS passes its 2xx to the transport at T1, 2*T1, ... capped at T2 until the ACK arrives", async (t) => {
  const { clock, ua, port } = await uas(t);
  const peer = await rawPeer(t);
  ua.on("invite", (inv) => inv.accept({ body: "v=0\r\n" }));
  peer.sock.send(invite(peer.port, "z9hG4bKinv1"), port, "127.0.0.1");
  await until(() => count(peer.got, "SIP/2.0 200") === 1);
  const intervals = [500, 1000, 2000, 4000, 4000];
  let expected = 1;
  for (const ms of intervals) {
    clock.advance(ms - 1);
    await new Promise((r) => setTimeout(r, 30));
    t.is(count(peer.got, "SIP/2.0 200"), expected, `nothing before ${ms} ms`);
    clock.advance(1);
    expected++;
    await until(() => count(peer.got, "SIP/2.0 200") === expected);
  }
  const ok = parseMessage(Buffer.from(peer.got.find((m) => m.startsWith("SIP/2.0 200")) as string));
  if (!ok.ok) return t.fail();
  const toTag = ok.message.to.tag;
  const ack = [
    `ACK sip:bob@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKack1`,
    "Max-Forwards: 70",
    `To: <sip:bob@127.0.0.1>;tag=${toTag}`,
    "From: <sip:alice@127.0.0.1>;tag=peer1",
    "Call-ID: timers-1@127.0.0.1",
    "CSeq: 7 ACK",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  peer.sock.send(ack, port, "127.0.0.1");
  await new Promise((r) => setTimeout(r, 50));
  clock.advance(40_000);
  await new Promise((r) => setTimeout(r, 50));
  t.is(count(peer.got, "SIP/2.0 200"), expected);
  t.is(count(peer.got, "BYE "), 0);
});

test("if the server retransmits the 2xx for 64*T1 seconds without receiving an ACK the session is ended with BYE", async (t) => {
  const { clock, ua, port } = await uas(t);
  const peer = await rawPeer(t);
  const reasons: string[] = [];
  ua.on("invite", (inv) => inv.accept({ body: "v=0\r\n" }).on("terminated", (r) => reasons.push(r)));
  peer.sock.send(invite(peer.port, "z9hG4bKinv2"), port, "127.0.0.1");
  await until(() => count(peer.got, "SIP/2.0 200") === 1);
  clock.advance(32_000);
  await until(() => count(peer.got, "BYE ") === 1);
  t.deepEqual(reasons, ["no ACK received"]);
  const bye = parseMessage(Buffer.from(peer.got.find((m) => m.startsWith("BYE ")) as string));
  if (!bye.ok || bye.message.kind !== "request") return t.fail();
  t.is(bye.message.uri, `sip:alice@127.0.0.1:${peer.port}`);
  t.is(bye.message.from.tag !== undefined, true);
  t.is(bye.message.to.tag, "peer1");
});

test("the UAC core re-sends the ACK for each retransmission of the 2xx", async (t) => {
  const clock = new VirtualClock();
  const ua = new SipUserAgent({ clock, transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  t.teardown(() => ua.close());
  const peer = await rawPeer(t);
  const call = ua.invite({ target: `sip:bob@127.0.0.1:${peer.port}`, from: "sip:alice@127.0.0.1", body: "v=0\r\n" });
  await until(() => count(peer.got, "INVITE ") === 1);
  const inv = parseMessage(Buffer.from(peer.got[0] as string));
  if (!inv.ok || inv.message.kind !== "request") return t.fail();
  const { createResponse } = await import("../../../telephony/sip/message.ts");
  const ok: SipResponse = createResponse(inv.message, 200, {
    toTag: "callee1",
    body: "v=0\r\n",
    contentType: "application/sdp",
  });
  ok.headers.append("Contact", `<sip:bob@127.0.0.1:${peer.port}>`);
  const bytes = serializeMessage(ok);
  const uaPort = ua.layer.transports[0]!.local.port;
  peer.sock.send(bytes, uaPort, "127.0.0.1");
  const out = await call.outcome;
  t.is(out.kind, "accepted");
  await until(() => count(peer.got, "ACK ") === 1);
  peer.sock.send(bytes, uaPort, "127.0.0.1");
  peer.sock.send(bytes, uaPort, "127.0.0.1");
  await until(() => count(peer.got, "ACK ") === 3);
  const acks = peer.got.filter((m) => m.startsWith("ACK "));
  t.is(new Set(acks).size, 1, "the same ACK each time");
});

test("the callee's UA does not send BYE until the ACK for its 2xx has arrived (RFC 3261 §15)", async (t) => {
  const { ua, port } = await uas(t);
  const peer = await rawPeer(t);
  ua.on("invite", (inv) => {
    void inv.accept({ body: "v=0\r\n" }).bye();
  });
  peer.sock.send(invite(peer.port, "z9hG4bKinv3"), port, "127.0.0.1");
  await until(() => count(peer.got, "SIP/2.0 200") === 1);
  await new Promise((r) => setTimeout(r, 50));
  t.is(count(peer.got, "BYE "), 0);
  const ok = parseMessage(Buffer.from(peer.got.find((m) => m.startsWith("SIP/2.0 200")) as string));
  if (!ok.ok) return t.fail();
  const ack = invite(peer.port, "z9hG4bKack3")
    .replace("INVITE sip:bob@127.0.0.1", "ACK sip:bob@127.0.0.1")
    .replace("To: <sip:bob@127.0.0.1>", `To: <sip:bob@127.0.0.1>;tag=${ok.message.to.tag}`)
    .replace("CSeq: 7 INVITE", "CSeq: 7 ACK");
  peer.sock.send(ack, port, "127.0.0.1");
  await until(() => count(peer.got, "BYE ") === 1);
  t.pass();
});

test("an INVITE retransmitted after the 2xx gets the same 2xx again and does not ring twice", async (t) => {
  const { ua, port } = await uas(t);
  const peer = await rawPeer(t);
  let rings = 0;
  ua.on("invite", (inv) => {
    rings++;
    inv.accept({ body: "v=0\r\n" });
  });
  peer.sock.send(invite(peer.port, "z9hG4bKinv4"), port, "127.0.0.1");
  await until(() => count(peer.got, "SIP/2.0 200") === 1);
  peer.sock.send(invite(peer.port, "z9hG4bKinv4"), port, "127.0.0.1");
  await until(() => count(peer.got, "SIP/2.0 200") === 2);
  const [first, second] = peer.got.filter((m) => m.startsWith("SIP/2.0 200"));
  t.is(first, second);
  t.is(rings, 1);
});

test("a 2xx from a second fork is ACKed and its dialog ended with BYE (RFC 3261 §13.2.2.4)", async (t) => {
  const clock = new VirtualClock();
  const ua = new SipUserAgent({ clock, transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  t.teardown(() => ua.close());
  const peer = await rawPeer(t);
  const call = ua.invite({ target: `sip:bob@127.0.0.1:${peer.port}`, from: "sip:alice@127.0.0.1", body: "v=0\r\n" });
  await until(() => count(peer.got, "INVITE ") === 1);
  const inv = parseMessage(Buffer.from(peer.got[0] as string));
  if (!inv.ok || inv.message.kind !== "request") return t.fail();
  const { createResponse } = await import("../../../telephony/sip/message.ts");
  const answer = (tag: string) => {
    const ok = createResponse(inv.message as import("../../../telephony/sip/message.ts").SipRequest, 200, {
      toTag: tag,
      body: "v=0\r\n",
      contentType: "application/sdp",
    });
    ok.headers.append("Contact", `<sip:${tag}@127.0.0.1:${peer.port}>`);
    return serializeMessage(ok);
  };
  const uaPort = ua.layer.transports[0]!.local.port;
  peer.sock.send(answer("forkA"), uaPort, "127.0.0.1");
  const out = await call.outcome;
  t.is(out.kind === "accepted" ? out.session.dialog.remoteTag : "", "forkA");
  await until(() => count(peer.got, "ACK ") === 1);
  peer.sock.send(answer("forkB"), uaPort, "127.0.0.1");
  await until(() => count(peer.got, "ACK ") === 2 && count(peer.got, "BYE ") === 1);
  const bye = parseMessage(Buffer.from(peer.got.find((m) => m.startsWith("BYE ")) as string));
  if (!bye.ok || bye.message.kind !== "request") return t.fail();
  t.is(bye.message.to.tag, "forkB");
  t.is(bye.message.uri, `sip:forkB@127.0.0.1:${peer.port}`);
  t.is(out.kind === "accepted" ? out.session.state : "", "confirmed");
});
