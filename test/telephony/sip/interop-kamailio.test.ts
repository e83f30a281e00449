/**
 * Through a real proxy: Kamailio (registrar + record-routing proxy). One of our user agents
 * REGISTERs with it, another calls that AOR through it; the dialog's route set comes from
 * Record-Route, and ACK and BYE (both directions' BYE) travel through the proxy by loose
 * routing.
 */
import test from "ava";
import { SystemClock } from "../../../telephony/clock.ts";
import type { SipSession } from "../../../telephony/sip/invite-session.ts";
import type { SipRequest } from "../../../telephony/sip/message.ts";
import { RegisterClient } from "../../../telephony/sip/register-client.ts";
import { TcpTransport } from "../../../telephony/sip/tcp-transport.ts";
import { UdpTransport } from "../../../telephony/sip/udp-transport.ts";
import { SipUserAgent } from "../../../telephony/sip/user-agent.ts";
import { startKamailio } from "../../support/kamailio.ts";
import { freePort } from "../../support/sipp.ts";

const SDP = (port: number) =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;

test("a registered handset is called through Kamailio: Record-Route honoured, ACK and BYE go via the proxy", async (t) => {
  const kport = await freePort();
  const kam = await startKamailio({ port: kport });
  t.teardown(() => kam.stop());
  const proxy = `sip:127.0.0.1:${kport};lr`;
  const clock = new SystemClock();
  const handset = new SipUserAgent({ clock, transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  const caller = new SipUserAgent({ clock, transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  t.teardown(async () => {
    await handset.close();
    await caller.close();
  });

  const reg = new RegisterClient(handset, {
    registrar: `sip:127.0.0.1:${kport}`,
    aor: "sip:station-101@127.0.0.1",
    expires: 300,
  });
  const st = await reg.register();
  reg.stop();
  t.true(st.registered, `REGISTER answered ${st.code} ${st.reason}\n${kam.log().slice(-2000)}`);

  const inDialog: SipRequest[] = [];
  const answered = new Promise<SipSession>((resolve) => {
    handset.on("invite", (inv) => {
      t.true(inv.request.headers.has("record-route"), "the proxy record-routed the INVITE");
      const s = inv.accept({ body: SDP(5000) });
      s.on("ack", (ack) => {
        inDialog.push(ack);
        resolve(s);
      });
    });
  });
  const call = caller.invite({
    target: "sip:station-101@127.0.0.1",
    from: "sip:outside@127.0.0.1",
    body: SDP(4000),
    proxies: [proxy],
  });
  const out = await call.outcome;
  if (out.kind !== "accepted") return t.fail(`${out.kind}\n${kam.log().slice(-3000)}`);
  // The route set is the Record-Route of the 2xx, reversed (§12.1.2): Kamailio's own URI with lr.
  t.is(out.session.dialog.routeSet.length, 1);
  t.true(out.session.dialog.routeSet[0]?.includes(`127.0.0.1:${kport}`));
  t.true(out.session.dialog.routeSet[0]?.includes(";lr"));
  const hs = await answered;
  // The ACK reached the handset through Kamailio: its top Via is the proxy's.
  const ack = inDialog[0] as SipRequest;
  t.is(ack.vias.length, 2);
  t.is(ack.topVia?.port, kport);

  // The callee hangs up: its BYE follows its own route set (Record-Route of the INVITE, in order).
  const byeAtCaller = new Promise<SipRequest>((resolve) => out.session.on("bye", resolve));
  const res = await hs.bye();
  t.is(res?.status, 200);
  const bye = await byeAtCaller;
  t.is(bye.vias.length, 2);
  t.is(bye.topVia?.port, kport);
  t.is(out.session.state, "terminated");
});

test("the caller's BYE also goes through Kamailio", async (t) => {
  const kport = await freePort();
  const kam = await startKamailio({ port: kport });
  t.teardown(() => kam.stop());
  const proxy = `sip:127.0.0.1:${kport};lr`;
  const clock = new SystemClock();
  const handset = new SipUserAgent({ clock, transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  const caller = new SipUserAgent({ clock, transports: [await UdpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  t.teardown(async () => {
    await handset.close();
    await caller.close();
  });
  const reg = new RegisterClient(handset, { registrar: `sip:127.0.0.1:${kport}`, aor: "sip:station-102@127.0.0.1" });
  t.true((await reg.register()).registered);
  reg.stop();
  const byeAtHandset = new Promise<SipRequest>((resolve) => {
    handset.on("invite", (inv) => inv.accept({ body: SDP(5002) }).on("bye", resolve));
  });
  const out = await caller.invite({
    target: "sip:station-102@127.0.0.1",
    from: "sip:outside@127.0.0.1",
    body: SDP(4002),
    proxies: [proxy],
  }).outcome;
  if (out.kind !== "accepted") return t.fail(out.kind);
  t.is((await out.session.bye())?.status, 200);
  const bye = await byeAtHandset;
  t.is(bye.topVia?.port, kport);
  t.true(bye.headers.getAll("route").length === 0, "Kamailio consumed its own Route entry");
});

test("the same call through Kamailio over TCP", async (t) => {
  const kport = await freePort();
  const kam = await startKamailio({ port: kport });
  t.teardown(() => kam.stop());
  const clock = new SystemClock();
  const handset = new SipUserAgent({ clock, transports: [await TcpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  const caller = new SipUserAgent({ clock, transports: [await TcpTransport.bind({ host: "127.0.0.1", port: 0 })] });
  t.teardown(async () => {
    await handset.close();
    await caller.close();
  });
  const reg = new RegisterClient(handset, {
    registrar: `sip:127.0.0.1:${kport};transport=tcp`,
    aor: "sip:station-103@127.0.0.1",
  });
  const st = await reg.register();
  reg.stop();
  t.true(st.registered, `REGISTER over TCP: ${st.code}\n${kam.log().slice(-2000)}`);
  const byeAtHandset = new Promise<SipRequest>((resolve) => {
    handset.on("invite", (inv) => inv.accept({ body: SDP(5004) }).on("bye", resolve));
  });
  const out = await caller.invite({
    target: "sip:station-103@127.0.0.1",
    from: "sip:outside@127.0.0.1",
    body: SDP(4004),
    proxies: [`sip:127.0.0.1:${kport};transport=tcp;lr`],
  }).outcome;
  if (out.kind !== "accepted") return t.fail(`${out.kind}\n${kam.log().slice(-3000)}`);
  t.is((await out.session.bye())?.status, 200);
  const bye = await byeAtHandset;
  t.is(bye.topVia?.transport, "TCP");
  t.is(bye.topVia?.port, kport);
});
