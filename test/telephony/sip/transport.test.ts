/**
 * Real sockets on 127.0.0.1: every RFC 4475 message and assorted garbage goes through the
 * UDP and TCP transports; malformed requests are answered with 400 where they can be, nothing
 * crashes, and the transport still carries a valid message afterwards.
 */
import { createSocket, type Socket } from "node:dgram";
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import test from "ava";
import type { ReceivedMessage } from "../../../telephony/sip/transport.ts";
import { TcpTransport } from "../../../telephony/sip/tcp-transport.ts";
import { UdpTransport } from "../../../telephony/sip/udp-transport.ts";

const dir = join(import.meta.dirname, "../../fixtures/sip");

const OPTIONS = (branch: string) =>
  Buffer.from(
    [
      "OPTIONS sip:probe@127.0.0.1 SIP/2.0",
      `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${branch};rport`,
      "To: <sip:probe@127.0.0.1>",
      "From: <sip:tester@127.0.0.1>;tag=1",
      `Call-ID: ${branch}@test`,
      "CSeq: 1 OPTIONS",
      "Max-Forwards: 70",
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n"),
  );

async function udpPeer(t: import("ava").ExecutionContext): Promise<{ sock: Socket; port: number; replies: Buffer[] }> {
  const sock = createSocket("udp4");
  const replies: Buffer[] = [];
  sock.on("message", (m) => replies.push(m));
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  t.teardown(() => sock.close());
  return { sock, port: sock.address().port, replies };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("every RFC 4475 message through a real UDP transport: valid ones delivered, invalid requests answered, transport alive", async (t) => {
  const tr = await UdpTransport.bind({ host: "127.0.0.1", port: 0 });
  t.teardown(() => tr.close());
  const got: ReceivedMessage[] = [];
  tr.onMessage((m) => got.push(m));
  const peer = await udpPeer(t);
  const valid = readdirSync(join(dir, "valid"));
  const invalid = readdirSync(join(dir, "invalid"));
  for (const f of valid) peer.sock.send(readFileSync(join(dir, "valid", f)), tr.local.port, "127.0.0.1");
  for (const f of invalid) peer.sock.send(readFileSync(join(dir, "invalid", f)), tr.local.port, "127.0.0.1");
  await until(() => got.length >= valid.length && tr.stats.malformed >= invalid.length);
  t.is(got.length, valid.length);
  // scalarlg and bigcode are responses: dropped, not answered.
  await until(() => peer.replies.length >= invalid.length - 2);
  // The answers echo the broken headers they were built from, so read only the status line.
  const statuses = peer.replies.map((b) => Number(/^SIP\/2\.0 (\d{3}) /.exec(b.toString())?.[1] ?? 0));
  t.is(statuses.filter((s) => s === 400).length, invalid.length - 3);
  t.is(statuses.filter((s) => s === 505).length, 1);
  // Still alive: a valid request after the storm is delivered.
  peer.sock.send(OPTIONS("after"), tr.local.port, "127.0.0.1");
  await until(() => got.some((m) => m.message.callId === "after@test"));
  t.pass();
});

test("rport: the UDP transport fills received and rport from the packet's source (RFC 3581 §4)", async (t) => {
  const tr = await UdpTransport.bind({ host: "127.0.0.1", port: 0 });
  t.teardown(() => tr.close());
  const got: ReceivedMessage[] = [];
  tr.onMessage((m) => got.push(m));
  const peer = await udpPeer(t);
  peer.sock.send(OPTIONS("rport1"), tr.local.port, "127.0.0.1");
  await until(() => got.length === 1);
  const via = got[0]?.message.topVia;
  t.is(via?.received, "127.0.0.1");
  t.is(via?.rport, peer.port);
  t.true(got[0]?.message.headers.get("via")?.includes(`rport=${peer.port}`));
});

test("garbage, truncated messages, bad Content-Length and huge headers never stop the UDP transport", async (t) => {
  const tr = await UdpTransport.bind({ host: "127.0.0.1", port: 0 });
  t.teardown(() => tr.close());
  const got: ReceivedMessage[] = [];
  tr.onMessage((m) => got.push(m));
  const peer = await udpPeer(t);
  const good = OPTIONS("x").toString();
  const inputs = [
    Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]),
    Buffer.from("\r\n\r\n"),
    Buffer.from(good.slice(0, 60)),
    Buffer.from(good.replace("Content-Length: 0", "Content-Length: abc")),
    Buffer.from(good.replace("Content-Length: 0", "Content-Length: 50")),
    Buffer.from(
      good.replace("Max-Forwards: 70", `X-Huge: ${"a".repeat(60000)}`).replace("Call-ID: x@test", "Call-ID: huge@test"),
    ),
    Buffer.from("SIP/2.0 abc\r\n\r\n"),
    Buffer.from("INVITE\r\n\r\n"),
  ];
  for (const b of inputs) peer.sock.send(b, tr.local.port, "127.0.0.1");
  peer.sock.send(OPTIONS("alive"), tr.local.port, "127.0.0.1");
  await until(() => got.some((m) => m.message.callId === "alive@test"));
  // A 60 kB header is legal and arrives; the bad Content-Length values are answerable: 400.
  t.true(got.some((m) => m.message.callId === "huge@test"));
  await until(() => peer.replies.length >= 2);
  t.is(tr.stats.malformed, 6);
  t.true(peer.replies.every((b) => b.toString().startsWith("SIP/2.0 400")));
});

