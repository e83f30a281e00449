/**
 * The called party on the trunk side of end-to-end call tests: SIPp answering one call as a UAS
 * with one of the scenarios in test/fixtures/calls/ (accept, decline, block, no answer, busy,
 * hang-up during the prompt, extra digits, silence; and accept with the 1 sent as SIP INFO or
 * as an in-band tone, the other ways mobiles and gateways send key presses).
 *
 * The controller reaches it at the trunk URI `sip:<number>@127.0.0.1:<port>` (UDP), with an
 * INVITE that carries an SDP offer (SIPp learns where to send media from the offer's `c=` and
 * `m=audio` lines). See docs/testing-called-party.md for each scenario's timeline.
 *
 * SIPp runs in the foreground in its own temp directory (kept after exit, with its -trace_err /
 * -trace_msg / -trace_logs files, for debugging): that directory holds the `pcap` link to the
 * bundled captures, the scenario, and the media this module generates (the called party's
 * voice as raw µ-law, and RFC 4733 captures for repeated digits; see writeMedia()).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ULAW_ENCODE } from "../../telephony/media/g711.ts";
import { concat, dtmf, silence, sine } from "./audio.ts";
import { ownsUdpSocket } from "./sipp.ts";

export type CalledPartyScenario =
  | "accept"
  | "accept-info"
  | "accept-inband"
  | "decline"
  | "block"
  | "no-answer"
  | "busy"
  | "hangup-during-prompt"
  | "extra-digits"
  | "silent";

export const CALLED_PARTY_SCENARIOS: readonly CalledPartyScenario[] = [
  "accept",
  "accept-info",
  "accept-inband",
  "decline",
  "block",
  "no-answer",
  "busy",
  "hangup-during-prompt",
  "extra-digits",
  "silent",
];

/** What the called party says once the call is accepted (streamed as PCMU, looped). */
export type CalledPartyVoice =
  /** Spoken words (espeak-ng, then sox to 8 kHz µ-law). */
  | { text: string }
  /** A steady tone, easy to find in a recording with a Goertzel filter. */
  | { toneHz: number; levelDbm0?: number };

export interface CalledPartyOptions {
  /** SIP port (UDP, 127.0.0.1). Default: a free one below the ephemeral range. */
  port?: number;
  /** RTP port. SIPp also binds this + 2, so both must be free. Default: a free pair. */
  mediaPort?: number;
  /** Time to wait after the ACK before the first digit: the announcement's length. */
  pauseMs?: number;
  /** Time on the line after accepting (accept, extra-digits), before waiting for or sending BYE. */
  talkMs?: number;
  /** Time between the two 9s of block.xml (the confirmation prompt). */
  confirmMs?: number;
  /** Time between 180 Ringing and 200 OK for the answering scenarios. */
  ringMs?: number;
  /** Who ends an accepted call (accept, extra-digits): wait for the controller's BYE, or send it. */
  hangup?: "controller" | "party";
  /** What the party says after accepting. Default: a spoken sentence. */
  voice?: CalledPartyVoice;
  /** SIPp gives up (exit code != 0) after this long. Default 120 s. */
  timeoutMs?: number;
  /** Run directory; default a new one under os.tmpdir(). It is kept after SIPp exits. */
  dir?: string;
}

export interface CalledPartyResult {
  /**
   * SIPp's exit code: 0 = the call went as the scenario says; 1 = it did not (unexpected message,
   * BYE too early); 255 = the call was still going at timeoutMs, or SIPp hit an error; -1 =
   * killed, or sipp could not be run.
   */
  code: number;
  stdout: string;
  stderr: string;
  /** Contents of the -trace_err file, when SIPp wrote one. */
  errors?: string;
  /** The last statistics screen (the text after the last "Statistics Screen" in stdout). */
  stat?: string;
}

export interface CalledParty {
  port: number;
  mediaPort: number;
  pid: number;
  dir: string;
  /** `sip:<number>@127.0.0.1:<port>`: the trunk URI the controller dials. */
  uri(number: string): string;
  done: Promise<CalledPartyResult>;
  /** Kills SIPp by PID (idempotent). */
  stop(): void;
}

