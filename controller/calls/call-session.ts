/**
 * One inmate call, from the handset's INVITE to the call record: a state machine with one
 * guarded transition, whose steps live in `steps/` (identify, number, dial, acceptance,
 * connected). The session owns the audio wiring on the bridge and everything that must happen
 * however the call ends (recording sealed, record closed, observers told).
 *
 * Voice path separation (spec "Separation of Voice Path Until Call Acceptance"): the handset and
 * the trunk leg are connected on the bridge only in `connected`; before that the inmate hears
 * our tones and the announcement player, never the called party's audio.
 */
import type {
  Account,
  AudioMedia,
  AudioMediaPlayer,
  AudioMediaRecorder,
  Call,
  Endpoint,
  ToneGenerator,
} from "../../telephony/api.ts";
import type { Clock, TimerHandle } from "../../telephony/clock.ts";
import { DigitCollector } from "./digit-collector.ts";
import type { CallEventBus, LiveCall } from "./events.ts";
import { CallMonitors, type MonitorHandle, type MonitorMode, type MonitorView } from "./monitor.ts";
import type {
  AllowedCall,
  CallerIdentity,
  CallRecordWriter,
  CallRules,
  Language,
  PromptLibrary,
  PromptValues,
  RecordingVault,
  StationInfo,
} from "./ports.ts";

export type SessionState =
  | "answering"
  | "identifying" // language, PIN, first-use name
  | "numbering" // number entry and authorization
  | "dialling" // trunk leg placed, ringback to the inmate
  | "announcing" // called party answered, acceptance prompt
  | "connected"
  | "ending"
  | "ended";

const ALLOWED: Record<SessionState, readonly SessionState[]> = {
  answering: ["identifying", "ending"],
  identifying: ["numbering", "ending"],
  numbering: ["dialling", "ending"],
  dialling: ["announcing", "ending"],
  announcing: ["connected", "ending"],
  connected: ["ending"],
  ending: ["ended"],
  ended: [],
};

export interface FlowConfig {
  defaultLanguage: Language;
  /** Ask for a language first; when false the facility default is used until the PIN says otherwise. */
  languageChoice: boolean;
  languageTimeoutMs: number;
  pinMaxDigits: number;
  pinAttempts: number;
  numberAttempts: number;
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
  /** Seconds of the inmate's name recorded on first use. */
  nameRecordSec: number;
  /** Maximum ring time before no-answer (spec: one minute, adjustable). */
  ringTimeoutSec: number;
  /** Acceptance digits (spec: "The numbers for each option shall be programmable"). */
  acceptDigit: string;
  declineDigit: string;
  blockDigit: string;
  costDigit: string;
  /** Offer the called party the block option (spec: "The State shall have the capability to turn this feature on or off"). */
  offerBlock: boolean;
  /** Seconds to wait for the called party's answer after the prompt, before repeating it. */
  responseTimeoutSec: number;
  /** Times the acceptance prompt is played before giving up. */
  acceptancePromptPlays: number;
  /** Record from off-hook (default) or from acceptance. */
  recordFromOffHook: boolean;
  /** Beep to the called party every N seconds while connected; 0 = off (spec: 1–20 s). */
  beepIntervalSec: number;
  /** While a monitor is in beep mode, both parties hear the beep every N seconds (first one at once). */
  monitorBeepIntervalSec: number;
  /** Branding overlays at random intervals; 0 = off. */
  brandingMinSec: number;
  brandingMaxSec: number;
  /** Linear gain of the overlay (audible but not intrusive). */
  brandingLevel: number;
  /** Level at which the inmate hears the acceptance prompt played to the called party (call progress). */
  progressLevel: number;
}

export const DEFAULT_FLOW_CONFIG: FlowConfig = {
  defaultLanguage: "en",
  languageChoice: true,
  languageTimeoutMs: 4000,
  pinMaxDigits: 12,
  pinAttempts: 3,
  numberAttempts: 2,
  firstDigitTimeoutMs: 10_000,
  interDigitTimeoutMs: 5_000,
  nameRecordSec: 3,
  ringTimeoutSec: 60,
  acceptDigit: "1",
  declineDigit: "2",
  blockDigit: "9",
  costDigit: "0",
  offerBlock: true,
  responseTimeoutSec: 6,
  acceptancePromptPlays: 3,
  recordFromOffHook: true,
  beepIntervalSec: 15,
  monitorBeepIntervalSec: 10,
  brandingMinSec: 120,
  brandingMaxSec: 300,
  brandingLevel: 0.35,
  progressLevel: 0.5,
};

