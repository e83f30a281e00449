/**
 * Yardline's telephony interface, shaped like pjsua2 (Endpoint, Account, Call, AudioMedia,
 * AudioMediaPlayer, AudioMediaRecorder, ToneGenerator) so a native pjsua2 binding could sit
 * behind it on a target image. Only one implementation exists: ours, in `telephony/ua/`.
 *
 * Differences from pjsua2, on purpose:
 * - callbacks are typed events (`call.on("state", ...)`) instead of virtual methods to override;
 * - everything that takes time is a Promise;
 * - the clock and the transport are injected (see `EndpointConfig`).
 *
 * No policy lives here: nothing knows of inmates, rates or recording rules.
 */
import type { Clock } from "./clock.ts";

/** Call states, as pjsua2's `pjsip_inv_state`. */
export type CallState =
  | "NULL"
  | "CALLING" // INVITE sent
  | "INCOMING" // INVITE received, not answered
  | "EARLY" // provisional response with To-tag
  | "CONNECTING" // 2xx sent or received, waiting for ACK
  | "CONFIRMED"
  | "DISCONNECTED";

export type TransportType = "udp" | "tcp";

export interface TransportConfig {
  /** Address to bind; tests use 127.0.0.1. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Address put in Via/Contact when different from `host` (NAT, 0.0.0.0 binds). */
  publicAddress?: string;
}

export interface MediaConfig {
  /** First RTP port tried; 0 lets the OS pick each port. */
  rtpPortStart?: number;
  /** Codecs offered, in preference order. */
  codecs?: ReadonlyArray<"PCMU" | "PCMA">;
  /** Dynamic payload type for telephone-event (RFC 4733). Default 101. */
  telephoneEventPt?: number;
  /** Packet time in ms. Default 20. */
  ptime?: number;
}

export interface EndpointConfig {
  clock?: Clock;
  userAgent?: string;
  media?: MediaConfig;
  /** Where SIP and media diagnostics go; default none. */
  log?: (level: "debug" | "info" | "warn" | "error", msg: string, data?: unknown) => void;
}

export interface AuthCredential {
  realm: string; // "*" matches any realm
  username: string;
  password: string;
}

export interface AccountConfig {
  /** e.g. "sip:station-101@controller.local" */
  idUri: string;
  /** Registrar URI; when absent the account does not register. */
  registrarUri?: string;
  /** REGISTER expiry in seconds. */
  registerExpires?: number;
  credentials?: AuthCredential[];
  /** Outbound proxy route set (loose routing), e.g. ["sip:127.0.0.1:5070;lr"]. */
  proxies?: string[];
  /** Ask for rport and use the received/rport values (RFC 3581). Default true. */
  rport?: boolean;
  /** Also detect DTMF tones in received audio on this account's calls (trunks that send in-band). */
  inbandDtmf?: boolean;
}

export interface RegistrationState {
  registered: boolean;
  /** Last status code from the registrar, 0 if none yet. */
  code: number;
  reason: string;
  expires: number;
}

export interface CallOpParam {
  /** SIP status code for answer/hangup; default 200 for answer, 603/487/BYE for hangup. */
  statusCode?: number;
  reason?: string;
  /** Extra headers to add to the request or response. */
  headers?: Record<string, string>;
}

export interface CallInfo {
  id: number;
  callId: string;
  role: "caller" | "callee";
  state: CallState;
  localUri: string;
  remoteUri: string;
  /** Last SIP status code seen (final response, or the code that ended the call). */
  lastStatusCode: number;
  lastReason: string;
  /** Negotiated codec, once media is active. */
  codec?: "PCMU" | "PCMA";
  connectTime?: number;
  /** Why the call ended, in words (BYE from remote, 486 Busy Here, RTP timeout...). */
  disconnectReason?: string;
  /** Request-URI user part of an incoming call (the dialled number). */
  requestUser?: string;
  /** Headers of the initial INVITE (lower-case names). */
  inviteHeaders?: Record<string, string>;
}

export type DtmfMethod = "rfc4733" | "info" | "inband";

