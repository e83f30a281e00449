/**
 * The contract between the SIP side (`telephony/sip`, `telephony/ua`) and the media side
 * (`telephony/media`, `telephony/rtp`, `telephony/sdp`). The user agent asks the engine for one
 * MediaSession per call; the session owns its RTP socket, negotiates SDP (RFC 3264) and exposes
 * the call's audio as a port on the engine's conference bridge.
 */
import type { AudioMedia, AudioMediaPlayer, AudioMediaRecorder, DtmfEvent, RtpStats, ToneGenerator } from "../api.ts";

/** Raised when an offer has nothing we can accept; the UA answers 488 Not Acceptable Here. */
export { SdpNegotiationError } from "../sdp/offer-answer.ts";

export interface MediaSessionOptions {
  /** Address bound for RTP and written in SDP c= (127.0.0.1 in tests). */
  address: string;
  /** Address written in SDP instead, when different from `address` (NAT, 0.0.0.0 binds). */
  publicAddress?: string;
  /** Detect DTMF tones in the received audio too (trunks that send in-band). Default false. */
  inbandDtmf?: boolean;
  /**
   * No RTP for this long while the remote is meant to send ends the session with "RTP timeout".
   * 0 disables it. Default 30000.
   */
  rtpTimeoutMs?: number;
}

export interface MediaSession {
  /** Our SDP offer (RFC 3264 §5). */
  createOffer(opts?: { hold?: boolean }): string;
  /** Our answer to a remote offer (RFC 3264 §6); throws SdpNegotiationError. */
  createAnswer(remoteOffer: string): string;
  /** Applies the remote answer to our offer (RFC 3264 §7); throws SdpNegotiationError. */
  setRemoteAnswer(remoteAnswer: string): void;
  /** The negotiated codec, once negotiated. */
  readonly codec: "PCMU" | "PCMA" | undefined;
  /** The call's port on the bridge: what the remote sends is its source, what it hears its sink. */
  readonly audio: AudioMedia;
  /** Sends digits as RFC 4733 telephone-events ("flash" = event 16). */
  sendDtmf(digits: string): Promise<void>;
  stats(): RtpStats;
  on(event: "dtmf", listener: (ev: DtmfEvent) => void): this;
  /** The remote stopped sending (RTP timeout) or its socket failed (ICMP unreachable). */
  on(event: "failed", listener: (reason: string) => void): this;
  off(event: string, listener: (...args: never[]) => void): this;
  close(): Promise<void>;
}

export interface MediaEngine {
  createSession(opts: MediaSessionOptions): Promise<MediaSession>;
  createPlayer(): AudioMediaPlayer;
  createRecorder(file: string): Promise<AudioMediaRecorder>;
  createToneGenerator(): ToneGenerator;
  /** Stops the bridge clock and closes every session. */
  close(): Promise<void>;
}