export interface TrunkConfig {
  account: Account;
  /** The SIP URI that reaches an E.164 number on the trunk. */
  uriFor(e164: string): string;
}

export interface FlowDeps {
  clock: Clock;
  media: Pick<Endpoint, "createPlayer" | "createRecorder" | "createToneGenerator">;
  trunk: TrunkConfig;
  rules: CallRules;
  records: CallRecordWriter;
  prompts: PromptLibrary;
  vault: RecordingVault;
  bus: CallEventBus;
  config: FlowConfig;
  /** The provider's name as the called party hears it (47 CFR 64.710(a)(1)). */
  providerName: string;
  random?: () => number;
  newCallId(): string;
  recorderChannel(): number;
}

/** Thrown inside steps once the call has ended; not an error. */
export class CallEnded extends Error {
  override readonly name = "CallEnded";
}

export interface Ending {
  /** How the call ended, in plain English, for the call record. */
  ending: string;
  /** Why it did not complete, when it did not. */
  notCompletedReason?: string;
}

export class CallSession {
  readonly id: string;
  readonly deps: FlowDeps;
  readonly handset: Call;
  readonly station: StationInfo;
  readonly inmateDigits: DigitCollector;
  readonly calledDigits: DigitCollector;
  readonly live: LiveCall;

  language: Language;
  caller: CallerIdentity | undefined;
  dialled = "";
  decision: AllowedCall | undefined;
  trunkCall: Call | undefined;
  answeredAt: number | undefined;
  acceptedAt: number | undefined;
  /** Set when the called party pressed the accept digit: later digits are extra digits. */
  acceptDigitAt: number | undefined;
  /** What the acceptance prompt got, in words (kept when the call is not accepted). */
  acceptanceHow: string | undefined;
  /** How the called party's last digit arrived (RFC 4733, SIP INFO, in-band), for the record. */
  lastCalledDtmfMethod: string | undefined;

  private stateValue: SessionState = "answering";
  private endInfo: (Ending & { at: number }) | undefined;
  private endedResolve!: () => void;
  private readonly endedSignal: Promise<void>;
  private readonly timers = new Set<TimerHandle>();
  private readonly cleanups: Array<() => void | Promise<void>> = [];
  private recorder: AudioMediaRecorder | undefined;
  private recordingFile: string | undefined;
  private monitorWiring: CallMonitors | undefined;

  constructor(deps: FlowDeps, handset: Call, station: StationInfo) {
    this.deps = deps;
    this.id = deps.newCallId();
    this.handset = handset;
    this.station = station;
    this.language = deps.config.defaultLanguage;
    this.inmateDigits = new DigitCollector(deps.clock);
    this.calledDigits = new DigitCollector(deps.clock);
    this.endedSignal = new Promise((resolve) => {
      this.endedResolve = resolve;
    });
    this.live = {
      callId: this.id,
      facilityId: station.facilityId,
      housingUnitId: station.housingUnitId,
      stationId: station.stationId,
      location: station.location,
      phase: "prompting",
      startedAt: deps.clock.now(),
      monitorable: true,
      chargeCents: 0,
      monitors: [],
    };
  }

  get state(): SessionState {
    return this.stateValue;
  }

  get ended(): boolean {
    return this.endInfo !== undefined;
  }

  /** The one way the session changes state; an illegal move is a bug and throws. */
  transition(to: SessionState): void {
    if (!ALLOWED[this.stateValue].includes(to)) {
      throw new Error(`call ${this.id}: illegal transition ${this.stateValue} -> ${to}`);
    }
    this.stateValue = to;
    const phase = PHASE[to];
    if (phase && phase !== this.live.phase) {
      this.live.phase = phase;
      if (to !== "ended") this.deps.bus.emit("call.updated", { ...this.live });
    }
  }

  /** Ends the call (first caller wins): both legs are hung up and every step unblocks. */
  end(info: Ending): void {
    if (this.endInfo) return;
    this.endInfo = { ...info, at: this.deps.clock.now() };
    this.inmateDigits.cancel();
    this.calledDigits.cancel();
    this.endedResolve();
  }