/** Scenario timings: the announcement takes 15-30 s, so 20 s is a middle guess; tests pass their own. */
const DEFAULTS = {
  pauseMs: 20_000,
  talkMs: 5_000,
  confirmMs: 4_000,
  ringMs: 0,
  hangup: "controller",
} as const;
const DEFAULT_TIMEOUT_MS = 120_000;

const DEFAULT_VOICE: CalledPartyVoice = {
  text: "Hello, this is the called party. Yes, I will take the call. How are you doing today? Everything is fine here.",
};

const FIXTURES = new URL("../fixtures/calls/", import.meta.url);
const BUNDLED_PCAPS = "/usr/share/sip-tester";

/** Attempts when a port we picked turns out taken by the time SIPp binds it. */
const LAUNCH_ATTEMPTS = 4;

export async function startCalledParty(
  scenario: CalledPartyScenario,
  opts: CalledPartyOptions = {},
): Promise<CalledParty> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), `called-party-${scenario}-`));
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "pcap"))) symlinkSync(BUNDLED_PCAPS, join(dir, "pcap"));
  const file = `${scenario}.xml`;
  copyFileSync(new URL(file, FIXTURES), join(dir, file));
  writeMedia(dir, opts.voice ?? DEFAULT_VOICE);

  const chosen = opts.port === undefined || opts.mediaPort === undefined;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freeUdpPorts(1));
    const mediaPort = opts.mediaPort ?? (await freeUdpPorts(2, 2));
    try {
      return await launch(scenario, opts, dir, file, port, mediaPort);
    } catch (e) {
      // Another program took a port between our check and SIPp's bind: try others.
      if (!(e instanceof PortTakenError) || !chosen || attempt >= LAUNCH_ATTEMPTS) throw e;
    }
  }
}

class PortTakenError extends Error {}

async function launch(
  scenario: CalledPartyScenario,
  opts: CalledPartyOptions,
  dir: string,
  file: string,
  port: number,
  mediaPort: number,
): Promise<CalledParty> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const args = [
    "-sf",
    file,
    "-i",
    "127.0.0.1",
    "-p",
    String(port),
    "-mi",
    "127.0.0.1",
    "-mp",
    String(mediaPort),
    "-m",
    "1",
    "-nostdin",
    "-trace_err",
    "-trace_msg",
    "-trace_logs",
    "-timeout",
    `${Math.ceil(timeoutMs / 1000)}s`,
    "-timeout_error",
    ...scenarioVariables(scenario, opts),
  ];
  const child: ChildProcess = spawn("sipp", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout = (stdout + d.toString("latin1")).slice(-40_000);
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString("latin1")).slice(-20_000);
  });
  // SIPp's own -timeout ends it; this is the backstop if SIPp hangs on the way out.
  const backstop = setTimeout(() => stop(), timeoutMs + 10_000);
  backstop.unref();
  const done = new Promise<CalledPartyResult>((resolve) => {
    const finish = (code: number) => {
      clearTimeout(backstop);
      resolve({ code, stdout, stderr, errors: readTrace(dir, "_errors.log"), stat: lastScreen(stdout) });
    };
    child.on("error", (e) => {
      stderr += `\n${e.message}`;
      finish(-1);
    });
    child.on("exit", (code) => finish(code ?? -1));
  });
  function stop(): void {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  try {
    await listening(port, child, done);
  } catch (e) {
    stop();
    throw e;
  }
  return {
    port,
    mediaPort,
    pid: child.pid ?? -1,
    dir,
    uri: (number: string) => `sip:${number}@127.0.0.1:${port}`,
    done,
    stop,
  };
}

/**
 * The variables each scenario declares (`<Global variables=...>`). SIPp refuses `-set` for a
 * variable the scenario does not declare, and a declared one the scenario uses only once.
 */
