/**
 * RFC 4733 events as SIPp really sends them: the RTP in SIPp's bundled dtmf_2833_*.pcap files
 * (note: SIPp repeats the end packet with the same sequence number), through our receiver and
 * through a live session.
 */
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import test from "ava";
import type { DtmfEvent } from "../../../telephony/api.ts";
import { SystemClock } from "../../../telephony/clock.ts";
import { createMediaEngine } from "../../../telephony/media/engine.ts";
import { emptyHeader, parseRtpHeader } from "../../../telephony/rtp/packet.ts";
import { RtpSource } from "../../../telephony/rtp/source.ts";
import { parseTelephoneEvent, TelephoneEventReceiver } from "../../../telephony/rtp/telephone-event.ts";

const PCAP_DIR = "/usr/share/sip-tester";

/** The UDP payloads of a classic little-endian pcap of Ethernet/IPv4/UDP frames. */
function udpPayloads(file: string): Buffer[] {
  const d = readFileSync(file);
  if (d.readUInt32LE(0) !== 0xa1b2c3d4 || d.readUInt32LE(20) !== 1) throw new Error(`${file}: not an Ethernet pcap`);
  const out: Buffer[] = [];
  for (let off = 24; off + 16 <= d.length; ) {
    const incl = d.readUInt32LE(off + 8);
    const frame = d.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const ip = frame.subarray(14);
    const ihl = (ip[0]! & 0x0f) * 4;
    out.push(Buffer.from(ip.subarray(ihl + 8)));
  }
  return out;
}

const FILES: Record<string, string> = {
  ...Object.fromEntries([..."0123456789"].map((d) => [d, `dtmf_2833_${d}.pcap`])),
  "#": "dtmf_2833_pound.pcap",
  "*": "dtmf_2833_star.pcap",
};

test("every SIPp dtmf_2833 capture gives its digit once, with the end packet's duration", (t) => {
  for (const [digit, file] of Object.entries(FILES)) {
    const got: DtmfEvent[] = [];
    const rx = new TelephoneEventReceiver((e) => got.push(e));
    const src = new RtpSource();
    const h = emptyHeader();
    let first = true;
    for (const p of udpPayloads(`${PCAP_DIR}/${file}`)) {
      t.true(parseRtpHeader(p, h));
      if (first) src.start(h.ssrc, h.sequenceNumber);
      first = false;
      if (!src.update(h.sequenceNumber)) continue;
      rx.receive(h.timestamp, h.marker, parseTelephoneEvent(p, h.payloadOffset, h.payloadLength)!, 0);
    }
    t.deepEqual(
      got.map((g) => g.digit),
      [digit],
      file,
    );
    t.true(got[0]!.durationMs >= 100, `${file}: ${got[0]?.durationMs} ms`);
  }
});

test("SIPp's digit 5, replayed over UDP into a session, comes out as a dtmf event", async (t) => {
  const engine = createMediaEngine({ clock: new SystemClock() });
  t.teardown(() => engine.close());
  const s = await engine.createSession({ address: "127.0.0.1" });
  const peer = dgram.createSocket("udp4");
  t.teardown(() => peer.close());
  await new Promise<void>((r) => peer.bind(0, "127.0.0.1", () => r()));
  const port = Number(/m=audio (\d+)/.exec(s.createOffer())![1]);
  s.setRemoteAnswer(
    `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${peer.address().port} RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n`,
  );
  const got = new Promise<DtmfEvent>((resolve) => s.once("dtmf", resolve as (...a: never[]) => void));
  for (const p of udpPayloads(`${PCAP_DIR}/dtmf_2833_5.pcap`)) peer.send(p, port, "127.0.0.1");
  const ev = await got;
  t.deepEqual(ev, { digit: "5", method: "rfc4733", durationMs: 280 });
});