export interface DtmfEvent {
  /** "0"-"9", "*", "#", "A"-"D", or "flash" (RFC 4733 event 16). */
  digit: string;
  method: DtmfMethod;
  durationMs: number;
}

export interface RtpStats {
  packetsReceived: number;
  packetsLost: number;
  packetsSent: number;
  /** Interarrival jitter in ms (RFC 3550 §6.4.1). */
  jitterMs: number;
}

/**
 * A source and/or sink of 8 kHz 16-bit mono audio on the conference bridge
 * (pjsua2 AudioMedia). Connections carry a gain so a prompt can overlay a conversation
 * at a set level, and a port can be heard by no one.
 */
export interface AudioMedia {
  readonly portId: number;
  /** Sends this port's audio to `sink`. `level` is a linear gain, default 1.0. */
  startTransmit(sink: AudioMedia, level?: number): void;
  stopTransmit(sink: AudioMedia): void;
  /** Gain applied to what this port receives from the bridge (1.0 = unchanged). */
  adjustRxLevel(level: number): void;
  /** Gain applied to what this port sends into the bridge. */
  adjustTxLevel(level: number): void;
}

export interface AudioMediaPlayer extends AudioMedia {
  /** Queues WAV files (8 kHz mono, 16-bit PCM or G.711) to play one after the other. */
  enqueue(files: string[]): void;
  /** Stops and empties the queue. */
  stop(): void;
  readonly playing: boolean;
  on(event: "end", listener: () => void): this; // queue drained
  on(event: "file", listener: (file: string) => void): this; // a file started
  off(event: string, listener: (...args: never[]) => void): this;
  destroy(): void;
}

export interface AudioMediaRecorder {
  /** Left channel source (inmate) and right channel source (called party). */
  readonly left: AudioMedia;
  readonly right: AudioMedia;
  readonly file: string;
  /** Finishes the WAV header and closes the file; returns the file's size in bytes. */
  close(): Promise<number>;
}

/**
 * A sound device as a port on the bridge (pjsua2 ExtraAudioDevice: one of several sound devices
 * active at once, here one per handset). What the bridge sends to the port is played on the
 * playback device (the earpiece); what the capture device records (the microphone) is the
 * port's audio into the bridge. 8 kHz, 16-bit mono, 20 ms frames, like every other port.
 */
export interface SoundDeviceConfig {
  /** ALSA PCM the port's audio is played to, e.g. "plughw:CARD=Handset1,DEV=0"; none = capture only. */
  playbackDevice?: string;
  /** ALSA PCM the port's audio comes from; none = playback only. */
  captureDevice?: string;
  /**
   * Most audio held between the device and the bridge, each way, in ms (default 200). Beyond it
   * the oldest captured audio, or the newest audio for playback, is dropped and counted: a
   * stalled device never turns into growing delay on a call.
   */
  maxBufferMs?: number;
  /** Restarts of a device process that exits by itself before it is reported as failed (default 3 a minute). */
  maxRestarts?: number;
}

export interface SoundDeviceFault {
  direction: "playback" | "capture";
  device: string;
  /** What went wrong, in words (the ALSA message when there is one). */
  message: string;
  /** false: being restarted; true: given up, both directions stop until the device is opened again. */
  fatal: boolean;
}

export interface SoundDeviceStats {
  framesPlayed: number;
  framesCaptured: number;
  /** Frames for playback dropped because the device did not keep up. */
  playbackDropped: number;
  /** Captured frames dropped because the bridge did not take them in time. */
  captureDropped: number;
  restarts: number;
}

export interface ExtraAudioDevice extends AudioMedia {
  readonly config: SoundDeviceConfig;
  /** Starts the devices; rejects with the device's own error when one cannot be opened. */
  open(): Promise<void>;
  /** Stops the devices (playback drains what it holds) and takes the port off the bridge. */
  close(): Promise<void>;
  isOpened(): boolean;
  stats(): SoundDeviceStats;
  on(event: "fault", listener: (fault: SoundDeviceFault) => void): this;
  off(event: string, listener: (...args: never[]) => void): this;
}