const SCENARIO_VARIABLES: Record<CalledPartyScenario, readonly (keyof typeof DEFAULTS)[]> = {
  accept: ["pauseMs", "talkMs", "ringMs", "hangup"],
  "accept-info": ["pauseMs", "talkMs", "ringMs", "hangup"],
  "accept-inband": ["pauseMs", "talkMs", "ringMs", "hangup"],
  "extra-digits": ["pauseMs", "talkMs", "ringMs", "hangup"],
  decline: ["pauseMs", "ringMs"],
  block: ["pauseMs", "confirmMs", "ringMs"],
  "hangup-during-prompt": ["pauseMs", "ringMs"],
  silent: ["ringMs"],
  "no-answer": [],
  busy: [],
};

/** hangup-during-prompt hangs up 3 s into the announcement unless told otherwise. */
const HANGUP_DURING_PROMPT_MS = 3_000;

function scenarioVariables(scenario: CalledPartyScenario, opts: CalledPartyOptions): string[] {
  const values = {
    pauseMs: opts.pauseMs ?? (scenario === "hangup-during-prompt" ? HANGUP_DURING_PROMPT_MS : DEFAULTS.pauseMs),
    talkMs: opts.talkMs ?? DEFAULTS.talkMs,
    confirmMs: opts.confirmMs ?? DEFAULTS.confirmMs,
    ringMs: opts.ringMs ?? DEFAULTS.ringMs,
    hangup: opts.hangup ?? DEFAULTS.hangup,
  };
  return SCENARIO_VARIABLES[scenario].flatMap((name) => ["-set", name, String(values[name])]);
}

function readTrace(dir: string, suffix: string): string | undefined {
  const f = readdirSync(dir).find((n) => n.endsWith(suffix));
  return f === undefined ? undefined : readFileSync(join(dir, f), "latin1");
}

function lastScreen(stdout: string): string | undefined {
  const i = stdout.lastIndexOf("Statistics Screen");
  return i < 0 ? undefined : stdout.slice(i);
}

/**
 * Resolves once SIPp itself has bound its SIP port, so the caller can send the INVITE straight
 * away; rejects if SIPp exits first (PortTakenError when a port was in use). It reads
 * /proc/net/udp and SIPp's open files (Linux) rather than trying to bind the port, which could
 * take it from SIPp in the instant SIPp binds, and checks the socket is SIPp's, not another
 * program's that happens to hold the same port.
 */
async function listening(port: number, child: ChildProcess, done: Promise<CalledPartyResult>): Promise<void> {
  let exited = false;
  void done.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited || child.exitCode !== null) {
      const r = await done;
      const text = `${r.stderr}\n${r.stdout}`;
      const message = `sipp exited (${r.code}) before listening:\n${r.stderr}\n${r.stdout.slice(-3000)}`;
      throw /Address already in use/.test(text) ? new PortTakenError(message) : new Error(message);
    }
    if (child.pid !== undefined && ownsUdpSocket(child.pid, port)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`sipp did not bind 127.0.0.1:${port} within 10 s`);
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * Ports for SIPp are picked below Linux's ephemeral range (32768-60999 by default), where the
 * port-0 binds of the test itself and of the controller (RTP, SIP) never land: a port found by
 * binding port 0 and releasing it could be taken by one of those before SIPp binds it. The
 * user-agent tests pick their peers' ports from 20000-31999 (test/telephony/ua/helpers.ts), so
 * the called parties keep to 12000-19999: a port one of those peers has just left, with late
 * retransmissions still on their way to it, is not one we hand out.
 */
const PEER_PORT_LOW = 12_000;
const PEER_PORT_HIGH = 20_000;

/**
 * Ports handed out in this process, never handed out again: concurrent tests cannot pick the
 * same one, and a new SIPp does not get a port an earlier one used, where a late retransmission
 * of the earlier call could still arrive and fail the new one (SIPp counts a stray request as a
 * failed call). 4000 even bases, three ports per party: room for far more parties than a test file runs.
 */
const reserved = new Set<number>();

