/**
 * Session behaviour in virtual time: the bridge tick and every timer run on a VirtualClock; the
 * sockets are real (loopback), and the remote is a plain bound socket that never answers.
 */
import dgram from "node:dgram";
import test, { type ExecutionContext } from "ava";
import { VirtualClock } from "../../../telephony/clock.ts";
import { createMediaEngine } from "../../../telephony/media/engine.ts";
import { SdpNegotiationError } from "../../../telephony/media/engine-types.ts";
import { parseRtcp } from "../../../telephony/rtp/rtcp.ts";

const HOST = "127.0.0.1";

async function setup(t: ExecutionContext) {
  const clock = new VirtualClock(0);
  const engine = createMediaEngine({ clock, random: () => 0.5 });
  t.teardown(() => engine.close());
  // a silent remote: RTP and RTCP sockets that never send, on a port pair (RTCP = RTP + 1);
  // a pair whose odd port is taken is given back and another tried, with new sockets
  let rtp!: dgram.Socket;
  let rtcp!: dgram.Socket;
  for (let i = 0; ; i++) {
    rtp = dgram.createSocket("udp4");
    rtcp = dgram.createSocket("udp4");
    await new Promise<void>((r) => rtp.bind(0, HOST, () => r()));
    const ok = await new Promise<boolean>((r) => {
      rtcp.once("error", () => r(false));
      rtcp.bind(rtp.address().port + 1, HOST, () => r(true));
    });
    if (ok) break;
    rtp.close();
    rtcp.close();
    if (i > 20) throw new Error("no port pair");
  }
  const [boundRtp, boundRtcp] = [rtp, rtcp];
  t.teardown(() => {
    boundRtp.close();
    boundRtcp.close();
  });
  const remoteSdp = (dir = "sendrecv", pts = "0 101") =>
    `v=0\r\no=- 1 1 IN IP4 ${HOST}\r\ns=-\r\nc=IN IP4 ${HOST}\r\nt=0 0\r\nm=audio ${rtp.address().port} RTP/AVP ${pts}\r\na=rtpmap:101 telephone-event/8000\r\na=${dir}\r\n`;
  return { clock, engine, rtp, rtcp, remoteSdp };
}

const flush = () => new Promise((r) => setImmediate(r));

test("no RTP for 30 s (the default) ends the session with 'RTP timeout', not before", async (t) => {
  const { clock, engine, remoteSdp } = await setup(t);
  const s = await engine.createSession({ address: HOST });
  const reasons: string[] = [];
  s.on("failed", (r: string) => reasons.push(r));
  s.createOffer();
  s.setRemoteAnswer(remoteSdp());
  clock.advance(29_900);
  await flush();
  t.deepEqual(reasons, []);
  clock.advance(200);
  await flush();
  t.deepEqual(reasons, ["RTP timeout"]);
  t.is(s.state, "failed");
  t.true(s.stats().packetsSent >= 1490, "it sent audio meanwhile");
});

test("a remote that only receives (we hold it, or it answered recvonly) is never timed out", async (t) => {
  const { clock, engine, remoteSdp } = await setup(t);
  const held = await engine.createSession({ address: HOST, rtpTimeoutMs: 1000 });
  held.createOffer({ hold: true });
  held.setRemoteAnswer(remoteSdp("recvonly"));
  const other = await engine.createSession({ address: HOST, rtpTimeoutMs: 1000 });
  other.createOffer();
  other.setRemoteAnswer(remoteSdp("recvonly"));
  clock.advance(5000);
  await flush();
  t.is(held.state, "active");
  t.is(other.state, "active");
});