export interface ToneDescriptor {
  freq1: number;
  freq2?: number;
  freq3?: number;
  onMs: number;
  offMs: number;
  /** Level in dBm0 per frequency. */
  levelDbm0?: number;
}

export type NamedTone = "dial" | "ringback" | "busy" | "reorder" | "sit" | "beep";

export interface ToneGenerator extends AudioMedia {
  play(tone: NamedTone | ToneDescriptor[], loop?: boolean): void;
  stop(): void;
  destroy(): void;
}

export interface Call {
  readonly id: number;
  getInfo(): CallInfo;
  /** Answers an incoming call (default 200; 180/183 send provisional responses). */
  answer(prm?: CallOpParam): Promise<void>;
  /** Ends the call: CANCEL before answer, BYE after, or a final error response if incoming. */
  hangup(prm?: CallOpParam): Promise<void>;
  /** Sends digits as RFC 4733 events (`flash` sends event 16). */
  dialDtmf(digits: string): Promise<void>;
  /** Sends re-INVITE with a fresh offer (hold/unhold, codec change). */
  reinvite(opts?: { hold?: boolean }): Promise<void>;
  /** Sends a SIP INFO with a body. */
  sendInfo(contentType: string, body: string): Promise<number>;
  /** The call's audio port on the bridge; undefined until media is active. */
  getAudioMedia(): AudioMedia | undefined;
  getRtpStats(): RtpStats | undefined;
  on(event: "state", listener: (state: CallState, info: CallInfo) => void): this;
  on(event: "media", listener: (media: AudioMedia) => void): this;
  on(event: "dtmf", listener: (ev: DtmfEvent) => void): this;
  on(event: "info", listener: (contentType: string, body: string) => void): this;
  off(event: string, listener: (...args: never[]) => void): this;
}

export interface Account {
  readonly uri: string;
  /** Starts registration (when a registrar is configured); resolves on the first final answer. */
  register(): Promise<RegistrationState>;
  unregister(): Promise<void>;
  getRegistrationState(): RegistrationState;
  makeCall(destUri: string, prm?: CallOpParam): Call;
  on(event: "incomingCall", listener: (call: Call) => void): this;
  on(event: "regState", listener: (state: RegistrationState) => void): this;
  off(event: string, listener: (...args: never[]) => void): this;
  destroy(): Promise<void>;
}

/**
 * Who may register, as the registrar sees it: the password, or only its H(A1) digests per
 * algorithm (RFC 7616 §3.4.2). Return undefined to refuse with 403.
 */
export type RegistrarLookup = (
  username: string,
  realm: string,
) => { password: string } | { ha1: { MD5?: string; "SHA-256"?: string } } | undefined;

export interface Registration {
  aor: string;
  contact: string;
  expiresAt: number;
  /** Source address the REGISTER came from (RFC 3581 received/rport). */
  source: { address: string; port: number; transport: TransportType };
}

export interface Endpoint {
  /** Binds a transport and returns its actual port. */
  transportCreate(type: TransportType, cfg: TransportConfig): Promise<{ port: number }>;
  /** Creates an account (pjsua2 Account.create). */
  accountCreate(cfg: AccountConfig): Account;
  /** Serves REGISTER for a realm, with digest challenges (RFC 7616, MD5 and SHA-256). */
  registrarStart(realm: string, lookup: RegistrarLookup): void;
  /** Current bindings (registrar only). */
  registrations(): Registration[];
  /** The bridge's player, recorder and tone generator factories. */
  createPlayer(): AudioMediaPlayer;
  createRecorder(file: string): Promise<AudioMediaRecorder>;
  createToneGenerator(): ToneGenerator;
  /** A sound device as a bridge port (pjsua2 ExtraAudioDevice); call `open()` to start it. */
  createExtraAudioDevice(cfg: SoundDeviceConfig): ExtraAudioDevice;
  /** Stops every call, transport and timer. */
  libDestroy(): Promise<void>;
}
