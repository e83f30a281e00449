/**
 * Monitoring stations: an officer's SIP phone or softphone, called by the controller when the
 * officer asks to monitor a call. The station is given as a SIP URI, or as the name of a
 * station account registered with the controller's registrar (`monitor-<name>`, password
 * derived from the SIP secret like a phone bank's). The controller places the call; when the
 * station answers, its audio port is attached to the call's bridge in the chosen mode.
 *
 * Lifecycle: `calling` (station rings, at most `answerTimeoutMs`) → `active` → ended, by the
 * API (`stop`), by the station hanging up, or by the call ending (its monitors end with it,
 * before its record closes). Every end is announced on the bus (`monitor.ended`), so the audit
 * trail records ends nobody asked for as well.
 */
import type { Account, AudioMedia, Call, CallState } from "../../telephony/api.ts";
import type { Clock, TimerHandle } from "../../telephony/clock.ts";
import { sipUser } from "./call-manager.ts";
import type { CallEventBus, LiveCall, MonitorEnded } from "./events.ts";
import type { MonitorHandle, MonitorMode, MonitorView } from "./monitor.ts";

/** Why a monitor request was refused; the API maps each kind to its HTTP status. */
export type MonitorRefusal =
  | "no-call" // unknown or ended call
  | "not-monitorable" // privileged call
  | "not-connected" // not yet accepted by the called party
  | "unknown-station" // no such registered station
  | "no-monitor"; // unknown monitor id

