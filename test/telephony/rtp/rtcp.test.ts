import test from "ava";
import { ntpMiddle, ntpTime, parseRtcp, rtcpIntervalMs, writeCompound } from "../../../telephony/rtp/rtcp.ts";

const block = {
  ssrc: 0xabcdef01,
  fractionLost: 25,
  cumulativeLost: -3,
  extendedHighestSeq: 70000,
  jitter: 12,
  lastSr: 0x12345678,
  delaySinceLastSr: 65536,
};

test("RFC 3550 §6.4.1: an SR with a report block and SDES CNAME round-trips", (t) => {
  const buf = new Uint8Array(1500);
  const sender = { ntpSec: 3900000000, ntpFrac: 0x80000000, rtpTimestamp: 1234, packetCount: 50, octetCount: 8000 };
  const n = writeCompound(buf, 0x11111111, "yardline@127.0.0.1", sender, [block]);
  t.is(n % 4, 0);
  const pkts = parseRtcp(buf.subarray(0, n));
  t.deepEqual(pkts, [
    { type: "sr", ssrc: 0x11111111, sender, reports: [block] },
    { type: "sdes", chunks: [{ ssrc: 0x11111111, cname: "yardline@127.0.0.1" }] },
  ]);
});

test("RFC 3550 §6.4.2: with nothing sent an RR goes out; BYE carries its reason", (t) => {
  const buf = new Uint8Array(1500);
  const n = writeCompound(buf, 7, "x", undefined, [block], { reason: "closed" });
  const pkts = parseRtcp(buf.subarray(0, n));
  t.is(pkts?.[0]?.type, "rr");
  t.deepEqual(pkts?.[2], { type: "bye", ssrcs: [7], reason: "closed" });
});

test("RFC 3550 §A.2: a compound packet whose lengths do not add up is refused", (t) => {
  const buf = new Uint8Array(1500);
  const n = writeCompound(buf, 7, "x", undefined, []);
  t.is(parseRtcp(buf.subarray(0, n - 4)), undefined);
  const bad = buf.slice(0, n);
  bad[0] = 0x40;
  t.is(parseRtcp(bad), undefined);
});

test("NTP time: 1970 is 2208988800 s after 1900; the middle 32 bits serve LSR", (t) => {
  const n = ntpTime(1500);
  t.is(n.sec, 2208988801);
  t.is(n.frac, 0x80000000);
  t.is(ntpMiddle(0x00010002, 0x00030004), 0x00020003);
});

function near(t: { true(v: boolean, m?: string): void }, actual: number, expected: number): void {
  t.true(Math.abs(actual - expected) < 1e-6, `${actual} vs ${expected}`);
}

test("RFC 3550 §A.7: the interval is at least 5 s (2.5 s first), randomised ×[0.5, 1.5], ÷(e − 3/2)", (t) => {
  const base = { members: 2, senders: 2, rtcpBw: 500, weSent: true, avgRtcpSize: 100 };
  const comp = Math.E - 1.5;
  near(t, rtcpIntervalMs({ ...base, initial: false, random: () => 0.5 }), (5000 * 1) / comp);
  near(t, rtcpIntervalMs({ ...base, initial: false, random: () => 0 }), (5000 * 0.5) / comp);
  near(t, rtcpIntervalMs({ ...base, initial: true, random: () => 0.5 }), 2500 / comp);
  // a large session: bandwidth share decides, not the minimum
  const big = rtcpIntervalMs({ ...base, members: 1000, senders: 1000, initial: false, random: () => 0.5 });
  near(t, big, (((100 * 1000) / 500) * 1000) / comp);
});
