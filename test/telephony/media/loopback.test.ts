/**
 * Two media engines on loopback exchanging real RTP through real UDP sockets, in real time.
 * Assertions wait for events with generous timeouts; nothing depends on exact timing.
 */
import dgram from "node:dgram";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import type { DtmfEvent } from "../../../telephony/api.ts";
import { SystemClock } from "../../../telephony/clock.ts";
import { createMediaEngine, type MediaEngineOptions } from "../../../telephony/media/engine.ts";
import type { RtpMediaSession } from "../../../telephony/media/session.ts";
import { emptyHeader, parseRtpHeader, writeRtpHeader } from "../../../telephony/rtp/packet.ts";
import { concat, dtmf, presenceRatio, readWav, seededRandom, silence, writeWav } from "../../support/audio.ts";

const HOST = "127.0.0.1";

function engine(t: ExecutionContext, extra: Partial<MediaEngineOptions> = {}) {
  const e = createMediaEngine({ clock: new SystemClock(), ...extra });
  t.teardown(() => e.close());
  return e;
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

function nextEvent<T>(s: RtpMediaSession, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    s.once(event, ((v: T) => {
      clearTimeout(timer);
      resolve(v);
    }) as (...args: never[]) => void);
  });
}

/** Calls A → B: A offers, B answers. */
async function call(t: ExecutionContext, aOpts = {}, bOpts = {}) {
  const a = engine(t, { random: seededRandom(1) });
  const b = engine(t, { random: seededRandom(2) });
  const sa = await a.createSession({ address: HOST, ...aOpts });
  const sb = await b.createSession({ address: HOST, ...bOpts });
  sa.setRemoteAnswer(sb.createAnswer(sa.createOffer()));
  return { a, b, sa, sb };
}

test("a tone sent by one engine is in the other engine's recording", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "loopback-"));
  const { a, b, sa, sb } = await call(t);
  t.is(sa.codec, "PCMU");
  t.is(sb.codec, "PCMU");
  const tone = a.createToneGenerator();
  tone.play([{ freq1: 1000, onMs: 1000, offMs: 0, levelDbm0: -10 }], true);
  tone.startTransmit(sa.audio);
  const rec = await b.createRecorder(join(dir, "heard.wav"));
  sb.audio.startTransmit(rec.right);
  t.true(await until(() => rec.seconds >= 3));
  await rec.close();
  const right = readWav(join(dir, "heard.wav")).channel(1);
  // after the first half second (set-up, jitter buffer fill); a loaded machine may stall a tick or two
  t.true(presenceRatio(right.subarray(4000), 1000) > 0.6, "1000 Hz heard at the far end");
  t.true(presenceRatio(readWav(join(dir, "heard.wav")).channel(0), 1000) === 0, "nothing on the inmate side");
  const st = sb.stats();
  t.true(st.packetsReceived > 50, `${st.packetsReceived} packets`);
  t.is(st.packetsLost, 0);
  t.true(st.jitterMs >= 0 && st.jitterMs < 200, `jitter ${st.jitterMs} ms`);
  t.true(sa.stats().packetsSent > 50);
});

test("RFC 4733 digits and a hook flash sent by one side arrive at the other", async (t) => {
  const { sa, sb } = await call(t);
  const got: DtmfEvent[] = [];
  sb.on("dtmf", (ev: DtmfEvent) => got.push(ev));
  await until(() => sb.stats().packetsReceived > 5);
  await sa.sendDtmf("19#flash");
  t.true(await until(() => got.length >= 4));
  t.deepEqual(
    got.map((g) => [g.digit, g.method]),
    [
      ["1", "rfc4733"],
      ["9", "rfc4733"],
      ["#", "rfc4733"],
      ["flash", "rfc4733"],
    ],
  );
  t.is(got[0]!.durationMs, 100);
  t.is(got[3]!.durationMs, 300);
});

test("in-band DTMF in the audio is detected at the far end when asked for", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "loopback-"));
  const { a, sa, sb } = await call(t, {}, { inbandDtmf: true });
  const file = join(dir, "digits.wav");
  writeWav(file, concat(silence(200), dtmf("4", 80), silence(80), dtmf("2", 80), silence(200)));
  const got: DtmfEvent[] = [];
  sb.on("dtmf", (ev: DtmfEvent) => got.push(ev));
  await until(() => sb.stats().packetsReceived > 5);
  const player = a.createPlayer();
  player.startTransmit(sa.audio);
  player.enqueue([file]);
  t.true(await until(() => got.length >= 2));
  await new Promise((r) => setTimeout(r, 300));
  t.true(got.every((g) => g.method === "inband"));
  // a stalled event loop on a loaded machine can cut a tone in two: same digit twice in a row
  const digits = got.map((g) => g.digit).filter((d, i, all) => d !== all[i - 1]);
  t.deepEqual(digits, ["4", "2"]);
});

