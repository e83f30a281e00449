/**
 * Two user agents over real UDP (and TCP) sockets on 127.0.0.1: calls, CANCEL, BYE, INFO,
 * re-INVITE, OPTIONS, digest retry, and the core's default answers (481, 405, 501, 415, 416).
 */
import test, { type ExecutionContext } from "ava";
import { SystemClock } from "../../../telephony/clock.ts";
import { TcpTransport } from "../../../telephony/sip/tcp-transport.ts";
import { UdpTransport } from "../../../telephony/sip/udp-transport.ts";
import { SipUserAgent } from "../../../telephony/sip/user-agent.ts";
import type { IncomingInvite } from "../../../telephony/sip/incoming-invite.ts";
import { DigestServer } from "../../../telephony/sip/digest.ts";
import type { SipSession } from "../../../telephony/sip/invite-session.ts";

const SDP = (port: number) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

async function pair(t: ExecutionContext, protocol: "UDP" | "TCP" = "UDP") {
  const clock = new SystemClock();
  const bind = () =>
    protocol === "UDP"
      ? UdpTransport.bind({ host: "127.0.0.1", port: 0 })
      : TcpTransport.bind({ host: "127.0.0.1", port: 0 });
  const a = new SipUserAgent({ clock, transports: [await bind()], userAgent: "yardline-test-a" });
  const b = new SipUserAgent({ clock, transports: [await bind()], userAgent: "yardline-test-b" });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const bPort = b.layer.transports[0]!.local.port;
  const aPort = a.layer.transports[0]!.local.port;
  const suffix = protocol === "TCP" ? ";transport=tcp" : "";
  return { a, b, bUri: `sip:bob@127.0.0.1:${bPort}${suffix}`, aUri: `sip:alice@127.0.0.1:${aPort}${suffix}` };
}

for (const protocol of ["UDP", "TCP"] as const) {
  test(`a call over ${protocol}: INVITE with SDP, 180, 200 with SDP, ACK, BYE from the caller`, async (t) => {
    const { a, b, bUri, aUri } = await pair(t, protocol);
    let bSession: SipSession | undefined;
    const acked = new Promise<string>((resolve) => {
      b.on("invite", (inv) => {
        t.is(inv.request.bodyText, SDP(4000));
        inv.progress(180);
        const s = inv.accept({ body: SDP(5000) });
        bSession = s;
        s.on("ack", () => resolve(s.state));
      });
    });
    const call = a.invite({ target: bUri, from: aUri, body: SDP(4000) });
    const progress: number[] = [];
    call.on("progress", (r) => progress.push(r.status));
    const out = await call.outcome;
    if (out.kind !== "accepted") return t.fail(out.kind);
    t.is(out.response.bodyText, SDP(5000));
    t.true(progress.includes(180));
    t.is(await acked, "confirmed");
    if (!bSession) return t.fail();
    const byeSeen = new Promise((r) => bSession?.on("bye", r));
    const res = await out.session.bye();
    t.is(res?.status, 200);
    await byeSeen;
    t.is(bSession.state, "terminated");
  });
}

test("the callee hangs up with BYE, INFO with application/dtmf-relay reaches the other side, re-INVITE carries a new offer", async (t) => {
  const { a, b, bUri, aUri } = await pair(t);
  const answered = new Promise<SipSession>((resolve) => {
    b.on("invite", (inv) => {
      const s = inv.accept({ body: SDP(5000) });
      s.once("ack", () => resolve(s));
    });
  });
  const out = await a.invite({ target: bUri, from: aUri, body: SDP(4000) }).outcome;
  if (out.kind !== "accepted") return t.fail();
  const bs = await answered;
  const info = new Promise<[string, string]>((r) => out.session.on("info", (ct, body) => r([ct, body])));
  const infoRes = await bs.info("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n");
  t.is(infoRes.status, 200);
  t.deepEqual(await info, ["application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"]);
  // re-INVITE from the callee with a hold offer
  out.session.on("reinvite", (r) => {
    t.true(r.request.bodyText.includes("m=audio 6000"));
    r.accept({ body: SDP(4002) });
  });
  const reAcked = new Promise((r) => out.session.once("ack", r));
  const re = await bs.reinvite({ body: SDP(6000) });
  t.is(re.status, 200);
  t.is(re.bodyText, SDP(4002));
  // The 2xx to the re-INVITE is ACKed and the session is confirmed again.
  await reAcked;
  t.is(out.session.state, "confirmed");
  const aEnded = new Promise((r) => out.session.on("terminated", r));
  t.is((await bs.bye())?.status, 200);
  t.is(await aEnded, "remote BYE");
});

test("CANCEL before answer: the caller gets 487 and the callee hears cancel", async (t) => {
  const { a, b, bUri, aUri } = await pair(t);
  const cancelled = new Promise<IncomingInvite>((resolve) => {
    b.on("invite", (inv) => {
      inv.progress(180);
      inv.on("cancel", () => resolve(inv));
    });
  });
  const call = a.invite({ target: bUri, from: aUri, body: SDP(4000) });
  call.once("progress", () => call.cancel());
  const out = await call.outcome;
  t.is(out.kind, "rejected");
  if (out.kind === "rejected") t.is(out.response.status, 487);
  t.is((await cancelled).state, "cancelled");
});

test("a rejected call: 486 Busy Here is reported and ACKed by the transaction", async (t) => {
  const { a, b, bUri, aUri } = await pair(t);
  b.on("invite", (inv) => inv.reject(486));
  const out = await a.invite({ target: bUri, from: aUri, body: SDP(4000) }).outcome;
  t.is(out.kind, "rejected");
  if (out.kind === "rejected") t.is(out.response.status, 486);
});

