/**
 * Concurrent recorded calls through the controller, with SIPp on both sides (issue #5):
 * - the controller's call path in its own process (test/support/call-service-process.ts: the
 *   real SIP stack, prompts, authorization, bridge, stereo recorder, seals, call records in
 *   SQLite), so its CPU is its own;
 * - SIPp as N handsets (UAC): INVITE to the controller, the inmate's voice as PCMU from the
 *   start (rtp_stream), language, PIN and number keyed as SIP INFO (type-ahead), BYE after the
 *   hold time;
 * - SIPp as the called parties (UAS, test/fixtures/calls/accept-info.xml): answer, wait out the
 *   acceptance announcement, press 1 (SIP INFO), talk (rtp_stream) until the controller's BYE.
 *
 * Levels of N concurrent calls; at each, the controller's CPU is sampled only while all N calls
 * are accepted and bridged at once (read from the call records, as an investigator would).
 * A level passes when both SIPp instances report every call successful, there are exactly N new
 * call records, all completed, accepted, recorded, with a charge, and every recording's seal
 * verifies. Key presses go as SIP INFO because SIPp's pcap playback opens a raw socket per call
 * (unusable for hundreds of calls, see the test peers reference); RFC 4733 acceptance is covered
 * by the end-to-end tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import SQLite from "better-sqlite3";
import { assignCos, createCos, createFeatureGroup } from "../controller/domain/classes.ts";
import { createHousingUnit, createPhoneBank, createStation } from "../controller/domain/facilities.ts";
import { bookInmate } from "../controller/domain/inmates.ts";
import { DEMO_FACILITY_ID, DEMO_NUMBERS, openDemoFacilityAllDay, seedDemoAgency } from "../controller/domain/seed.ts";
import { readSeal, sealPath, verifyRecording } from "../controller/recordings/integrity.ts";
import { PUBLIC_KEY_FILE, publicKeyFromPem } from "../controller/recordings/signing-key.ts";
import { openDomainStore } from "../controller/store/domain-store.ts";
import { PROMPTS_CACHE } from "../test/controller/calls/harness.ts";
import { freeUdpPorts, writeMedia } from "../test/support/called-party.ts";
import { type BenchResult, cpuMsOf } from "./harness.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const LEVELS = (process.env.YARDLINE_BENCH_CALL_LEVELS ?? "50,100,200,300,400")
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
/** New calls per second from the handsets. */
const RATE = 10;
/** From the handset's ACK to the called party's acceptance: keyed digits, "please wait", ~35 s announcement. */
const ACCEPT_AFTER_MS = 45_000;
/** The called party presses 1 this long after answering (the announcement's length plus a margin). */
const PARTY_PAUSE_MS = 40_000;
/** Time with every call bridged at once, sampled for CPU. */
const WINDOW_MS = 20_000;
const STATIONS = Math.max(...LEVELS);
const NUMBER = DEMO_NUMBERS.family.slice(2);

