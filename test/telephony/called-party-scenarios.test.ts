/**
 * The called-party scenarios (test/fixtures/calls/*.xml, run by test/support/called-party.ts)
 * checked without the controller: a small UAC written here over plain UDP plays the controller's
 * part, and its media socket counts what SIPp sends (RFC 4733 digits through the project's own
 * TelephoneEventReceiver, PCMU voice). Pauses are short so the file runs in a few seconds.
 */
import { type Socket, createSocket } from "node:dgram";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { Account } from "../../telephony/api.ts";
import { decodeG711, ULAW_DECODE } from "../../telephony/media/g711.ts";
import { parseTelephoneEvent, TelephoneEventReceiver } from "../../telephony/rtp/telephone-event.ts";
import {
  CALLED_PARTY_SCENARIOS,
  type CalledParty,
  type CalledPartyOptions,
  type CalledPartyScenario,
  startCalledParty,
  INBAND_DIGIT,
  writeMedia,
} from "../support/called-party.ts";
import { toneLevelDbm0 } from "../support/audio.ts";
import { collectDtmf, loopbackEndpoint, until, waitState } from "./ua/helpers.ts";

interface SipMessage {
  startLine: string;
  /** Lower-case header name -> values in order. */
  headers: Map<string, string[]>;
  body: string;
  at: number;
}

interface RtpPacket {
  pt: number;
  marker: boolean;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
  at: number;
  from: string;
}

function parseSip(buf: Buffer, at: number): SipMessage {
  const text = buf.toString("latin1");
  const split = text.indexOf("\r\n\r\n");
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? "" : text.slice(split + 4);
  const [startLine = "", ...lines] = head.split("\r\n");
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { startLine, headers, body, at };
}

function header(m: SipMessage, name: string): string {
  return m.headers.get(name.toLowerCase())?.[0] ?? "";
}

function tagOf(value: string): string | undefined {
  return /;tag=([^;>\s]+)/.exec(value)?.[1];
}

/**
 * Just enough of a UAC to drive one call at SIPp: INVITE with an SDP offer, ACK, BYE, INFO,
 * re-INVITE, CANCEL, and 200 for a BYE or an INFO from the far end. Loopback loses nothing, so it sends
 * each request once.
 */
class TestUac {
  readonly sip: Socket = createSocket("udp4");
  readonly media: Socket = createSocket("udp4");
  readonly received: SipMessage[] = [];
  readonly rtp: RtpPacket[] = [];
  readonly callId = `uac-${process.pid}-${Math.random().toString(36).slice(2)}`;
  readonly fromTag = `uac${Math.random().toString(36).slice(2, 10)}`;
  readonly t0 = Date.now();
  private readonly target: CalledParty;
  private cseq = 1;
  private inviteBranch = "";
  private inviteCseq = 1;
  private toTag: string | undefined;
  private remoteContact = "";
  private waiters: (() => void)[] = [];

  constructor(target: CalledParty) {
    this.target = target;
  }

  async open(): Promise<void> {
    await new Promise<void>((r) => this.sip.bind(0, "127.0.0.1", () => r()));
    await new Promise<void>((r) => this.media.bind(0, "127.0.0.1", () => r()));
    this.sip.on("message", (buf) => {
      const m = parseSip(buf, Date.now());
      this.received.push(m);
      if (m.startLine.startsWith("BYE ") || m.startLine.startsWith("INFO ")) this.respond(m, "200 OK");
      for (const w of this.waiters.splice(0)) w();
    });
    this.media.on("message", (buf, rinfo) => {
      if (buf.length < 12) return;
      this.rtp.push({
        pt: buf[1]! & 0x7f,
        marker: (buf[1]! & 0x80) !== 0,
        seq: buf.readUInt16BE(2),
        timestamp: buf.readUInt32BE(4),
        ssrc: buf.readUInt32BE(8),
        payload: buf.subarray(12),
        at: Date.now(),
        from: `${rinfo.address}:${rinfo.port}`,
      });
    });
  }

  close(): void {
    this.sip.close();
    this.media.close();
  }

  get sipPort(): number {
    return this.sip.address().port;
  }

  get mediaPort(): number {
    return this.media.address().port;
  }

  /** The first message received (from index `from` on) that `match` accepts. */
  async waitFor(match: (m: SipMessage) => boolean, what: string, timeoutMs = 10_000, from = 0): Promise<SipMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${what} within ${timeoutMs} ms; got: ${this.received.map((m) => m.startLine).join(" | ")}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  response(code: number, method: string, from = 0): Promise<SipMessage> {
    return this.waitFor(
      (m) => m.startLine.startsWith(`SIP/2.0 ${code} `) && header(m, "CSeq").endsWith(` ${method}`),
      `${code} to ${method}`,
      10_000,
      from,
    );
  }

