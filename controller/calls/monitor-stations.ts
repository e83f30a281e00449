/**
 * Monitoring stations: an officer's SIP phone or softphone, called by the controller when the
 * officer asks to monitor a call. The officer picks one of the stations an administrator set up
 * (monitor-station-directory.ts): it must be enabled, serve the call's facility, and be
 * registered with the controller's registrar under its own account; it is called at the address
 * it registered from, never at an address given in the request. When the station answers, its
 * audio port is attached to the call's bridge in the chosen mode.
 *
 * Lifecycle: `calling` (station rings, at most `answerTimeoutMs`) → `active` → ended, by the
 * API (`stop`), by the station hanging up, or by the call ending (its monitors end with it,
 * before its record closes). Every end is announced on the bus (`monitor.ended`), so the audit
 * trail records ends nobody asked for as well.
 */
import type { Account, AudioMedia, Call, CallState } from "../../telephony/api.ts";
import type { Clock, TimerHandle } from "../../telephony/clock.ts";
import type { CallEventBus, LiveCall, MonitorEnded } from "./events.ts";
import type { MonitorHandle, MonitorMode, MonitorView } from "./monitor.ts";
import type { MonitorStation } from "./monitor-station-directory.ts";

/** Why a monitor request was refused; the API maps each kind to its HTTP status. */
export type MonitorRefusal =
  | "no-call" // unknown or ended call
  | "not-monitorable" // privileged call
  | "not-connected" // not yet accepted by the called party
  | "unknown-station" // no such station
  | "station-not-allowed" // disabled, or not serving the call's facility
  | "station-unregistered" // set up, but not registered with the controller now
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
  /** The stations an administrator set up. */
  stations: { get(id: string): MonitorStation | undefined };
  /** The URI a station's account is reached at, if it is registered (and not revoked) now. */
  registered(account: string): string | undefined;
  bus: CallEventBus;
  /** How long a station may ring before the monitor is given up (default 30 s). */
  answerTimeoutMs?: number;
  newId(): string;
}

export interface MonitorRequest {
  callId: string;
  mode: MonitorMode;
  stationId: string;
  /** The monitor's id, when the caller needs it before the station is called (the audit). */
  monitorId?: string;
  by: { userId: string; username: string };
}

interface Monitor {
  view: MonitorView;
  callId: string;
  /** Kept from the start, so the end is audited under the call's facility even after it. */
  facilityId: string;
  startedById: string;
  leg: Call;
  handle: MonitorHandle | undefined;
  ringTimer: TimerHandle | undefined;
  ended: boolean;
}

const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;

export class MonitorStations {
  private readonly deps: MonitorStationDeps;
  private readonly byCall = new Map<string, Map<string, Monitor>>();

  constructor(deps: MonitorStationDeps) {
    this.deps = deps;
  }

  /**
   * Checks that the station may be used for the call (set up, enabled, serving the call's
   * facility, registered now) and returns the station and the URI it is reached at.
   */
  check(callId: string, stationId: string): { station: MonitorStation; uri: string; call: MonitorableCall } {
    const call = this.callable(callId);
    const station = this.deps.stations.get(stationId);
    if (!station) throw new MonitorError("unknown-station", "no such monitoring station");
    if (!station.enabled)
      throw new MonitorError("station-not-allowed", `monitoring station ${station.name} is disabled`);
    if (!station.facilityIds.includes(call.live.facilityId)) {
      throw new MonitorError("station-not-allowed", `monitoring station ${station.name} does not serve this facility`);
    }
    const uri = this.deps.registered(station.account);
    if (!uri) throw new MonitorError("station-unregistered", `monitoring station ${station.name} is not registered`);
    return { station, uri, call };
  }

  /** Calls the station; the monitor is attached when it answers. Returns it in state `calling`. */
  start(req: MonitorRequest): MonitorView {
    const { station, uri, call: s } = this.check(req.callId, req.stationId);
    let leg: Call;
    try {
      leg = this.deps.account.makeCall(uri, { headers: { Subject: "Call monitoring" } });
    } catch (err) {
      throw new MonitorError(
        "station-unregistered",
        `monitoring station ${station.name} cannot be called: ${String(err)}`,
      );
    }
    const m: Monitor = {
      view: {
        monitorId: req.monitorId ?? this.deps.newId(),
        mode: req.mode,
        stationId: station.id,
        station: station.name,
        startedBy: req.by.username,
        startedAt: this.deps.clock.now(),
        state: "calling",
      },
      callId: req.callId,
      facilityId: s.live.facilityId,
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
      // The call's end ends its monitors, before its record closes, and forgets the call.
      s.onCleanup(() => {
        for (const other of [...(this.byCall.get(req.callId)?.values() ?? [])]) {
          this.end(other, "call-ended", "The monitored call ended");
        }
        this.byCall.delete(req.callId);
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
  stop(callId: string, monitorId: string, by?: string): MonitorView {
    const m = this.find(callId, monitorId);
    const view = { ...m.view };
    this.end(m, "stopped", by ? `Stopped by ${by}` : "Stopped by an officer", by);
    return view;
  }

  /** Ends every monitor on a station (disabled, or its credential reset). */
  endStation(stationId: string, reason: string): number {
    let n = 0;
    for (const mons of [...this.byCall.values()]) {
      for (const m of [...mons.values()]) {
        if (m.view.stationId !== stationId) continue;
        this.end(m, "failed", reason);
        n++;
      }
    }
    return n;
  }

  /** Calls with monitor bookkeeping (for tests of its cleanup). */
  get trackedCalls(): number {
    return this.byCall.size;
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

  private end(m: Monitor, cause: MonitorEnded["cause"], reason: string, by?: string): void {
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
    if (mons && mons.size === 0 && (!s || s.ended)) this.byCall.delete(m.callId);
    this.publish(m.callId);
    this.deps.bus.emit("monitor.ended", {
      callId: m.callId,
      facilityId: m.facilityId,
      monitor: { ...m.view },
      startedById: m.startedById,
      cause,
      reason,
      ...(by ? { by } : {}),
    });
  }

  private publish(callId: string): void {
    // Kept current on an ended call too, so its last snapshot shows no monitor left.
    this.deps.session(callId)?.publishMonitors(this.list(callId));
  }
}
