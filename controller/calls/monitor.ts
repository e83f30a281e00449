/**
 * Live monitoring of one call on the bridge (spec "Monitoring Requirements"): a monitoring port
 * (in practice an officer's SIP phone, see monitor-stations.ts) is attached to a connected
 * call in one of three modes, which can be changed while it stays attached:
 *
 * - silent: the port hears the inmate and the called party; nobody hears the port;
 * - beep:   as silent, plus a periodic beep both parties hear ("making the inmate/ward and
 *           called party aware of monitoring through the use of periodic beeps");
 * - barge:  as silent, and both parties hear the port ("interrupt or barge in").
 *
 * Several ports may be attached to one call ("more than one (1) location simultaneously").
 * One beep serves every beeping monitor of a call: two officers beeping do not double it.
 */
import type { AudioMedia, ToneGenerator } from "../../telephony/api.ts";

export const MonitorModes = ["silent", "beep", "barge"] as const;
export type MonitorMode = (typeof MonitorModes)[number];

/** One monitor as the live view shows it. */
export interface MonitorView {
  monitorId: string;
  mode: MonitorMode;
  /** The monitoring station (monitor-station-directory.ts) and its name. */
  stationId: string;
  station: string;
  /** Who started it (user name). */
  startedBy: string;
  startedAt: number;
  /** `calling` while the station rings; `active` once it is attached to the call. */
  state: "calling" | "active";
}

/** What the wiring needs from the call: its two legs and a beep source. */
export interface MonitoredLegs {
  inmate(): AudioMedia;
  called(): AudioMedia;
  /** A tone generator destroyed with the call. */
  tone(): ToneGenerator;
  /** Runs `fn` every `ms` until the call ends; returns the function that stops it. */
  every(ms: number, fn: () => void): () => void;
}

export interface MonitorHandle {
  readonly mode: MonitorMode;
  setMode(mode: MonitorMode): void;
  /** Detaches the port; later calls do nothing. */
  detach(): void;
}

export class CallMonitors {
  private readonly legs: MonitoredLegs;
  private readonly beepIntervalMs: number;
  private readonly attached = new Map<AudioMedia, MonitorMode>();
  /** Stops the beep's timer while any monitor beeps. */
  private stopBeepTimer: (() => void) | undefined;
  /** One tone generator per call, reused by each beep period (the bridge keeps it until the call ends). */
  private toneGen: ToneGenerator | undefined;
  /** The call's two ports, taken once: they must still be reachable to unwire after the legs hang up. */
  private parties: { inmate: AudioMedia; called: AudioMedia } | undefined;

  constructor(legs: MonitoredLegs, beepIntervalMs: number) {
    this.legs = legs;
    this.beepIntervalMs = beepIntervalMs;
  }

  attach(port: AudioMedia, mode: MonitorMode): MonitorHandle {
    if (this.attached.has(port)) throw new Error("this port is already monitoring the call");
    const { inmate, called } = this.ports();
    inmate.startTransmit(port);
    called.startTransmit(port);
    this.attached.set(port, mode);
    this.wire(port, undefined, mode);
    const self = this;
    return {
      get mode() {
        return self.attached.get(port) ?? mode;
      },
      setMode(next: MonitorMode) {
        const prev = self.attached.get(port);
        if (prev === undefined || prev === next) return;
        self.attached.set(port, next);
        self.wire(port, prev, next);
      },
      detach() {
        const prev = self.attached.get(port);
        if (prev === undefined) return;
        self.attached.delete(port);
        self.wire(port, prev, undefined);
        inmate.stopTransmit(port);
        called.stopTransmit(port);
      },
    };
  }

  private ports(): { inmate: AudioMedia; called: AudioMedia } {
    this.parties ??= { inmate: this.legs.inmate(), called: this.legs.called() };
    return this.parties;
  }

  /** Moves `port` from mode `prev` to `next` (undefined = not attached). */
  private wire(port: AudioMedia, prev: MonitorMode | undefined, next: MonitorMode | undefined): void {
    const { inmate, called } = this.ports();
    if (prev === "barge" && next !== "barge") {
      port.stopTransmit(inmate);
      port.stopTransmit(called);
    }
    if (next === "barge" && prev !== "barge") {
      port.startTransmit(inmate);
      port.startTransmit(called);
    }
    this.updateBeep();
  }

  private updateBeep(): void {
    const wanted = [...this.attached.values()].includes("beep");
    const { inmate, called } = this.ports();
    if (wanted && !this.stopBeepTimer) {
      this.toneGen ??= this.legs.tone();
      const tone = this.toneGen;
      tone.startTransmit(inmate);
      tone.startTransmit(called);
      // First beep at once, so both parties know from the moment monitoring begins.
      tone.play("beep", false);
      this.stopBeepTimer = this.legs.every(this.beepIntervalMs, () => tone.play("beep", false));
    } else if (!wanted && this.stopBeepTimer && this.toneGen) {
      this.stopBeepTimer();
      this.stopBeepTimer = undefined;
      this.toneGen.stop();
      this.toneGen.stopTransmit(inmate);
      this.toneGen.stopTransmit(called);
    }
  }
}
