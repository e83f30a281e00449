import type {
  Account,
  AudioMedia,
  AudioMediaPlayer,
  Call,
  CallInfo,
  CallState,
  NamedTone,
  ToneGenerator,
} from "../telephony/api.ts";
import type { Clock, TimerHandle } from "../telephony/clock.ts";
import type { Earpiece, HandsetLine, LineCall } from "./line.ts";

/**
 * A handset's line as a SIP account (telephony/api.ts): private-line automatic ringdown, so
 * every lift calls the same controller URI at once and the controller runs the prompts.
 */
export interface SipLineOptions {
  account: Account;
  /** Where every lift calls, e.g. "sip:ringdown@controller.local". */
  ringdownUri: string;
  /** What the handset's earpiece hears (sim: the left channel of the earpiece recorder). */
  earpiece: AudioMedia;
  /** What the handset's microphone says (sim: a WAV player), if any. */
  microphone?: AudioMedia;
  clock: Clock;
  /**
   * How often to look for the controller's first RTP packet once media is up. The local dial
   * tone stops on that packet; 5 ms keeps the overlap under one 20 ms frame.
   */
  audioPollMs?: number;
  /** Sees every call placed (monitoring, the lab, tests). */
  onCall?: (call: Call) => void;
  log?: (msg: string, data?: unknown) => void;
}

class SipLineCall implements LineCall {
  private readonly call: Call;
  private readonly opts: SipLineOptions;
  private audioListeners: (() => void)[] = [];
  private endedListeners: ((r: string) => void)[] = [];
  private poll: TimerHandle | undefined;
  private audioSeen = false;
  private ours = false;
  private done = false;
  private media: AudioMedia | undefined;

  constructor(call: Call, opts: SipLineOptions) {
    this.call = call;
    this.opts = opts;
    call.on("media", (m) => this.onMedia(m));
    call.on("state", (state: CallState, info: CallInfo) => {
      if (state !== "DISCONNECTED") return;
      this.cleanup();
      if (!this.ours) {
        const reason = info.disconnectReason ?? `${info.lastStatusCode} ${info.lastReason}`;
        for (const l of this.endedListeners) l(reason);
      }
    });
  }

  private onMedia(m: AudioMedia): void {
    this.media = m;
    m.startTransmit(this.opts.earpiece);
    this.opts.microphone?.startTransmit(m);
    this.opts.clock.clearInterval(this.poll);
    this.poll = this.opts.clock.setInterval(() => {
      if ((this.call.getRtpStats()?.packetsReceived ?? 0) > 0) this.audioArrived();
    }, this.opts.audioPollMs ?? 5);
  }

  private audioArrived(): void {
    this.opts.clock.clearInterval(this.poll);
    this.poll = undefined;
    if (this.audioSeen || this.done) return;
    this.audioSeen = true;
    for (const l of this.audioListeners) l();
  }

  private cleanup(): void {
    this.done = true;
    this.opts.clock.clearInterval(this.poll);
    this.poll = undefined;
    if (this.media) {
      this.media.stopTransmit(this.opts.earpiece);
      this.opts.microphone?.stopTransmit(this.media);
    }
  }

  onAudio(listener: () => void): void {
    this.audioListeners.push(listener);
  }

  onEnded(listener: (reason: string) => void): void {
    this.endedListeners.push(listener);
  }

  sendDigits(digits: string): Promise<void> {
    return this.call.dialDtmf(digits);
  }

  async hangup(): Promise<void> {
    this.ours = true;
    this.cleanup();
    await this.call.hangup();
  }
}

/**
 * A call that never reached the wire (makeCall threw, no SIP, no sound device): it ends at once,
 * asynchronously, with the reason.
 */
export class FailedCall implements LineCall {
  private readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
  onAudio(): void {}
  onEnded(listener: (reason: string) => void): void {
    queueMicrotask(() => listener(this.reason));
  }
  async sendDigits(): Promise<void> {}
  async hangup(): Promise<void> {}
}

export class SipHandsetLine implements HandsetLine {
  private readonly opts: SipLineOptions;

  constructor(opts: SipLineOptions) {
    this.opts = opts;
  }

  call(): LineCall {
    try {
      const call = this.opts.account.makeCall(this.opts.ringdownUri);
      this.opts.onCall?.(call);
      return new SipLineCall(call, this.opts);
    } catch (err) {
      this.opts.log?.("makeCall failed", err);
      return new FailedCall(`call failed: ${(err as Error).message}`);
    }
  }

  registered(): boolean {
    return this.opts.account.getRegistrationState().registered;
  }
}

/** The local tones and messages of a handset, on the media bridge. */
export class BridgeEarpiece implements Earpiece {
  private readonly tones: ToneGenerator;
  private readonly player: AudioMediaPlayer | undefined;
  private readonly unavailablePrompt: string | undefined;

  constructor(opts: { tones: ToneGenerator; sink: AudioMedia; player?: AudioMediaPlayer; unavailablePrompt?: string }) {
    this.tones = opts.tones;
    this.player = opts.player;
    this.unavailablePrompt = opts.unavailablePrompt;
    this.tones.startTransmit(opts.sink);
    this.player?.startTransmit(opts.sink);
  }

  tone(tone: NamedTone): void {
    this.player?.stop();
    this.tones.play(tone);
  }

  /** A recorded "service unavailable" prompt when configured, else the SIT intercept tones. */
  unavailable(): void {
    this.tones.stop();
    if (this.player && this.unavailablePrompt) {
      this.player.stop();
      this.player.enqueue([this.unavailablePrompt]);
    } else {
      this.tones.play("sit", true);
    }
  }

  silence(): void {
    this.tones.stop();
    this.player?.stop();
  }
}

/** The line of a board started without SIP: every lift fails closed (service unavailable). */
export class NoSipLine implements HandsetLine {
  call(): LineCall {
    return new FailedCall("no SIP configured");
  }
  registered(): boolean {
    return false;
  }
}

/** An earpiece with no audio path (a board without sound): the state machine still runs. */
export class SilentEarpiece implements Earpiece {
  tone(): void {}
  unavailable(): void {}
  silence(): void {}
}
