/**
 * What a handset needs from SIP and audio, declared narrowly so handset.ts can be tested with
 * small fakes and driven by the real user agent through sip-line.ts.
 */
import type { NamedTone } from "../telephony/api.ts";

/** One ringdown call to the controller. */
export interface LineCall {
  /** Fires once, when the controller's audio first arrives (first RTP from it). */
  onAudio(listener: () => void): void;
  /** Fires once, when the call ends for any reason other than our own hangup(). */
  onEnded(listener: (reason: string) => void): void;
  /** Digits "0"-"9", "*", "#", or "flash" (RFC 4733 event 16). */
  sendDigits(digits: string): Promise<void>;
  /** Ends the call (CANCEL before answer, BYE after); the handset forgets it at once. */
  hangup(): Promise<void>;
}

/** The handset's line to the controller (private-line automatic ringdown). */
export interface HandsetLine {
  /** Places the call at once; never throws (a failure arrives as onEnded). */
  call(): LineCall;
  /** Whether SIP registration for this handset currently holds (health telemetry). */
  registered(): boolean;
}

/** What the inmate hears locally, before or instead of the controller's audio. */
export interface Earpiece {
  tone(tone: NamedTone): void;
  /** "Service unavailable" message (a recorded prompt, or SIT + reorder when none is set). */
  unavailable(): void;
  silence(): void;
}