test("RFC 3550 §6.2: the first RTCP report goes out within the halved, randomised, compensated minimum", async (t) => {
  const { clock, engine, rtcp, remoteSdp } = await setup(t);
  const s = await engine.createSession({ address: HOST });
  const got: Buffer[] = [];
  rtcp.on("message", (m) => got.push(m));
  s.createOffer();
  s.setRemoteAnswer(remoteSdp());
  // random() = 0.5: 2.5 s × 1.0 ÷ (e − 1.5) ≈ 2052 ms
  clock.advance(2000);
  await flush();
  await new Promise((r) => setTimeout(r, 50));
  t.is(got.length, 0);
  clock.advance(100);
  for (let i = 0; i < 500 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.is(got.length, 1);
  const pkts = parseRtcp(got[0]!);
  t.is(pkts?.[0]?.type, "sr", "we sent RTP, so a sender report");
  t.is(pkts?.[1]?.type, "sdes");
});

test("sendDtmf is refused when the remote did not take telephone-event", async (t) => {
  const { engine, remoteSdp } = await setup(t);
  const s = await engine.createSession({ address: HOST });
  s.createOffer();
  s.setRemoteAnswer(remoteSdp("sendrecv", "0"));
  await t.throwsAsync(s.sendDtmf("1"), { message: /telephone-event/ });
  const ok = await engine.createSession({ address: HOST });
  ok.createOffer();
  ok.setRemoteAnswer(remoteSdp());
  await t.throwsAsync(ok.sendDtmf("1x"), { message: /not a DTMF digit/ });
});

test("an unusable or unreadable offer raises SdpNegotiationError and leaves the session idle", async (t) => {
  const { engine } = await setup(t);
  const s = await engine.createSession({ address: HOST });
  t.throws(
    () =>
      s.createAnswer(
        "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\n",
      ),
    { instanceOf: SdpNegotiationError },
  );
  t.throws(() => s.createAnswer("hello"), { instanceOf: SdpNegotiationError, message: /unreadable SDP/ });
  t.throws(() => s.setRemoteAnswer("v=0\r\n"), { instanceOf: SdpNegotiationError, message: /no offer/ });
  t.is(s.state, "idle");
  t.is(s.codec, undefined);
});

test("a closed session refuses new descriptions; closing twice is harmless; the engine forgets it", async (t) => {
  const { engine } = await setup(t);
  const s = await engine.createSession({ address: HOST });
  t.is(engine.sessions().length, 1);
  await s.close();
  await s.close();
  t.is(s.state, "closed");
  t.is(engine.sessions().length, 0);
  t.throws(() => s.createOffer(), { message: /closed/ });
  t.is(engine.bridge.port(s.audio.portId), undefined, "its bridge port is gone");
});

test("a re-offer that moves the remote while the socket is still connecting does not throw", async (t) => {
  const { clock, engine, remoteSdp, rtp } = await setup(t);
  const s = await engine.createSession({ address: HOST });
  s.createOffer();
  s.setRemoteAnswer(remoteSdp());
  // immediately (the connect is in flight): the remote moves to another port, then back
  const moved = remoteSdp().replace(`m=audio ${rtp.address().port}`, `m=audio ${rtp.address().port + 2}`);
  t.notThrows(() => s.createAnswer(moved));
  t.notThrows(() => s.createAnswer(remoteSdp()));
  const got: Buffer[] = [];
  rtp.on("message", (m) => got.push(m));
  for (let i = 0; i < 100 && got.length === 0; i++) {
    clock.advance(20);
    await new Promise((r) => setTimeout(r, 10));
  }
  t.true(got.length > 0, "audio goes to where the last description points");
  t.is(s.state, "active");
});

test("publicAddress is what the SDP gives when the socket is bound elsewhere", async (t) => {
  const { engine } = await setup(t);
  const s = await engine.createSession({ address: "0.0.0.0", publicAddress: "192.0.2.7" });
  const offer = s.createOffer();
  t.regex(offer, /^c=IN IP4 192\.0\.2\.7\r$/m);
  t.regex(offer, /^o=yardline \d+ 1 IN IP4 192\.0\.2\.7\r$/m);
});