  request(method: string, timeoutMs = 10_000): Promise<SipMessage> {
    return this.waitFor((m) => m.startLine.startsWith(`${method} `), method, timeoutMs);
  }

  sdp(): string {
    return [
      "v=0",
      "o=yardline 1 1 IN IP4 127.0.0.1",
      "s=-",
      "c=IN IP4 127.0.0.1",
      "t=0 0",
      `m=audio ${this.mediaPort} RTP/AVP 0 101`,
      "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:101 telephone-event/8000",
      "a=fmtp:101 0-16",
      "",
    ].join("\r\n");
  }

  private send(text: string): void {
    this.sip.send(text, this.target.port, "127.0.0.1");
  }

  private build(
    method: string,
    uri: string,
    cseq: number,
    branch: string,
    opts: { toTag?: string; body?: string; type?: string } = {},
  ): string {
    const body = opts.body ?? "";
    return [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.sipPort};branch=${branch}`,
      "Max-Forwards: 70",
      `From: <sip:facility@127.0.0.1>;tag=${this.fromTag}`,
      `To: <sip:5551234@127.0.0.1>${opts.toTag ? `;tag=${opts.toTag}` : ""}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:facility@127.0.0.1:${this.sipPort}>`,
      ...(body ? [`Content-Type: ${opts.type ?? "application/sdp"}`] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      "",
      body,
    ].join("\r\n");
  }

  private branch(): string {
    return `z9hG4bK${Math.random().toString(36).slice(2)}`;
  }

  private lastInvite = "";

  invite(): void {
    this.inviteBranch = this.branch();
    this.inviteCseq = this.cseq++;
    this.lastInvite = this.build("INVITE", this.target.uri("5551234"), this.inviteCseq, this.inviteBranch, {
      body: this.sdp(),
    });
    this.send(this.lastInvite);
  }

  /** Sends the initial INVITE again, byte for byte, as Timer A does (RFC 3261 §17.1.1.2). */
  retransmitInvite(): void {
    this.send(this.lastInvite);
  }

  /** ACK for a 2xx: a new transaction to the Contact (RFC 3261 §13.2.2.4). */
  ack2xx(ok: SipMessage): void {
    this.toTag = tagOf(header(ok, "To"));
    this.remoteContact = /<([^>]+)>/.exec(header(ok, "Contact"))?.[1] ?? this.target.uri("5551234");
    this.send(this.build("ACK", this.remoteContact, this.inviteCseq, this.branch(), { toTag: this.toTag }));
  }

  /** ACK for a non-2xx final response: same branch as the INVITE (RFC 3261 §17.1.1.3). */
  ackFailure(final: SipMessage): void {
    const toTag = tagOf(header(final, "To"));
    this.send(this.build("ACK", this.target.uri("5551234"), this.inviteCseq, this.inviteBranch, { toTag }));
  }

  cancel(): void {
    this.send(this.build("CANCEL", this.target.uri("5551234"), this.inviteCseq, this.inviteBranch));
  }

  /** Sends an in-dialog request; returns the index of the next message, to wait for its answer. */
  inDialog(method: "BYE" | "INFO" | "INVITE", body?: { type: string; text: string }): { cseq: number; from: number } {
    const cseq = this.cseq++;
    const from = this.received.length;
    const content = method === "INVITE" ? { body: this.sdp() } : body ? { body: body.text, type: body.type } : {};
    this.send(this.build(method, this.remoteContact, cseq, this.branch(), { toTag: this.toTag, ...content }));
    if (method === "INVITE") this.inviteCseq = cseq;
    return { cseq, from };
  }

  respond(req: SipMessage, status: string): void {
    const lines = [`SIP/2.0 ${status}`];
    for (const v of req.headers.get("via") ?? []) lines.push(`Via: ${v}`);
    lines.push(
      `From: ${header(req, "From")}`,
      `To: ${header(req, "To")}`,
      `Call-ID: ${header(req, "Call-ID")}`,
      `CSeq: ${header(req, "CSeq")}`,
      "Content-Length: 0",
      "",
      "",
    );
    this.send(lines.join("\r\n"));
  }

  /** Digits as the project's RFC 4733 receiver reports them, with the arrival of each press's first packet. */
  digits(): { digit: string; at: number; timestamp: number }[] {
    const out: { digit: string; at: number; timestamp: number }[] = [];
    let start = 0;
    let ts = 0;
    const rx = new TelephoneEventReceiver((ev) => out.push({ digit: ev.digit, at: start, timestamp: ts }));
    let current = -1;
    for (const p of this.rtp) {
      if (p.pt !== 101) continue;
      const ev = parseTelephoneEvent(p.payload);
      if (!ev) continue;
      if (p.timestamp !== current) {
        current = p.timestamp;
        start = p.at;
        ts = p.timestamp;
      }
      rx.receive(p.timestamp, p.marker, ev, p.at);
    }
    return out;
  }

  audio(): RtpPacket[] {
    return this.rtp.filter((p) => p.pt === 0);
  }
}

/**
 * Run directories of each test's called parties, keyed by the test's context object (the one
 * object a test and its hooks share), removed when the test passes and kept to debug a failure.
 */
const runDirs = new WeakMap<object, string[]>();

test.afterEach.always((t) => {
  if (t.passed) for (const dir of runDirs.get(t.context as object) ?? []) rmSync(dir, { recursive: true, force: true });
});

async function startParty(
  t: { context: unknown; teardown(fn: () => void): void },
  scenario: CalledPartyScenario,
  opts: CalledPartyOptions,
): Promise<CalledParty> {
  const p = await startCalledParty(scenario, { timeoutMs: 30_000, ...opts });
  t.teardown(() => p.stop());
  runDirs.set(t.context as object, [...(runDirs.get(t.context as object) ?? []), p.dir]);
  return p;
}

async function call(
  t: { context: unknown; teardown(fn: () => void): void },
  scenario: CalledPartyScenario,
  opts: CalledPartyOptions,
): Promise<{ party: CalledParty; uac: TestUac }> {
  const party = await startParty(t, scenario, opts);
  const uac = new TestUac(party);
  await uac.open();
  t.teardown(() => uac.close());
  return { party, uac };
}

/** Places the call and answers the 200 with ACK; resolves with the 200 and when the ACK went. */
async function answered(uac: TestUac): Promise<{ ok: SipMessage; ackAt: number }> {
  uac.invite();
  const ok = await uac.response(200, "INVITE");
  uac.ack2xx(ok);
  return { ok, ackAt: Date.now() };
}

function failureReport(r: { code: number; stdout: string; stderr: string; errors?: string }): string {
  return `exit ${r.code}\n${r.errors ?? ""}\n${r.stderr}\n${r.stdout.slice(-3000)}`;
}

/** SIPp schedules in 10 ms ticks and the pcap thread starts a little late: allow for both. */
const SLACK_MS = 150;

test("accept: 180, then 200 with an SDP answer of PCMU/8000 and telephone-event/8000 on payload 101", async (t) => {
  const { party, uac } = await call(t, "accept", { pauseMs: 300, talkMs: 300 });
  uac.invite();
  const ringing = await uac.response(180, "INVITE");
  const ok = await uac.response(200, "INVITE");
  uac.ack2xx(ok);
  t.true(ringing.at <= ok.at);
  t.is(header(ok, "Content-Type"), "application/sdp");
  t.regex(ok.body, /^m=audio \d+ RTP\/AVP 0 101\r$/m);
  t.regex(ok.body, /^a=rtpmap:0 PCMU\/8000\r$/m);
  t.regex(ok.body, /^a=rtpmap:101 telephone-event\/8000\r$/m);
  t.regex(ok.body, new RegExp(`^m=audio ${party.mediaPort} `, "m"));
  t.is(tagOf(header(ok, "To")), tagOf(header(ringing, "To")), "one To tag for the 180 and the 200");
  await new Promise((r) => setTimeout(r, 300 + 300 + 300 + 300));
  const bye = uac.inDialog("BYE");
  await uac.response(200, "BYE", bye.from);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  // The default voice is speech (espeak-ng, sox to µ-law): more than digital silence.
  const voice = uac.audio();
  t.true(voice.length > 10, `voice packets: ${voice.length}`);
  t.true(
    voice.some((p) => p.payload.some((b) => (b & 0x7f) < 0x70)),
    "speech louder than a few steps above silence",
  );
});

test("accept: presses 1 only after the announcement pause, then streams PCMU voice until the controller's BYE", async (t) => {
  const pauseMs = 1200;
  const talkMs = 800;
  const { party, uac } = await call(t, "accept", { pauseMs, talkMs, voice: { toneHz: 1000 } });
  const { ackAt } = await answered(uac);
  await new Promise((r) => setTimeout(r, pauseMs + 300 + talkMs + 400));
  const bye = uac.inDialog("BYE");
  await uac.response(200, "BYE", bye.from);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));

  const digits = uac.digits();
  t.deepEqual(
    digits.map((d) => d.digit),
    ["1"],
  );
  const dtmfPackets = uac.rtp.filter((p) => p.pt === 101);
  t.true(dtmfPackets.length >= 8, `RFC 4733 packets: ${dtmfPackets.length}`);
  t.true(
    dtmfPackets.every((p) => p.payload[0] === 1),
    "every telephone-event packet carries event 1",
  );
  t.true(dtmfPackets.filter((p) => (p.payload[1]! & 0x80) !== 0).length >= 1, "an end packet");
  // SIPp sends the capture from the port its SDP names only when the SDP says [media_port].
  t.deepEqual(
    [...new Set(uac.rtp.map((p) => p.from))],
    [`127.0.0.1:${party.mediaPort}`],
    "digits and voice come from the address in the SDP answer (symmetric RTP)",
  );
  const firstDigit = digits[0]!.at;
  t.true(firstDigit - ackAt >= pauseMs - SLACK_MS, `digit ${firstDigit - ackAt} ms after the ACK`);

  const audio = uac.audio();
  t.true(audio.length > 0, "voice packets");
  t.true(audio[0]!.at >= firstDigit, "voice starts after the digit");
  // talkMs of voice plus the time until our BYE, at 50 packets a second.
  t.true(audio.length >= ((talkMs + 300) / 20) * 0.7, `voice packets: ${audio.length}`);
  t.true(
    audio.every((p) => p.payload.length === 160),
    "20 ms of PCMU each",
  );
  t.true(
    audio.some((p) => p.payload.some((b) => b !== 0xff && b !== 0x7f)),
    "not silence",
  );
});

test("accept with hangup=party: the called party sends an in-dialog BYE after talking", async (t) => {
  const { party, uac } = await call(t, "accept", { pauseMs: 200, talkMs: 400, hangup: "party" });
  const { ok, ackAt } = await answered(uac);
  const bye = await uac.request("BYE");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.true(bye.at - ackAt >= 200 + 300 + 400 - SLACK_MS, `BYE ${bye.at - ackAt} ms after the ACK`);
  t.is(header(bye, "Call-ID"), uac.callId);
  t.is(tagOf(header(bye, "To")), uac.fromTag, "To carries our tag");
  t.is(tagOf(header(bye, "From")), tagOf(header(ok, "To")), "From carries the tag of its 200");
  t.true(bye.startLine.startsWith(`BYE sip:facility@127.0.0.1:${uac.sipPort} `), bye.startLine);
  t.deepEqual(
    uac.digits().map((d) => d.digit),
    ["1"],
  );
});

test("accept: an INFO and a re-INVITE during the announcement are answered and the call goes on", async (t) => {
  const { party, uac } = await call(t, "accept", { pauseMs: 1000, talkMs: 200 });
  await answered(uac);
  const info = uac.inDialog("INFO", { type: "application/dtmf-relay", text: "Signal=5\r\nDuration=160\r\n" });
  await uac.response(200, "INFO", info.from);
  const reinvite = uac.inDialog("INVITE");
  const ok = await uac.response(200, "INVITE", reinvite.from);
  t.regex(ok.body, /^m=audio \d+ RTP\/AVP 0 101\r$/m);
  uac.ack2xx(ok);
  // The pause starts again after each in-dialog request (see docs/testing-called-party.md).
  await new Promise((r) => setTimeout(r, 1000 + 300 + 200 + 1000 + 300));
  const bye = uac.inDialog("BYE");
  await uac.response(200, "BYE", bye.from);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(
    uac.digits().map((d) => d.digit),
    ["1"],
  );
});

test("accept: an INVITE retransmission that crosses the 200 is absorbed, the 200 is retransmitted until the ACK", async (t) => {
  const { party, uac } = await call(t, "accept", { pauseMs: 300, talkMs: 200, hangup: "party" });
  uac.invite();
  const ok = await uac.response(200, "INVITE");
  uac.retransmitInvite();
  // SIPp retransmits the 200 every 500 ms (retrans="500") until it sees the ACK.
  const from = uac.received.indexOf(ok) + 1;
  const again = await uac.response(200, "INVITE", from);
  t.is(tagOf(header(again, "To")), tagOf(header(ok, "To")));
  uac.ack2xx(again);
  await uac.request("BYE");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(
    uac.digits().map((d) => d.digit),
    ["1"],
  );
});

test("accept: a BYE from the controller before the digit is answered with 200 and fails the scenario (exit code 1)", async (t) => {
  const { party, uac } = await call(t, "accept", { pauseMs: 3000, talkMs: 200 });
  await answered(uac);
  await new Promise((r) => setTimeout(r, 200));
  const bye = uac.inDialog("BYE");
  await uac.response(200, "BYE", bye.from);
  const r = await party.done;
  t.is(r.code, 1, failureReport(r));
  t.deepEqual(uac.digits(), []);
});

test("decline: presses 2 after the announcement and waits for the controller's BYE", async (t) => {
  const pauseMs = 500;
  const { party, uac } = await call(t, "decline", { pauseMs });
  const { ackAt } = await answered(uac);
  const deadline = Date.now() + 5000;
  while (uac.digits().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const digits = uac.digits();
  t.deepEqual(
    digits.map((d) => d.digit),
    ["2"],
  );
  t.true(digits[0]!.at - ackAt >= pauseMs - SLACK_MS);
  const bye = uac.inDialog("BYE");
  await uac.response(200, "BYE", bye.from);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(uac.audio(), [], "a declining party says nothing");
});

test("block: presses 9, waits for the confirmation prompt, presses 9 again as a new key press", async (t) => {
  const pauseMs = 400;
  const confirmMs = 700;
  const { party, uac } = await call(t, "block", { pauseMs, confirmMs });
  const { ackAt } = await answered(uac);
  const deadline = Date.now() + 5000;
  while (uac.digits().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const bye = uac.inDialog("BYE");
  await uac.response(200, "BYE", bye.from);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  const digits = uac.digits();
  t.deepEqual(
    digits.map((d) => d.digit),
    ["9", "9"],
  );
  t.true(digits[0]!.at - ackAt >= pauseMs - SLACK_MS);
  t.true(digits[1]!.at - digits[0]!.at >= confirmMs - 2 * SLACK_MS, `${digits[1]!.at - digits[0]!.at} ms apart`);
  t.not(digits[0]!.timestamp, digits[1]!.timestamp, "RFC 4733: a new event has a new timestamp");
  const dtmf = uac.rtp.filter((p) => p.pt === 101);
  t.is(new Set(dtmf.map((p) => p.ssrc)).size, 1, "one RTP stream for both presses");
  for (let i = 1; i < dtmf.length; i++) {
    t.true(((dtmf[i]!.seq - dtmf[i - 1]!.seq) & 0xffff) <= 1, `sequence keeps rising at packet ${i}`);
  }
});

test("no-answer: rings until CANCEL, answers it with 200 and the INVITE with 487, then takes the ACK", async (t) => {
  const { party, uac } = await call(t, "no-answer", {});
  uac.invite();
  await uac.response(180, "INVITE");
  await new Promise((r) => setTimeout(r, 300));
  t.is(
    uac.received.filter((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m.startLine)).length,
    0,
    "no final response while ringing",
  );
  uac.cancel();
  await uac.response(200, "CANCEL");
  const terminated = await uac.response(487, "INVITE");
  t.is(header(terminated, "CSeq"), "1 INVITE");
  t.truthy(tagOf(header(terminated, "To")));
  uac.ackFailure(terminated);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
});

test("no-answer: without a CANCEL it is still ringing at timeoutMs and exits 255", async (t) => {
  const { party, uac } = await call(t, "no-answer", { timeoutMs: 3000 });
  uac.invite();
  await uac.response(180, "INVITE");
  const r = await party.done;
  t.is(r.code, 255, failureReport(r));
});

test("busy: answers 486 Busy Here and takes the ACK", async (t) => {
  const { party, uac } = await call(t, "busy", {});
  uac.invite();
  const busy = await uac.response(486, "INVITE");
  t.truthy(tagOf(header(busy, "To")));
  uac.ackFailure(busy);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
});

test("busy: without the ACK it exits 255 at timeoutMs", async (t) => {
  const { party, uac } = await call(t, "busy", { timeoutMs: 3000 });
  uac.invite();
  await uac.response(486, "INVITE");
  const r = await party.done;
  t.is(r.code, 255, failureReport(r));
});

test("hangup-during-prompt: sends BYE pauseMs after the ACK, with no digit", async (t) => {
  const pauseMs = 700;
  const { party, uac } = await call(t, "hangup-during-prompt", { pauseMs });
  const { ackAt } = await answered(uac);
  const bye = await uac.request("BYE");
  t.true(bye.at - ackAt >= pauseMs - SLACK_MS, `BYE ${bye.at - ackAt} ms after the ACK`);
  t.is(tagOf(header(bye, "To")), uac.fromTag);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(uac.rtp, []);
});

test("extra-digits: accepts with 1, then presses 5 three times during the conversation as three key presses", async (t) => {
  const pauseMs = 400;
  const { party, uac } = await call(t, "extra-digits", {
    pauseMs,
    talkMs: 800,
    hangup: "party",
    voice: { toneHz: 1000 },
  });
  const { ackAt } = await answered(uac);
  await uac.request("BYE");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  const digits = uac.digits();
  t.deepEqual(
    digits.map((d) => d.digit),
    ["1", "5", "5", "5"],
  );
  t.true(digits[0]!.at - ackAt >= pauseMs - SLACK_MS);
  t.is(new Set(digits.map((d) => d.timestamp)).size, 4, "each press has its own timestamp");
  const audio = uac.audio();
  const voiceBefore = audio.filter((p) => p.at > digits[0]!.at && p.at < digits[1]!.at).length;
  const voiceAfter = audio.filter((p) => p.at > digits[3]!.at + 200).length;
  t.true(voiceBefore > 20, `voice between 1 and the first 5: ${voiceBefore} packets`);
  t.true(voiceAfter > 10, `voice after the last 5: ${voiceAfter} packets`);
  const lastFive = uac.rtp.filter((p) => p.pt === 101).at(-1)!;
  const during = audio.filter((p) => p.at > digits[1]!.at + 30 && p.at < lastFive.at - 30).length;
  t.is(during, 0, "voice paused while the 5s play");
});

test("silent: answers, sends no digit and no audio, and ends on the controller's BYE", async (t) => {
  const { party, uac } = await call(t, "silent", {});
  await answered(uac);
  await new Promise((r) => setTimeout(r, 1000));
  const bye = uac.inDialog("BYE");
  await uac.response(200, "BYE", bye.from);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(uac.rtp, []);
});

test("the trunk URI names the number at the party's port", async (t) => {
  const party = await startParty(t, "busy", { timeoutMs: 2000 });
  t.is(party.uri("18005550100"), `sip:18005550100@127.0.0.1:${party.port}`);
  party.stop();
  const r = await party.done;
  t.is(r.code, -1);
});

test("accept-info: presses 1 as a SIP INFO (application/dtmf-relay) after the announcement, then talks", async (t) => {
  const pauseMs = 500;
  const { party, uac } = await call(t, "accept-info", {
    pauseMs,
    talkMs: 800,
    hangup: "party",
    voice: { toneHz: 1000 },
  });
  const { ok, ackAt } = await answered(uac);
  const info = await uac.request("INFO");
  await uac.request("BYE");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.true(info.at - ackAt >= pauseMs - SLACK_MS, `INFO ${info.at - ackAt} ms after the ACK`);
  t.is(header(info, "Content-Type"), "application/dtmf-relay");
  t.regex(info.body, /^Signal=1\r$/m);
  t.is(tagOf(header(info, "From")), tagOf(header(ok, "To")));
  t.is(tagOf(header(info, "To")), uac.fromTag);
  t.is(header(info, "Call-ID"), uac.callId);
  t.deepEqual(
    uac.rtp.filter((p) => p.pt === 101),
    [],
    "no RFC 4733 packets",
  );
  // 800 ms of voice is 40 packets; SIPp starts its stream late when the machine is busy.
  t.true(uac.audio().length > 10, `then voice: ${uac.audio().length} packets`);
});

test("accept-inband: presses 1 as the 697 + 1209 Hz pair in the PCMU audio, with no RFC 4733 packet", async (t) => {
  const pauseMs = 400;
  const { party, uac } = await call(t, "accept-inband", {
    pauseMs,
    talkMs: 600,
    hangup: "party",
    voice: { toneHz: 1000 },
  });
  const { ackAt } = await answered(uac);
  await uac.request("BYE");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(
    uac.rtp.filter((p) => p.pt === 101),
    [],
  );
  const audio = uac.audio();
  t.true(audio[0]!.at - ackAt >= pauseMs - SLACK_MS, "no audio before the announcement is over");
  // The file: silence, the digit, silence (INBAND_DIGIT), 8 samples a millisecond.
  const { leadMs, toneMs, tailMs } = INBAND_DIGIT;
  const packets = audio.slice(0, Math.ceil((leadMs + toneMs + tailMs) / 20));
  const pcm = new Int16Array(packets.length * 160);
  packets.forEach((p, i) => {
    decodeG711(ULAW_DECODE, p.payload, pcm.subarray(i * 160, i * 160 + 160));
  });
  const tone = { from: (leadMs + 10) * 8, n: (toneMs - 20) * 8 }; // inside the tone, away from its edges
  t.true(toneLevelDbm0(pcm, 697, tone.from, tone.n) > -16, "row tone 697 Hz near −10 dBm0");
  t.true(toneLevelDbm0(pcm, 1209, tone.from, tone.n) > -16, "column tone 1209 Hz near −10 dBm0");
  t.true(toneLevelDbm0(pcm, 770, tone.from, tone.n) < -30, "not the next row");
  t.true(toneLevelDbm0(pcm, 697, 0, (leadMs - 10) * 8) < -40, "silence before the digit");
});

/** RTP payloads of a libpcap file (Ethernet, IPv4, UDP), as SIPp would send them. */
function pcapRtp(file: Uint8Array): { header: Buffer; payload: Buffer }[] {
  const b = Buffer.from(file);
  assertFormat(b.readUInt32LE(0) === 0xa1b2c3d4 && b.readUInt32LE(20) === 1, "little-endian Ethernet pcap");
  const out: { header: Buffer; payload: Buffer }[] = [];
  for (let off = 24; off + 16 <= b.length; ) {
    const len = b.readUInt32LE(off + 8);
    const pkt = b.subarray(off + 16, off + 16 + len);
    off += 16 + len;
    const udp = 14 + (pkt[14]! & 0x0f) * 4;
    const rtp = pkt.subarray(udp + 8);
    out.push({ header: rtp.subarray(0, 12), payload: rtp.subarray(12) });
  }
  return out;
}

function assertFormat(ok: boolean, what: string): void {
  if (!ok) throw new Error(`not a ${what}`);
}

/** Key presses the project's RFC 4733 receiver reports for these captures played in order. */
function pressesOf(...captures: Uint8Array[]): string[] {
  const out: string[] = [];
  const rx = new TelephoneEventReceiver((ev) => out.push(ev.digit));
  let now = 0;
  for (const c of captures) {
    for (const p of pcapRtp(c)) {
      const ev = parseTelephoneEvent(p.payload);
      now += 20;
      if (ev) rx.receive(p.header.readUInt32BE(4), (p.header[1]! & 0x80) !== 0, ev, now);
    }
  }
  return out;
}

test("RFC 4733 §2.5: the bundled 9 played twice repeats its timestamp and counts as one key press", (t) => {
  const nine = readFileSync("/usr/share/sip-tester/dtmf_2833_9.pcap");
  t.deepEqual(pressesOf(nine, nine), ["9"]);
});

test("the generated confirming 9 continues the bundled stream, so 9 then 9 are two key presses", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "called-party-media-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeMedia(dir, { toneHz: 1000 });
  const bundled = readFileSync("/usr/share/sip-tester/dtmf_2833_9.pcap");
  const confirm = readFileSync(join(dir, "media", "dtmf-9-confirm.pcap"));
  t.deepEqual(pressesOf(bundled, confirm), ["9", "9"]);
  const a = pcapRtp(bundled);
  const b = pcapRtp(confirm);
  t.is(b[0]!.header.readUInt32BE(8), a[0]!.header.readUInt32BE(8), "same SSRC");
  t.is(b[0]!.header.readUInt16BE(2), a.at(-1)!.header.readUInt16BE(2) + 1, "next sequence number");
  t.true(b[0]!.header.readUInt32BE(4) > a[0]!.header.readUInt32BE(4), "later timestamp");
  t.is(b[0]!.header[1], 0x80 | 101, "marker on the first packet, payload type 101");
  const fives = ["dtmf_2833_5.pcap", "dtmf-5-second.pcap", "dtmf-5-third.pcap"].map((f) =>
    readFileSync(f.startsWith("dtmf_") ? `/usr/share/sip-tester/${f}` : join(dir, "media", f)),
  );
  t.deepEqual(pressesOf(...fives), ["5", "5", "5"]);
  // Voice: one second of tone as raw µ-law, 8000 bytes, no header.
  t.is(readFileSync(join(dir, "media", "voice.ul")).length, 8000);
});

// ---------------------------------------------------------------------------------------------
// The same scenarios called by Yardline's own user agent (telephony/), the stack the
// controller's trunk leg is built on.

async function yardlineCaller(t: { teardown(fn: () => void): void }): Promise<Account> {
  const { ep } = await loopbackEndpoint();
  t.teardown(() => ep.libDestroy());
  return ep.accountCreate({ idUri: "sip:trunk@127.0.0.1" });
}

test("Yardline calling accept: PCMU is negotiated, digit 1 is reported once, the party's voice arrives, its BYE ends the call", async (t) => {
  const acc = await yardlineCaller(t);
  const party = await startParty(t, "accept", { pauseMs: 500, talkMs: 800, hangup: "party" });
  const c = acc.makeCall(party.uri("2025550123"));
  const digits = collectDtmf(c);
  await waitState(c, "CONFIRMED");
  t.is(c.getInfo().codec, "PCMU");
  await waitState(c, "DISCONNECTED", 10_000);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(
    digits.map((d) => [d.digit, d.method]),
    [["1", "rfc4733"]],
  );
  t.is(c.getInfo().disconnectReason, "BYE from remote");
});

test("Yardline calling block: the two 9s are reported as two key presses, our BYE ends it", async (t) => {
  const acc = await yardlineCaller(t);
  const party = await startParty(t, "block", { pauseMs: 300, confirmMs: 600 });
  const c = acc.makeCall(party.uri("2025550123"));
  const digits = collectDtmf(c);
  await waitState(c, "CONFIRMED");
  await until(() => digits.length >= 2, 10_000, "two digits");
  await c.hangup();
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(
    digits.map((d) => d.digit),
    ["9", "9"],
  );
});

test("Yardline calling extra-digits: 1, then 5, 5, 5 during the conversation", async (t) => {
  const acc = await yardlineCaller(t);
  const party = await startParty(t, "extra-digits", {
    pauseMs: 300,
    talkMs: 300,
    hangup: "party",
  });
  const c = acc.makeCall(party.uri("2025550123"));
  const digits = collectDtmf(c);
  await waitState(c, "CONFIRMED");
  await waitState(c, "DISCONNECTED");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(
    digits.map((d) => d.digit),
    ["1", "5", "5", "5"],
  );
});

test("Yardline calling accept: an INFO and a re-INVITE during the announcement are answered 200", async (t) => {
  const acc = await yardlineCaller(t);
  const party = await startParty(t, "accept", { pauseMs: 800, talkMs: 200, hangup: "party" });
  const c = acc.makeCall(party.uri("2025550123"));
  const digits = collectDtmf(c);
  await waitState(c, "CONFIRMED");
  t.is(await c.sendInfo("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"), 200);
  await c.reinvite();
  await waitState(c, "DISCONNECTED");
  t.is(c.getInfo().disconnectReason, "BYE from remote");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(
    digits.map((d) => d.digit),
    ["1"],
  );
});

test("Yardline calling busy: the call ends with 486 Busy Here", async (t) => {
  const acc = await yardlineCaller(t);
  const party = await startParty(t, "busy", {});
  const c = acc.makeCall(party.uri("2025550123"));
  await waitState(c, "DISCONNECTED");
  t.is(c.getInfo().lastStatusCode, 486);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
});

test("Yardline calling no-answer: hanging up while it rings sends CANCEL, and the 487 is ACKed", async (t) => {
  const acc = await yardlineCaller(t);
  const party = await startParty(t, "no-answer", {});
  const c = acc.makeCall(party.uri("2025550123"));
  await waitState(c, "EARLY");
  await c.hangup();
  await waitState(c, "DISCONNECTED");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
});

test("Yardline calling hangup-during-prompt: the party's BYE ends the call before any digit", async (t) => {
  const acc = await yardlineCaller(t);
  const party = await startParty(t, "hangup-during-prompt", { pauseMs: 500 });
  const c = acc.makeCall(party.uri("2025550123"));
  const digits = collectDtmf(c);
  await waitState(c, "CONFIRMED");
  await waitState(c, "DISCONNECTED");
  t.is(c.getInfo().disconnectReason, "BYE from remote");
  t.deepEqual(digits, []);
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
});

test("every called-party scenario has its fixture, and every fixture is a listed scenario", (t) => {
  const fixtures = readdirSync(new URL("../fixtures/calls/", import.meta.url))
    .filter((f) => f.endsWith(".xml"))
    .map((f) => f.slice(0, -4))
    .sort();
  t.deepEqual(fixtures, [...CALLED_PARTY_SCENARIOS].sort());
});

test("Yardline calling accept-info: the INFO digit 1 is reported as method info", async (t) => {
  const acc = await yardlineCaller(t);
  const party = await startParty(t, "accept-info", {
    pauseMs: 300,
    talkMs: 300,
    hangup: "party",
  });
  const c = acc.makeCall(party.uri("2025550123"));
  const digits = collectDtmf(c);
  await waitState(c, "CONFIRMED");
  await waitState(c, "DISCONNECTED");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(
    digits.map((d) => [d.digit, d.method]),
    [["1", "info"]],
  );
});

test("Yardline calling accept-inband with in-band detection on: the tone pair is reported as digit 1", async (t) => {
  const { ep } = await loopbackEndpoint();
  t.teardown(() => ep.libDestroy());
  const acc = ep.accountCreate({ idUri: "sip:trunk@127.0.0.1", inbandDtmf: true });
  const party = await startParty(t, "accept-inband", {
    pauseMs: 300,
    talkMs: 500,
    hangup: "party",
    voice: { toneHz: 1000 },
  });
  const c = acc.makeCall(party.uri("2025550123"));
  const digits = collectDtmf(c);
  await waitState(c, "CONFIRMED");
  await waitState(c, "DISCONNECTED");
  const r = await party.done;
  t.is(r.code, 0, failureReport(r));
  t.deepEqual(
    digits.map((d) => [d.digit, d.method]),
    [["1", "inband"]],
  );
});