  /** Awaits `p` unless the call ends first, in which case it throws CallEnded. */
  async guard<T>(p: Promise<T>): Promise<T> {
    if (this.endInfo) throw new CallEnded();
    const r = await Promise.race([p.then((v) => ({ v })), this.endedSignal.then(() => undefined)]);
    if (!r || this.endInfo) throw new CallEnded();
    return r.v;
  }

  /** Waits until the call ends. */
  async untilEnded(): Promise<void> {
    await this.endedSignal;
  }

  sleep(ms: number): Promise<void> {
    return this.guard(
      new Promise<void>((resolve) => {
        this.timer(ms, resolve);
      }),
    );
  }

  timer(ms: number, fn: () => void): TimerHandle {
    const h = this.deps.clock.setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, ms);
    this.timers.add(h);
    return h;
  }

  every(ms: number, fn: () => void): TimerHandle {
    const h = this.deps.clock.setInterval(fn, ms);
    this.timers.add(h);
    return h;
  }

  onCleanup(fn: () => void | Promise<void>): void {
    this.cleanups.push(fn);
  }

  handsetPort(): AudioMedia {
    const port = this.handset.getAudioMedia();
    if (!port) throw new Error("handset audio is not active");
    return port;
  }

  trunkPort(): AudioMedia {
    const port = this.trunkCall?.getAudioMedia();
    if (!port) throw new Error("trunk audio is not active");
    return port;
  }

  /** Creates a player destroyed with the session. */
  player(): AudioMediaPlayer {
    const p = this.deps.media.createPlayer();
    this.onCleanup(() => p.destroy());
    return p;
  }

  tone(): ToneGenerator {
    const t = this.deps.media.createToneGenerator();
    this.onCleanup(() => t.destroy());
    return t;
  }

  /** Plays files through `player` and resolves when they have all played (or the call ended). */
  async play(player: AudioMediaPlayer, files: string[]): Promise<void> {
    if (files.length === 0) return;
    const done = new Promise<void>((resolve) => {
      const onEnd = () => {
        player.off("end", onEnd);
        resolve();
      };
      player.on("end", onEnd);
    });
    player.enqueue(files);
    try {
      await this.guard(done);
    } catch (err) {
      player.stop();
      throw err;
    }
  }

  /**
   * Plays an inmate prompt that the inmate may interrupt by typing (barge-in): it is skipped
   * when digits are already waiting and stops at the first new digit. Only the inmate's prompts
   * work this way; the called party's announcement cannot be cut through.
   */
  async playToInmate(player: AudioMediaPlayer, files: string[]): Promise<void> {
    if (this.inmateDigits.pending > 0 || files.length === 0) return;
    let stopByDigit: () => void = () => {};
    const typed = new Promise<void>((resolve) => {
      stopByDigit = resolve;
    });
    this.inmateDigits.onDigit = () => stopByDigit();
    try {
      await Promise.race([this.play(player, files), this.guard(typed)]);
    } finally {
      this.inmateDigits.onDigit = undefined;
      player.stop();
    }
  }

  /** The files that speak catalogue prompt `id` in the call's language. */
  say(id: string, values?: PromptValues, lang: Language = this.language): string[] {
    return this.deps.prompts.render(id, lang, values);
  }

  /** The facility's name as a prompt file (synthesized once, then cached). */
  facilityPrompt(lang: Language = this.language): Promise<string> {
    return this.deps.prompts.customPrompt(`facility-${slug(this.station.facilityId)}`, this.station.facilityName, lang);
  }

  /** Starts the call's recording (stereo: inmate left, called party right). */
  async startRecording(): Promise<void> {
    if (this.recorder) return;
    const file = this.deps.vault.pathFor(this.id, this.live.startedAt);
    this.recorder = await this.deps.media.createRecorder(file);
    this.recordingFile = file;
    this.live.recorderChannel = this.deps.recorderChannel();
    this.handsetPort().startTransmit(this.recorder.left);
    if (this.trunkCall?.getAudioMedia()) this.trunkPort().startTransmit(this.recorder.right);
  }

  /** Connects the trunk leg to the recording's right channel once it has audio. */
  recordTrunk(): void {
    if (this.recorder && this.trunkCall?.getAudioMedia()) this.trunkPort().startTransmit(this.recorder.right);
  }

  /**
   * A privileged call (attorney, PREA, ombudsman) must never be recorded: a recording made
   * from off-hook is stopped and destroyed the moment the destination is known.
   */
  async destroyRecording(): Promise<void> {
    const rec = this.recorder;
    const file = this.recordingFile;
    this.recorder = undefined;
    this.recordingFile = undefined;
    this.live.recorderChannel = undefined;
    if (rec) {
      this.handset.getAudioMedia()?.stopTransmit(rec.left);
      await rec.close();
    }
    if (file) await this.deps.vault.destroy(file);
  }

  /**
   * Attaches a monitoring port to the connected call (see monitor.ts for the modes). Refused
   * for a privileged call (never monitorable) and before the called party has accepted: until
   * then there is no conversation, and barging into the acceptance announcement would break
   * the separation of the voice path.
   */
  attachMonitor(port: AudioMedia, mode: MonitorMode): MonitorHandle {
    if (!this.live.monitorable) throw new Error("this call may not be monitored");
    if (this.state !== "connected" || this.ended) throw new Error("only connected calls can be monitored");
    this.monitorWiring ??= new CallMonitors(
      {
        inmate: () => this.handsetPort(),
        called: () => this.trunkPort(),
        tone: () => this.tone(),
        every: (ms, fn) => {
          const h = this.every(ms, fn);
          return () => {
            this.deps.clock.clearInterval(h);
            this.timers.delete(h);
          };
        },
      },
      this.deps.config.monitorBeepIntervalSec * 1000,
    );
    return this.monitorWiring.attach(port, mode);
  }

  /** Publishes the call's monitors on the live view. */
  publishMonitors(monitors: MonitorView[]): void {
    this.live.monitors = monitors.map((m) => ({ ...m }));
    if (!this.ended) this.deps.bus.emit("call.updated", { ...this.live, monitors: this.live.monitors });
  }

  /** Everything that must happen however the call ended. Never throws. */
  async finish(): Promise<void> {
    if (this.stateValue === "ended") return;
    if (!this.endInfo) this.end({ ending: "Call ended by the system" });
    const info = this.endInfo!;
    if (this.stateValue !== "ending") this.transition("ending");
    for (const t of this.timers) {
      this.deps.clock.clearTimeout(t);
      this.deps.clock.clearInterval(t);
    }
    this.timers.clear();
    await Promise.allSettled([
      safeHangup(this.handset),
      this.trunkCall ? safeHangup(this.trunkCall) : Promise.resolve(),
    ]);
    for (const c of this.cleanups.reverse()) {
      try {
        await c();
      } catch {
        // a player or tone that fails to stop must not keep the record from closing
      }
    }
    if (this.recorder && this.recordingFile) {
      try {
        await this.recorder.close();
        const seal = await this.deps.vault.seal(this.recordingFile, {
          callId: this.id,
          startedAt: this.live.startedAt,
          endedAt: info.at,
        });
        await this.deps.records.recording(this.id, {
          file: this.recordingFile,
          sha256: seal.sha256,
          signature: seal.signature,
          channel: String(this.live.recorderChannel ?? ""),
        });
      } catch (err) {
        this.deps.bus.emit("flow.error", { callId: this.id, step: "seal", error: String(err), fatal: false });
      }
    }
    let chargeCents = 0;
    let billedSeconds = 0;
    try {
      ({ chargeCents, billedSeconds } = await this.deps.records.close(this.id, {
        at: info.at,
        ending: info.ending,
        notCompletedReason: this.acceptedAt === undefined ? (info.notCompletedReason ?? info.ending) : undefined,
        acceptance: this.acceptedAt === undefined ? this.acceptanceHow : undefined,
      }));
    } catch (err) {
      this.deps.bus.emit("flow.error", { callId: this.id, step: "record", error: String(err), fatal: false });
    }
    this.live.chargeCents = chargeCents;
    this.transition("ended");
    this.live.phase = "ended";
    this.deps.bus.emit("call.ended", { ...this.live, ending: info.ending, chargeCents, billedSeconds });
  }

  get ending(): (Ending & { at: number }) | undefined {
    return this.endInfo;
  }
}

const PHASE: Partial<Record<SessionState, LiveCall["phase"]>> = {
  identifying: "prompting",
  numbering: "prompting",
  dialling: "dialling",
  announcing: "announcing",
  connected: "connected",
  ended: "ended",
};

function slug(id: string): string {
  return (
    id
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .slice(0, 50) || "x"
  );
}

async function safeHangup(call: Call): Promise<void> {
  if (call.getInfo().state === "DISCONNECTED") return;
  try {
    await call.hangup();
  } catch {
    // the leg may already be gone; the call record says how it ended
  }
}