export class MonitorError extends Error {
  override readonly name = "MonitorError";
  readonly kind: MonitorRefusal;
  constructor(kind: MonitorRefusal, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** The part of a call session monitoring needs (controller/calls/call-session.ts). */
export interface MonitorableCall {
  readonly live: LiveCall;
  readonly state: string;
  readonly ended: boolean;
  attachMonitor(port: AudioMedia, mode: MonitorMode): MonitorHandle;
  publishMonitors(monitors: MonitorView[]): void;
  onCleanup(fn: () => void | Promise<void>): void;
}

export interface MonitorStationDeps {
  clock: Clock;
  /** The controller's account that calls the stations. */
  account: Pick<Account, "makeCall">;
  /** The session of a call in progress. */
  session(callId: string): MonitorableCall | undefined;
  /** The contact URI a registered station name is reached at, if it is registered now. */
  registered(name: string): string | undefined;
  bus: CallEventBus;
  /** How long a station may ring before the monitor is given up (default 30 s). */
  answerTimeoutMs?: number;
  newId(): string;
}

export interface MonitorRequest {
  callId: string;
  mode: MonitorMode;
  station: string;
  by: { userId: string; username: string };
}

interface Monitor {
  view: MonitorView;
  callId: string;
  startedById: string;
  leg: Call;
  handle: MonitorHandle | undefined;
  ringTimer: TimerHandle | undefined;
  ended: boolean;
}

/** Registered monitoring-station accounts are named `monitor-…` (lower case, digits, dashes). */
export const MONITOR_STATION_NAME = /^monitor-[a-z0-9][a-z0-9-]{0,39}$/;

const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;

export class MonitorStations {
  private readonly deps: MonitorStationDeps;
  private readonly byCall = new Map<string, Map<string, Monitor>>();

  constructor(deps: MonitorStationDeps) {
    this.deps = deps;
  }

  /** The SIP URI a station is reached at: a URI as given, or a registered station's contact. */
  stationUri(station: string): string {
    if (/^sips?:/i.test(station)) return station;
    const contact = MONITOR_STATION_NAME.test(station) ? this.deps.registered(station) : undefined;
    if (!contact) throw new MonitorError("unknown-station", `monitoring station ${station} is not registered`);
    return contact;
  }

  /** Calls the station; the monitor is attached when it answers. Returns it in state `calling`. */
  start(req: MonitorRequest): MonitorView {
    const s = this.callable(req.callId);
    const uri = this.stationUri(req.station);
    let leg: Call;
    try {
      leg = this.deps.account.makeCall(uri, { headers: { Subject: "Call monitoring" } });
    } catch (err) {
      // A URI the SIP stack cannot call (malformed, unknown scheme) is the request's fault.
      throw new MonitorError("unknown-station", `monitoring station ${req.station} cannot be called: ${String(err)}`);
    }
    const m: Monitor = {
      view: {
        monitorId: this.deps.newId(),
        mode: req.mode,
        station: req.station,
        startedBy: req.by.username,
        startedAt: this.deps.clock.now(),
        state: "calling",
      },
      callId: req.callId,
      startedById: req.by.userId,
      leg,
      handle: undefined,
      ringTimer: undefined,
      ended: false,
    };
    let mons = this.byCall.get(req.callId);
    if (!mons) {
      mons = new Map();
      this.byCall.set(req.callId, mons);
      // The call's end ends its monitors, before its record closes.
      s.onCleanup(() => {
        for (const other of [...(this.byCall.get(req.callId)?.values() ?? [])]) {
          this.end(other, "call-ended", "The monitored call ended");
        }
      });
    }
    mons.set(m.view.monitorId, m);
    m.ringTimer = this.deps.clock.setTimeout(() => {
      m.ringTimer = undefined;
      if (m.view.state === "calling") this.end(m, "station-unanswered", "The monitoring station did not answer");
    }, this.deps.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS);
    leg.on("state", (state: CallState, info) => {
      if (state === "CONFIRMED") this.answered(m);
      else if (state === "DISCONNECTED") {
        if (m.view.state === "active") this.end(m, "station-hung-up", "The monitoring station hung up");
        else {
          const why =
            info.lastStatusCode >= 300 ? `SIP ${info.lastStatusCode} ${info.lastReason}` : info.disconnectReason;
          this.end(m, "station-unanswered", `The monitoring station did not answer${why ? ` (${why})` : ""}`);
        }
      }
    });
    this.publish(req.callId);
    return { ...m.view };
  }

  /** Changes a monitor's mode (applied at once if attached, on answer otherwise). */
  setMode(callId: string, monitorId: string, mode: MonitorMode): MonitorView {
    const m = this.find(callId, monitorId);
    if (m.view.mode !== mode) {
      m.view.mode = mode;
      m.handle?.setMode(mode);
      this.publish(callId);
    }
    return { ...m.view };
  }

  /** Ends a monitor at an officer's request; hangs up the station. */
  stop(callId: string, monitorId: string): MonitorView {
    const m = this.find(callId, monitorId);
    const view = { ...m.view };
    this.end(m, "stopped", "Stopped by an officer");
    return view;
  }

  /** The monitors of a call (as the live view shows them). */
  list(callId: string): MonitorView[] {
    return [...(this.byCall.get(callId)?.values() ?? [])].map((m) => ({ ...m.view }));
  }

  get(callId: string, monitorId: string): MonitorView | undefined {
    const m = this.byCall.get(callId)?.get(monitorId);
    return m ? { ...m.view } : undefined;
  }

  /** Ends every monitor (controller shutdown). */
  stopAll(): void {
    for (const mons of [...this.byCall.values()]) {
      for (const m of [...mons.values()]) this.end(m, "call-ended", "The controller shut down");
    }
  }

  private callable(callId: string): MonitorableCall {
    const s = this.deps.session(callId);
    if (!s || s.ended) throw new MonitorError("no-call", "no such call in progress");
    if (!s.live.monitorable) throw new MonitorError("not-monitorable", "privileged calls are never monitored");
    if (s.state !== "connected") {
      throw new MonitorError("not-connected", "only a call the called party has accepted can be monitored");
    }
    return s;
  }

  private find(callId: string, monitorId: string): Monitor {
    const m = this.byCall.get(callId)?.get(monitorId);
    if (!m || m.ended) throw new MonitorError("no-monitor", "no such monitor on this call");
    return m;
  }

  /** The station answered: attach its audio port once its media is up (it may follow the 200). */
  private answered(m: Monitor): void {
    if (m.ended || m.handle) return;
    const port = m.leg.getAudioMedia();
    if (!port) {
      const onMedia = () => {
        m.leg.off("media", onMedia);
        this.answered(m);
      };
      m.leg.on("media", onMedia);
      return;
    }
    const s = this.deps.session(m.callId);
    if (!s || s.ended) {
      this.end(m, "call-ended", "The monitored call ended");
      return;
    }
    try {
      m.handle = s.attachMonitor(port, m.view.mode);
    } catch (err) {
      this.end(m, "failed", err instanceof Error ? err.message : String(err));
      return;
    }
    if (m.ringTimer) this.deps.clock.clearTimeout(m.ringTimer);
    m.ringTimer = undefined;
    m.view.state = "active";
    this.publish(m.callId);
  }

  private end(m: Monitor, cause: MonitorEnded["cause"], reason: string): void {
    if (m.ended) return;
    m.ended = true;
    if (m.ringTimer) this.deps.clock.clearTimeout(m.ringTimer);
    try {
      m.handle?.detach();
    } catch {
      // the call's ports may already be gone as it ends; the station is hung up all the same
    }
    if (m.leg.getInfo().state !== "DISCONNECTED") void m.leg.hangup().catch(() => {});
    const mons = this.byCall.get(m.callId);
    mons?.delete(m.view.monitorId);
    const s = this.deps.session(m.callId);
    const live = s?.live;
    if (mons && mons.size === 0 && (!s || s.ended)) this.byCall.delete(m.callId);
    this.publish(m.callId);
    this.deps.bus.emit("monitor.ended", {
      callId: m.callId,
      facilityId: live?.facilityId ?? "",
      monitor: { ...m.view },
      startedById: m.startedById,
      cause,
      reason,
    });
  }

  private publish(callId: string): void {
    // Kept current on an ended call too, so its last snapshot shows no monitor left.
    this.deps.session(callId)?.publishMonitors(this.list(callId));
  }
}

/** The station name of a registration's address of record, if it is a monitoring station. */
export function monitorStationOf(aor: string): string | undefined {
  const user = sipUser(aor.includes("@") ? aor : "");
  return user && MONITOR_STATION_NAME.test(user) ? user : undefined;
}