test("a remote that stops sending ends the session with 'RTP timeout'", async (t) => {
  const a = engine(t);
  const sa = await a.createSession({ address: HOST, rtpTimeoutMs: 600 });
  // the remote: a socket that sends a few packets, then goes silent (no ICMP, it is still bound)
  const remote = dgram.createSocket("udp4");
  t.teardown(() => remote.close());
  await new Promise<void>((r) => remote.bind(0, HOST, () => r()));
  const port = remote.address().port;
  const offer = sa.createOffer();
  const aPort = Number(/m=audio (\d+)/.exec(offer)![1]);
  sa.setRemoteAnswer(
    `v=0\r\no=- 1 1 IN IP4 ${HOST}\r\ns=-\r\nc=IN IP4 ${HOST}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`,
  );
  const pkt = Buffer.alloc(172, 0xff);
  for (let i = 0; i < 5; i++) {
    writeRtpHeader(pkt, false, 0, 100 + i, 160 * i, 0xabc);
    remote.send(Buffer.from(pkt), aPort, HOST);
  }
  const failed = nextEvent<string>(sa, "failed");
  t.is(await failed, "RTP timeout");
  t.is(sa.state, "failed");
  t.true(sa.stats().packetsReceived >= 3);
});

test("an ICMP-unreachable peer ends its session without touching another call or the process", async (t) => {
  const a = engine(t);
  // a port nobody listens on
  const gone = dgram.createSocket("udp4");
  await new Promise<void>((r) => gone.bind(0, HOST, () => r()));
  const deadPort = gone.address().port;
  await new Promise<void>((r) => gone.close(() => r()));
  const lost = await a.createSession({ address: HOST });
  lost.createOffer();
  lost.setRemoteAnswer(
    `v=0\r\no=- 1 1 IN IP4 ${HOST}\r\ns=-\r\nc=IN IP4 ${HOST}\r\nt=0 0\r\nm=audio ${deadPort} RTP/AVP 0\r\n`,
  );
  // a healthy call on the same engine
  const b = engine(t);
  const healthy = await a.createSession({ address: HOST });
  const other = await b.createSession({ address: HOST });
  healthy.setRemoteAnswer(other.createAnswer(healthy.createOffer()));
  const reason = await nextEvent<string>(lost, "failed");
  t.regex(reason, /unreachable \(ECONNREFUSED\)/);
  const before = other.stats().packetsReceived;
  t.true(await until(() => other.stats().packetsReceived > before + 20), "the other call keeps flowing");
  t.is(healthy.state, "active");
});

test("symmetric RTP: when the remote sends from another port than its SDP says, we latch onto it", async (t) => {
  const a = engine(t, { latchGraceMs: 200 });
  const sa = await a.createSession({ address: HOST });
  const sdpSock = dgram.createSocket("udp4");
  const natSock = dgram.createSocket("udp4");
  t.teardown(() => {
    sdpSock.close();
    natSock.close();
  });
  await new Promise<void>((r) => sdpSock.bind(0, HOST, () => r()));
  await new Promise<void>((r) => natSock.bind(0, HOST, () => r()));
  const offer = sa.createOffer();
  const aPort = Number(/m=audio (\d+)/.exec(offer)![1]);
  sa.setRemoteAnswer(
    `v=0\r\no=- 1 1 IN IP4 ${HOST}\r\ns=-\r\nc=IN IP4 ${HOST}\r\nt=0 0\r\nm=audio ${sdpSock.address().port} RTP/AVP 0\r\n`,
  );
  let atSdp = 0;
  let atNat = 0;
  sdpSock.on("message", () => atSdp++);
  const h = emptyHeader();
  natSock.on("message", (m) => {
    if (parseRtpHeader(m, h)) atNat++;
  });
  let seq = 1;
  const timer = setInterval(() => {
    const pkt = Buffer.alloc(172, 0xff);
    writeRtpHeader(pkt, false, 0, seq, seq * 160, 0x1234);
    seq++;
    natSock.send(pkt, aPort, HOST);
  }, 20);
  t.teardown(() => clearInterval(timer));
  t.true(await until(() => atSdp > 3), "sends to the SDP address first");
  t.true(await until(() => atNat > 10), "then to where the remote's packets come from");
  const sdpThen = atSdp;
  await until(() => atNat > 30);
  t.true(atSdp - sdpThen <= 2, "and no longer to the SDP address");
  t.is(sa.state, "active");
});

test("RTCP reports flow both ways on RTP port + 1 (RFC 3550 §6)", async (t) => {
  const { sa, sb } = await call(t);
  t.true(await until(() => sa.rtcpStats().reportsReceived >= 1 && sb.rtcpStats().reportsReceived >= 1, 15_000));
  t.true(sa.rtcpStats().reportsSent >= 1);
  await sb.close();
  t.true(await until(() => sa.rtcpStats().byeReceived), "BYE on close");
});

test("hold: a sendonly re-offer stops the other side from sending and from timing out", async (t) => {
  // only A's timeout is short: it is the side that must not time out while B is silent
  const { sa, sb } = await call(t, { rtpTimeoutMs: 400 }, {});
  await until(() => sa.stats().packetsReceived > 5);
  // A puts B on hold: A sends (music on hold), B must not send; B's RTP stops, A must not time out
  sa.setRemoteAnswer(sb.createAnswer(sa.createOffer({ hold: true })));
  const sentByB = sb.stats().packetsSent;
  await new Promise((r) => setTimeout(r, 800));
  t.true(sb.stats().packetsSent - sentByB <= 1, "B stopped sending");
  t.is(sa.state, "active", "A did not time out");
  t.is(sb.state, "active");
  t.true(sb.stats().packetsReceived > 20, "B still hears A");
});