/** `count` UDP ports free on 127.0.0.1, `step` apart (SIPp's media takes port and port + 2). */
export async function freeUdpPorts(count: number, step = 1): Promise<number> {
  const span = (count - 1) * step;
  for (let attempt = 0; attempt < 200; attempt++) {
    // Even bases, as RTP ports traditionally are (RFC 3550 §11).
    const base = PEER_PORT_LOW + 2 * Math.floor((Math.random() * (PEER_PORT_HIGH - PEER_PORT_LOW - span)) / 2);
    const ports = Array.from({ length: count }, (_, k) => base + k * step);
    if (ports.some((p) => reserved.has(p))) continue;
    for (const p of ports) reserved.add(p);
    let ok = true;
    for (const p of ports) if (ok) ok = await udpFree(p);
    if (ok) return base;
  }
  throw new Error("no free UDP ports found");
}

// ---------------------------------------------------------------------------------------------
// Media the scenarios play besides the bundled captures.

/**
 * SSRC, sequence numbers and timestamps of the bundled dtmf_2833_*.pcap captures (all one
 * stream: SSRC 0x0e05384e). Replaying one capture twice sends the very same packets again; every
 * packet of one event carries the timestamp of its start and receivers tell events apart by it
 * (RFC 4733 §2.5), so a repeated timestamp reads as a retransmission and the second press of
 * the same digit would be lost. Repeats are therefore generated captures that continue the
 * bundled stream: same SSRC, next sequence numbers, a later timestamp.
 */
const BUNDLED_SSRC = 0x0e05384e;
/** Last sequence number and the event timestamp of the bundled captures we continue from. */
const BUNDLED_5 = { lastSeq: 8162, timestamp: 43_200 };
const BUNDLED_9 = { lastSeq: 8300, timestamp: 67_840 };

/** Generated captures: file name under media/, digit, first sequence number, timestamp. */
const GENERATED_DIGITS = [
  // block.xml: "9" again, confirming the block (about 4 s later in RTP time).
  { file: "dtmf-9-confirm.pcap", event: 9, seq: BUNDLED_9.lastSeq + 1, timestamp: BUNDLED_9.timestamp + 32_000 },
  // extra-digits.xml: the second and third "5" after the bundled one.
  { file: "dtmf-5-second.pcap", event: 5, seq: BUNDLED_5.lastSeq + 1, timestamp: BUNDLED_5.timestamp + 8_000 },
  { file: "dtmf-5-third.pcap", event: 5, seq: BUNDLED_5.lastSeq + 12, timestamp: BUNDLED_5.timestamp + 16_000 },
] as const;

/**
 * accept-inband.xml's key press: 400 ms of silence, the DTMF pair for 1 (697 + 1209 Hz) for
 * 250 ms at −10 dBm0 per tone, 100 ms of silence; as PCMU audio, no RFC 4733 event. 250 ms is
 * an ordinary key press, well above the 40 ms DTMF receivers commonly need to recognise a digit,
 * and survives a receiver that loses a few packets when the machine is busy.
 * The party sends no audio before it, so the silence lets the receiver's jitter buffer settle
 * on the new stream before the tone, as it would on a phone that had been sending all along.
 */
export const INBAND_DIGIT = { digit: "1", leadMs: 400, toneMs: 250, tailMs: 100 } as const;

/**
 * Writes media/voice.ul (raw µ-law, 8 kHz), the in-band digit and the generated DTMF captures
 * into `dir`.
 */
export function writeMedia(dir: string, voice: CalledPartyVoice): void {
  const media = join(dir, "media");
  mkdirSync(media, { recursive: true });
  writeFileSync(join(media, "voice.ul"), voiceUlaw(voice, dir));
  writeFileSync(
    join(media, "dtmf-1-inband.ul"),
    ulaw(
      concat(silence(INBAND_DIGIT.leadMs), dtmf(INBAND_DIGIT.digit, INBAND_DIGIT.toneMs), silence(INBAND_DIGIT.tailMs)),
    ),
  );
  for (const d of GENERATED_DIGITS) {
    writeFileSync(
      join(media, d.file),
      dtmfPcap(d.event, { ssrc: BUNDLED_SSRC, firstSeq: d.seq, timestamp: d.timestamp }),
    );
  }
}

const speechCache = new Map<string, Uint8Array>();

/**
 * The party's voice as raw µ-law. SIPp 3.6.1's rtp_stream sends the file's bytes as they are
 * (a WAV header would go out as audio), 160 bytes per 20 ms packet.
 */