test("the core answers OPTIONS, 481 for unknown dialogs, 405, 501, 420, 415 for an unknown body and 416 for an unknown scheme", async (t) => {
  const { a, bUri, aUri } = await pair(t);
  const opts = await a.request("OPTIONS", { target: bUri, from: aUri });
  t.is(opts.status, 200);
  t.true(opts.headers.get("allow")?.includes("INVITE"));
  const bye = await a.request("BYE", { target: bUri, from: aUri, headers: { To: `<${bUri}>;tag=nosuch` } });
  t.is(bye.status, 481);
  t.is((await a.request("MESSAGE", { target: bUri, from: aUri, body: "hi" })).status, 405);
  t.is((await a.request("FROBNICATE", { target: bUri, from: aUri })).status, 501);
  const ext = await a.request("OPTIONS", { target: bUri, from: aUri, headers: { Require: "100rel, foo" } });
  t.is(ext.status, 420);
  t.is(ext.headers.get("unsupported"), "100rel, foo");
  const invut = await a.invite({
    target: bUri,
    from: aUri,
    body: "<audio/>",
    contentType: "application/unknownformat",
  }).outcome;
  t.is(invut.kind === "rejected" ? invut.response.status : 0, 415);
  const port = bUri.split(":")[2];
  const unk = await a.request("OPTIONS", {
    target: "nobodyKnowsThisScheme:totallyopaquecontent",
    from: aUri,
    proxies: [`sip:127.0.0.1:${port};lr`],
  });
  t.is(unk.status, 416);
});

test("an INVITE challenged with 401 is retried once with digest credentials (SHA-256) and answered", async (t) => {
  const { a, b, bUri, aUri } = await pair(t);
  const digest = new DigestServer({ clock: new SystemClock(), realm: "yardline" });
  let challenged = 0;
  b.on("invite", (inv) => {
    const v = digest.verify(inv.request.headers.get("authorization"), "INVITE", (u) =>
      u === "alice" ? { password: "pw" } : undefined,
    );
    if (!v.ok) {
      challenged++;
      inv.reject(401, { headers: { "WWW-Authenticate": digest.challenges()[0] as string } });
      return;
    }
    inv.accept({ body: SDP(5000) });
  });
  const out = await a.invite({
    target: bUri,
    from: aUri,
    body: SDP(4000),
    credentials: [{ realm: "yardline", username: "alice", password: "pw" }],
  }).outcome;
  t.is(out.kind, "accepted");
  t.is(challenged, 1);
  if (out.kind === "accepted") {
    t.true(out.session.dialog.localSeq >= 2);
    await out.session.bye();
  }
});

test("with a wrong password the INVITE is retried once and then the 401 is reported", async (t) => {
  const { a, b, bUri, aUri } = await pair(t);
  const digest = new DigestServer({ clock: new SystemClock(), realm: "yardline" });
  let attempts = 0;
  b.on("invite", (inv) => {
    attempts++;
    const v = digest.verify(inv.request.headers.get("authorization"), "INVITE", () => ({ password: "right" }));
    if (!v.ok) inv.reject(401, { headers: { "WWW-Authenticate": digest.challenges()[0] as string } });
    else inv.accept({ body: SDP(1) });
  });
  const out = await a.invite({
    target: bUri,
    from: aUri,
    body: SDP(4000),
    credentials: [{ realm: "*", username: "alice", password: "wrong" }],
  }).outcome;
  t.is(out.kind === "rejected" ? out.response.status : 0, 401);
  t.is(attempts, 2);
});

test("a 407 from a proxy is answered with Proxy-Authorization (MD5 when only MD5 is offered)", async (t) => {
  const { a, b, bUri, aUri } = await pair(t);
  const digest = new DigestServer({ clock: new SystemClock(), realm: "proxy.local", algorithms: ["MD5"] });
  const seen: string[] = [];
  b.on("request", ({ request, respond }) => {
    const v = digest.verify(request.headers.get("proxy-authorization"), "MESSAGE", () => ({ password: "pw" }));
    seen.push(v.ok ? "ok" : v.reason);
    if (v.ok) respond(202);
    else respond(407, { rows: digest.challenges().map((c): [string, string] => ["Proxy-Authenticate", c]) });
  });
  const res = await a.request("MESSAGE", {
    target: bUri,
    from: aUri,
    body: "hello",
    credentials: [{ realm: "proxy.local", username: "alice", password: "pw" }],
  });
  t.is(res.status, 202);
  t.deepEqual(seen, ["missing", "ok"]);
});

test("late offer: an INVITE without SDP gets the offer in the 2xx and the answer in the ACK", async (t) => {
  const { a, b, bUri, aUri } = await pair(t);
  const ackBody = new Promise<string>((resolve) => {
    b.on("invite", (inv) => {
      t.is(inv.request.body.length, 0);
      inv.accept({ body: SDP(5000) }).on("ack", (ack) => resolve(ack.bodyText));
    });
  });
  const out = await a.invite({
    target: bUri,
    from: aUri,
    ackBody: (res) => {
      t.is(res.bodyText, SDP(5000));
      return { body: SDP(4000) };
    },
  }).outcome;
  t.is(out.kind, "accepted");
  t.is(await ackBody, SDP(4000));
  if (out.kind === "accepted") await out.session.bye();
});