interface Level {
  calls: number;
  passed: boolean;
  why: string[];
  controllerCpu: number;
  /** The controller's main thread (event loop) alone. */
  controllerLoopCpu: number;
  uacCpu: number;
  uasCpu: number;
  peak: number;
  samples: number;
  records: number;
  sealsVerified: number;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "yl-bench-load-"));
  const children: ChildProcess[] = [];
  try {
    await seed(dir, STATIONS);
    const trunkPort = await freeUdpPorts(1);
    const ctl = await startController(dir, trunkPort, children);
    const peers = path.join(dir, "peers");
    preparePeers(peers);
    const levels: Level[] = [];
    // Every level uses stations 1..N again: the calls of the level before have ended.
    for (const n of LEVELS) {
      const level = await runLevel(n, { dir, peers, trunkPort, sipPort: ctl.sipPort, ctlPid: ctl.pid, children });
      levels.push(level);
      process.stdout.write(
        `  ${n} calls: ${level.passed ? "pass" : `FAIL (${level.why.join("; ")})`}, controller ${pct(level.controllerCpu)} of a core (event loop ${pct(level.controllerLoopCpu)}), peak bridged ${level.peak}\n`,
      );
      if (!level.passed || level.controllerCpu > 0.9) break;
    }
    const best = [...levels].reverse().find((l) => l.passed);
    const steps = levels
      .map(
        (l) =>
          `${l.calls}: ${l.passed ? "pass" : "fail"} / controller ${pct(l.controllerCpu)} (event loop ${pct(l.controllerLoopCpu)}) / SIPp handsets ${pct(l.uacCpu)}, called parties ${pct(l.uasCpu)} / records ${l.records} / seals ${l.sealsVerified}${l.why.length ? ` (${l.why.join("; ")})` : ""}`,
      )
      .join("; ");
    const load = os.loadavg().map((x) => x.toFixed(1));
    return [
      {
        area: "calls",
        name: "concurrent recorded calls through one controller process, SIPp on both sides, zero lost call records",
        value: best?.calls ?? 0,
        unit: "calls",
        anchor: { label: "Asterisk's published low end (150-400 calls/core)", value: 150, higherIsBetter: true },
        notes:
          `levels ${LEVELS.join(", ")} (stops at the first failure or above 90 % of a core); each call: handset INVITE, prompts, PIN and number keyed as SIP INFO, authorization, trunk INVITE, ~35 s acceptance announcement, 1 as SIP INFO, bridged and recorded (stereo WAV, sealed at the end), both sides streaming PCMU; CPU sampled over ${WINDOW_MS / 1000} s with all N calls bridged; ` +
          `a pass = both SIPp instances report every call successful, N completed and accepted call records with charges, every seal verified. Steps (calls: result / CPU as a share of one core: the controller process with all its threads — event loop, recording writer, GC — and its event loop alone): ${steps}. ` +
          `Load average after: ${load.join("/")} (2 cores shared by the controller and both SIPp processes).`,
      },
    ];
  } finally {
    for (const c of children) kill(c);
    if (process.env.YARDLINE_BENCH_KEEP) process.stdout.write(`  kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}

/** The demo agency plus a housing unit, phone bank and `n` stations and inmates for the load, with no usage limits. */
async function seed(dir: string, n: number): Promise<void> {
  const ds = await openDomainStore({ kind: "sqlite", file: path.join(dir, "yardline.db") });
  try {
    const now = Date.now();
    await seedDemoAgency(ds, now);
    await openDemoFacilityAllDay(ds);
    const scope = new Set([DEMO_FACILITY_ID]);
    const unit = await createHousingUnit(ds, scope, { id: "bench-unit", facilityId: DEMO_FACILITY_ID, name: "Bench" });
    // A maximum duration, and the usage limits switched off (a class that leaves a feature out
    // inherits it from the facility's class, so they are named here as off).
    const group = await createFeatureGroup(ds, {
      id: "fg-bench",
      name: "Load test",
      features: ["maxDuration", "maxCalls", "maxMinutes", "timeBetweenCalls"],
    });
    const cos = await createCos(ds, {
      id: "cos-bench",
      featureGroupId: group.id,
      name: "Load test",
      params: {
        maxDuration: { enabled: true, minutes: 30 },
        maxCalls: { enabled: false, day: null, week: null, month: null },
        maxMinutes: { enabled: false, day: null, week: null, month: null },
        timeBetweenCalls: { enabled: false, minutes: 0 },
      },
    });
    await assignCos(ds, scope, { level: "housing-unit", id: unit.id }, cos.id);
    await createPhoneBank(ds, scope, {
      id: "bench-bank",
      facilityId: DEMO_FACILITY_ID,
      housingUnitId: unit.id,
      name: "Load test bank",
      location: "bench",
    });
    for (let i = 1; i <= n; i++) {
      await createStation(ds, scope, {
        id: `bench-st-${i}`,
        phoneBankId: "bench-bank",
        setNumber: i,
        location: `set ${i}`,
      });
      await bookInmate(
        ds,
        scope,
        {
          id: `B-${i}`,
          facilityId: DEMO_FACILITY_ID,
          housingUnitId: unit.id,
          firstName: "Load",
          lastName: `Test ${i}`,
          language: "en",
          pin: pin(i),
        },
        now,
      );
    }
  } finally {
    await ds.close();
  }
}

const PIN_DIGITS = 6;
function pin(i: number): string {
  return String(100000 + i);
}

async function startController(
  dir: string,
  trunkPort: number,
  children: ChildProcess[],
): Promise<{ pid: number; sipPort: number }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(ROOT, "test/support/call-service-process.ts"), dir, String(trunkPort), PROMPTS_CACHE],
    { stdio: ["ignore", "pipe", "pipe"], cwd: ROOT },
  );
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const sipPort = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`controller did not start: ${stderr}`)), 120_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/READY (\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`controller exited (${code}): ${stderr}`));
    });
  });
  // Keep reading its output so a full pipe never blocks it.
  child.stdout?.resume();
  return { pid: child.pid ?? -1, sipPort };
}

function preparePeers(peers: string): void {
  mkdirSync(peers, { recursive: true });
  symlinkSync("/usr/share/sip-tester", path.join(peers, "pcap"));
  copyFileSync(path.join(ROOT, "test/fixtures/calls/accept-info.xml"), path.join(peers, "accept-info.xml"));
  // Both sides' voice: a steady tone (cheap to make, plain in the recordings).
  writeMedia(peers, { toneHz: 440 });
  writeFileSync(path.join(peers, "handset.xml"), handsetScenario());
}

interface LevelCtx {
  dir: string;
  peers: string;
  trunkPort: number;
  sipPort: number;
  ctlPid: number;
  children: ChildProcess[];
}

async function runLevel(n: number, ctx: LevelCtx): Promise<Level> {
  const why: string[] = [];
  const db = new SQLite(path.join(ctx.dir, "yardline.db"), { readonly: true });
  const since = Date.now();
  // Ramp, wait for acceptance, then the window; the handsets hang up after that.
  const rampMs = (n / RATE) * 1000;
  const holdMs = rampMs + ACCEPT_AFTER_MS + WINDOW_MS + 15_000;
  const talkMs = holdMs - ACCEPT_AFTER_MS - 5_000;
  writeFileSync(
    path.join(ctx.peers, `handsets-${n}.csv`),
    `SEQUENTIAL\n${Array.from(
      { length: n },
      (_, k) =>
        `bench-st-${k + 1};${pin(k + 1)
          .split("")
          .join(";")};\n`,
    ).join("")}`,
  );
  const [uasMedia, uacMedia] = [await freeUdpPorts(2, 2), await freeUdpPorts(2, 2)];
  const limitSec = Math.ceil((holdMs + 120_000) / 1000);
  const uas = sipp(
    ctx.peers,
    [
      "-sf",
      "accept-info.xml",
      "-i",
      "127.0.0.1",
      "-p",
      String(ctx.trunkPort),
      "-mi",
      "127.0.0.1",
      "-mp",
      String(uasMedia),
      "-m",
      String(n),
      "-set",
      "pauseMs",
      String(PARTY_PAUSE_MS),
      "-set",
      "talkMs",
      String(talkMs),
      "-set",
      "ringMs",
      "0",
      "-set",
      "hangup",
      "controller",
      "-timeout",
      `${limitSec}s`,
      "-timeout_error",
      "-trace_err",
      "-buff_size",
      String(4 * 1024 * 1024),
    ],
    ctx.children,
  );
  await new Promise((r) => setTimeout(r, 500));
  const uac = sipp(
    ctx.peers,
    [
      `127.0.0.1:${ctx.sipPort}`,
      "-sf",
      "handset.xml",
      "-inf",
      `handsets-${n}.csv`,
      "-i",
      "127.0.0.1",
      "-p",
      String(await freeUdpPorts(1)),
      "-mi",
      "127.0.0.1",
      "-mp",
      String(uacMedia),
      "-set",
      "holdMs",
      String(holdMs),
      "-r",
      String(RATE),
      "-l",
      String(n),
      "-m",
      String(n),
      "-timeout",
      `${limitSec}s`,
      "-timeout_error",
      "-trace_err",
      "-buff_size",
      String(4 * 1024 * 1024),
    ],
    ctx.children,
  );

  // Sample CPU while every call is bridged at once.
  let peak = 0;
  let samples = 0;
  const cpu = { ctl: 0, loop: 0, uac: 0, uas: 0, wall: 0 };
  const bridged = db.prepare(
    "select count(*) as n from call_records where started_at >= ? and accepted_at is not null and ended_at is null",
  );
  const sample = () => ({
    ctl: cpuMsOf(`/proc/${ctx.ctlPid}/stat`),
    loop: cpuMsOf(`/proc/${ctx.ctlPid}/task/${ctx.ctlPid}/stat`),
    uac: cpuMsOf(`/proc/${uac.pid}/stat`),
    uas: cpuMsOf(`/proc/${uas.pid}/stat`),
    at: Date.now(),
  });
  let last = sample();
  let finished = false;
  void Promise.all([uac.done, uas.done]).then(() => {
    finished = true;
  });
  while (!finished) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = sample();
    const live = (bridged.get(since) as { n: number }).n;
    peak = Math.max(peak, live);
    const was = last;
    last = now;
    if (live !== n) continue;
    if ([now.ctl, now.loop, now.uac, now.uas, was.ctl, was.loop, was.uac, was.uas].includes(undefined)) continue;
    samples++;
    cpu.ctl += (now.ctl as number) - (was.ctl as number);
    cpu.loop += (now.loop as number) - (was.loop as number);
    cpu.uac += (now.uac as number) - (was.uac as number);
    cpu.uas += (now.uas as number) - (was.uas as number);
    cpu.wall += now.at - was.at;
  }
  const [uacResult, uasResult] = await Promise.all([uac.done, uas.done]);
  if (uacResult.code !== 0) why.push(`handsets SIPp exit ${uacResult.code}: ${failures(uacResult)}`);
  if (uasResult.code !== 0) why.push(`called parties SIPp exit ${uasResult.code}: ${failures(uasResult)}`);
  if (samples === 0) why.push(`never all ${n} calls bridged at once (peak ${peak})`);

  // Every call's record, closed (the controller writes it at once when a call ends; give it a moment).
  type Row = {
    status: string;
    accepted_at: number | null;
    charge_cents: number | null;
    recording_file: string | null;
    ending: string | null;
    acceptance: string | null;
  };
  const rows = (): Row[] =>
    db
      .prepare(
        "select status, accepted_at, charge_cents, recording_file, ending, acceptance from call_records where started_at >= ? and station_id like 'bench-st-%'",
      )
      .all(since) as Row[];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && rows().some((r) => r.status !== "completed")) {
    await new Promise((r) => setTimeout(r, 500));
  }
  const all = rows();
  db.close();
  const good = all.filter(
    (r) => r.status === "completed" && r.accepted_at !== null && (r.charge_cents ?? 0) > 0 && r.recording_file,
  );
  if (all.length !== n) why.push(`${all.length} call records for ${n} calls`);
  if (good.length !== all.length) {
    // Say how the others ended, most common first.
    const how = new Map<string, number>();
    for (const r of all.filter((x) => !good.includes(x))) {
      const k = `${r.status}: ${r.acceptance ?? "not accepted"}; ${r.ending ?? "no ending"}`;
      how.set(k, (how.get(k) ?? 0) + 1);
    }
    const top = [...how.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
    why.push(
      `${all.length - good.length} records not completed/accepted/charged/recorded (${top.map(([k, n]) => `${n}× ${k}`).join(" | ")})`,
    );
  }
  const key = publicKeyFromPem(readFileSync(path.join(ctx.dir, "keys", PUBLIC_KEY_FILE), "utf8"));
  let sealsVerified = 0;
  for (const r of good) {
    const file = r.recording_file as string;
    try {
      const verdict = await verifyRecording(file, await readSeal(sealPath(file)), key);
      if (verdict.valid) sealsVerified++;
    } catch {
      // counted below
    }
  }
  if (sealsVerified !== good.length) why.push(`${good.length - sealsVerified} recordings whose seal did not verify`);
  const perCore = (ms: number) => (cpu.wall > 0 ? ms / cpu.wall : 0);
  return {
    calls: n,
    passed: why.length === 0,
    why,
    controllerCpu: perCore(cpu.ctl),
    controllerLoopCpu: perCore(cpu.loop),
    uacCpu: perCore(cpu.uac),
    uasCpu: perCore(cpu.uas),
    peak,
    samples,
    records: all.length,
    sealsVerified,
  };
}

interface Sipp {
  pid: number;
  done: Promise<{ code: number; stdout: string }>;
}

/** SIPp in `cwd`; the process joins `children`, so the bench ends it whatever happens. */
function sipp(cwd: string, args: string[], children: ChildProcess[]): Sipp {
  const child = spawn("sipp", [...args, "-nostdin"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout = (stdout + d.toString("latin1")).slice(-20_000);
  });
  child.stderr?.on("data", (d: Buffer) => {
    stdout = (stdout + d.toString("latin1")).slice(-20_000);
  });
  const done = new Promise<{ code: number; stdout: string }>((resolve) => {
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout }));
    child.on("error", (e) => resolve({ code: -1, stdout: `${stdout}\n${e.message}` }));
  });
  return { pid: child.pid ?? -1, done };
}

function failures(r: { stdout: string }): string {
  const i = r.stdout.lastIndexOf("Failed call");
  return i < 0 ? r.stdout.slice(-300).replace(/\s+/g, " ") : r.stdout.slice(i, i + 200).replace(/\s+/g, " ");
}

function kill(c: ChildProcess): void {
  if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
    try {
      process.kill(c.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/**
 * One inmate at a handset: lifts (INVITE, the handset's microphone streaming from the answer),
 * keys 1 (English), the PIN, #, the number, # as SIP INFO without waiting for the prompts
 * (type-ahead), stays on the line for holdMs, hangs up. Fields from the injection file: the
 * station id and its inmate's PIN, one digit per field.
 */
function handsetScenario(): string {
  const pinFields = Array.from({ length: PIN_DIGITS }, (_, k) => `[field${k + 1}]`);
  const digits = ["1", ...pinFields, "#", ...NUMBER.split(""), "#"];
  let cseq = 1;
  const info = (d: string) => {
    cseq++;
    return `
  <send retrans="500">
    <![CDATA[

      INFO [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]H[call_number]
      To: <sip:ringdown@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${cseq} INFO
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=${d}
      Duration=100

    ]]>
  </send>
  <recv response="200" />
  <pause milliseconds="120" />`;
  };
  const infos = digits.map(info).join("\n");
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="yardline handset (load)">
  <Global variables="holdMs" />
  <nop>
    <action>
      <todouble assign_to="holdD" variable="holdMs" />
    </action>
  </nop>
  <send retrans="500" start_rtd="true">
    <![CDATA[

      INVITE sip:ringdown@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]H[call_number]
      To: <sip:ringdown@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=handset 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-16
      a=ptime:20
      a=sendrecv

    ]]>
  </send>
  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="183" optional="true" />
  <recv response="200" rrs="true" rtd="true" />
  <send>
    <![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]H[call_number]
      To: <sip:ringdown@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <nop>
    <action>
      <exec rtp_stream="media/voice.ul,-1,0" />
    </action>
  </nop>
  <pause milliseconds="500" />
${infos}
  <pause variable="holdD" />
  <send retrans="500">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:[field0]@[local_ip]:[local_port]>;tag=[pid]H[call_number]
      To: <sip:ringdown@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: ${cseq + 1} BYE
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true" />
</scenario>
`;
}