export function voiceUlaw(voice: CalledPartyVoice, workDir: string): Uint8Array {
  if ("toneHz" in voice) {
    // One second of a whole number of cycles, so the loop joins without a click.
    return ulaw(sine([voice.toneHz], 1000, { levelDbm0: voice.levelDbm0 ?? -12 }));
  }
  const cached = speechCache.get(voice.text);
  if (cached) return cached;
  const wav = join(workDir, "voice-speech.wav");
  const raw = join(workDir, "voice-speech.ul");
  const say = spawnSync("espeak-ng", ["-v", "en-us", "-w", wav, voice.text], { encoding: "utf8" });
  if (say.status !== 0) throw new Error(`espeak-ng failed: ${say.stderr ?? say.error?.message}`);
  const conv = spawnSync("sox", [wav, "-r", "8000", "-c", "1", "-t", "ul", raw], { encoding: "utf8" });
  if (conv.status !== 0) throw new Error(`sox failed: ${conv.stderr ?? conv.error?.message}`);
  // A short silence between repeats of the sentence, as a person pauses.
  const bytes = Buffer.concat([readFileSync(raw), Buffer.from(ulaw(silence(400)))]);
  rmSync(wav, { force: true });
  rmSync(raw, { force: true });
  speechCache.set(voice.text, bytes);
  return bytes;
}

function ulaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = ULAW_ENCODE[pcm[i]! & 0xffff]!;
  return out;
}

export interface DtmfPcapOpts {
  ssrc: number;
  firstSeq: number;
  /** RTP timestamp of the event's start, the same in all its packets (RFC 4733 §2.5). */
  timestamp: number;
  /** Event length in 20 ms packets before the end packets. Default 8 (160 ms). */
  packets?: number;
  payloadType?: number;
}

/**
 * A libpcap file (Ethernet, IPv4, UDP) holding one RFC 4733 event shaped like SIPp's bundled
 * captures: packets every 20 ms with a growing duration, the first with the marker bit
 * (§2.5.1.3), then the end packet sent three times (§2.5.1.4). SIPp rewrites the addresses and
 * ports when it plays the file.
 */
export function dtmfPcap(event: number, opts: DtmfPcapOpts): Uint8Array {
  const n = opts.packets ?? 8;
  const pt = opts.payloadType ?? 101;
  const frames: { t: number; rtp: Buffer }[] = [];
  const samplesPerPacket = 160;
  for (let i = 0; i < n + 3; i++) {
    const end = i >= n;
    const rtp = Buffer.alloc(16);
    rtp[0] = 0x80;
    rtp[1] = (i === 0 ? 0x80 : 0) | pt;
    rtp.writeUInt16BE((opts.firstSeq + Math.min(i, n)) & 0xffff, 2);
    rtp.writeUInt32BE(opts.timestamp >>> 0, 4);
    rtp.writeUInt32BE(opts.ssrc >>> 0, 8);
    rtp[12] = event;
    rtp[13] = (end ? 0x80 : 0) | 10; // volume 10 dBm0 below full scale, as the bundled captures
    rtp.writeUInt16BE(samplesPerPacket * Math.min(i + 1, n), 14);
    frames.push({ t: Math.min(i, n) * 20, rtp });
  }
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const parts: Buffer[] = [global];
  for (const f of frames) {
    const pkt = ethernetUdp(f.rtp);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_000_000 + Math.floor(f.t / 1000), 0);
    rec.writeUInt32LE((f.t % 1000) * 1000, 4);
    rec.writeUInt32LE(pkt.length, 8);
    rec.writeUInt32LE(pkt.length, 12);
    parts.push(rec, pkt);
  }
  return Buffer.concat(parts);
}

function ethernetUdp(payload: Buffer): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 17;
  Buffer.from([192, 168, 0, 3]).copy(ip, 12);
  Buffer.from([192, 168, 0, 1]).copy(ip, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(49176, 0);
  udp.writeUInt16BE(10000, 2);
  udp.writeUInt16BE(8 + payload.length, 4); // checksum 0: none (RFC 768)
  return Buffer.concat([eth, ip, udp, payload]);
}