test("TCP: messages split across segments and several in one segment are framed by Content-Length", async (t) => {
  const tr = await TcpTransport.bind({ host: "127.0.0.1", port: 0 });
  t.teardown(() => tr.close());
  const got: ReceivedMessage[] = [];
  tr.onMessage((m) => got.push(m));
  const sock = connect(tr.local.port, "127.0.0.1");
  t.teardown(() => sock.destroy());
  await new Promise<void>((r) => sock.once("connect", () => r()));
  const body = "hello body";
  const withBody = OPTIONS("tcp1")
    .toString()
    .replace("Content-Length: 0\r\n\r\n", `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  sock.write(withBody.slice(0, 37));
  await new Promise((r) => setTimeout(r, 20));
  sock.write(withBody.slice(37) + OPTIONS("tcp2").toString() + OPTIONS("tcp3").toString());
  await until(() => got.length === 3);
  t.deepEqual(
    got.map((m) => m.message.callId),
    ["tcp1@test", "tcp2@test", "tcp3@test"],
  );
  t.is(got[0]?.message.bodyText, body);
  // A response goes back over the same connection.
  const replies: Buffer[] = [];
  sock.on("data", (d) => replies.push(d));
  await tr.send(Buffer.from("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"), got[0]!.source);
  await until(() => replies.length > 0);
  t.true(Buffer.concat(replies).toString().startsWith("SIP/2.0 200 OK"));
});

test("TCP: a header section beyond 64 KiB closes the connection without delivering anything", async (t) => {
  const tr = await TcpTransport.bind({ host: "127.0.0.1", port: 0 });
  t.teardown(() => tr.close());
  const got: ReceivedMessage[] = [];
  tr.onMessage((m) => got.push(m));
  const sock = connect(tr.local.port, "127.0.0.1");
  t.teardown(() => sock.destroy());
  sock.on("error", () => undefined);
  const closed = new Promise<void>((r) => sock.on("close", () => r()));
  sock.write(`OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nX-Huge: ${"a".repeat(70000)}`);
  await closed;
  t.is(got.length, 0);
  t.is(tr.stats.malformed, 1);
});

test("TCP: a request without Content-Length gets 400 and the connection is closed; the listener survives", async (t) => {
  const tr = await TcpTransport.bind({ host: "127.0.0.1", port: 0 });
  t.teardown(() => tr.close());
  const got: ReceivedMessage[] = [];
  tr.onMessage((m) => got.push(m));
  const bad = connect(tr.local.port, "127.0.0.1");
  t.teardown(() => bad.destroy());
  const replies: Buffer[] = [];
  bad.on("data", (d) => replies.push(d));
  const closed = new Promise<void>((r) => bad.on("close", () => r()));
  bad.on("error", () => undefined);
  bad.write(OPTIONS("nocl").toString().replace("Content-Length: 0\r\n", ""));
  await closed;
  t.true(Buffer.concat(replies).toString().startsWith("SIP/2.0 400"));
  t.is(got.length, 0);
  const good = connect(tr.local.port, "127.0.0.1");
  t.teardown(() => good.destroy());
  good.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), OPTIONS("ok")]));
  const again = connect(tr.local.port, "127.0.0.1");
  t.teardown(() => again.destroy());
  again.write(OPTIONS("ok2"));
  await until(() => got.some((m) => m.message.callId === "ok2@test"));
  t.pass();
});
