/**
 * A stand-in for the call manager: calls in progress held in memory, terminated on request,
 * announced on the real call event bus. Lets the live routes and screens be tested without
 * placing SIP calls.
 */
import type { LiveCallControl } from "../../../controller/api/routes/live-routes.ts";
import type { LiveMonitorControl } from "../../../controller/api/routes/monitor-routes.ts";
import type { MonitorStationAdmin } from "../../../controller/api/routes/monitor-station-routes.ts";
import { CallEventBus, type LiveCall, type MonitorEnded } from "../../../controller/calls/events.ts";
import type { MonitorMode, MonitorView } from "../../../controller/calls/monitor.ts";
import { MonitorError, type MonitorRequest } from "../../../controller/calls/monitor-stations.ts";

export class FakeCalls implements LiveCallControl {
  readonly bus = new CallEventBus();
  readonly calls = new Map<string, LiveCall>();
  readonly terminated: { callId: string; by: string }[] = [];

  start(call: Partial<LiveCall> & Pick<LiveCall, "callId" | "facilityId">): LiveCall {
    const c: LiveCall = {
      housingUnitId: "demo-unit-a",
      stationId: "demo-st-1",
      location: "Unit A dayroom, set 1",
      phase: "connected",
      startedAt: Date.now() - 65_000,
      acceptedAt: Date.now() - 60_000,
      inmateId: "D-1001",
      inmateName: "John Miller",
      numberCalled: "+12132011234",
      destinationName: "LOS ANGELES, CA",
      callType: "local",
      monitorable: true,
      recorderChannel: 3,
      chargeCents: 21,
      monitors: [],
      ...call,
    };
    this.calls.set(c.callId, c);
    this.bus.emit("call.started", c);
    return c;
  }

  live(filter?: (c: LiveCall) => boolean): LiveCall[] {
    return [...this.calls.values()].filter((c) => !filter || filter(c));
  }

  terminate(callId: string, by: string): boolean {
    const c = this.calls.get(callId);
    if (!c) return false;
    this.calls.delete(callId);
    this.terminated.push({ callId, by });
    this.bus.emit("call.ended", {
      ...c,
      phase: "ended",
      ending: `Terminated by ${by}`,
      chargeCents: c.chargeCents,
      billedSeconds: 60,
    });
    return true;
  }

  terminateGroup(sel: { facilityId?: string; housingUnitId?: string }, by: string): number {
    let n = 0;
    for (const c of this.live()) {
      if (sel.facilityId && c.facilityId !== sel.facilityId) continue;
      if (sel.housingUnitId && c.housingUnitId !== sel.housingUnitId) continue;
      if (this.terminate(c.callId, by)) n++;
    }
    return n;
  }
}

/** A station as the stand-in knows it. */
export interface FakeStation {
  id: string;
  name: string;
  facilityIds: string[];
  enabled: boolean;
  registered: boolean;
}

/**
 * A stand-in for the monitoring stations over FakeCalls: refuses as the real one does
 * (unknown call, privileged, not connected; unknown, disabled, other facility's or unregistered
 * station), "answers" each station on the next tick, publishes each call's monitors on the bus,
 * and announces every end (a stop too) as the real one does.
 */
export class FakeMonitors implements LiveMonitorControl {
  private readonly fake: FakeCalls;
  private readonly byCall = new Map<string, MonitorView[]>();
  private next = 0;
  /** The stations an administrator set up. */
  readonly stations = new Map<string, FakeStation>([
    ["st-desk-1", { id: "st-desk-1", name: "Desk 1", facilityIds: ["demo-facility"], enabled: true, registered: true }],
  ]);
  readonly requests: MonitorRequest[] = [];

  constructor(fake: FakeCalls) {
    this.fake = fake;
    fake.bus.on("call.ended", (c) => {
      for (const m of this.byCall.get(c.callId) ?? []) this.ended(c, m, "call-ended", "The monitored call ended");
      this.byCall.delete(c.callId);
    });
  }

  check(callId: string, stationId: string): { station: FakeStation } {
    const call = this.fake.calls.get(callId);
    if (!call) throw new MonitorError("no-call", "no such call in progress");
    if (!call.monitorable) throw new MonitorError("not-monitorable", "privileged calls are never monitored");
    if (call.phase !== "connected") throw new MonitorError("not-connected", "not connected");
    const st = this.stations.get(stationId);
    if (!st) throw new MonitorError("unknown-station", "no such monitoring station");
    if (!st.enabled || !st.facilityIds.includes(call.facilityId)) {
      throw new MonitorError("station-not-allowed", `monitoring station ${st.name} may not be used for this call`);
    }
    if (!st.registered)
      throw new MonitorError("station-unregistered", `monitoring station ${st.name} is not registered`);
    return { station: st };
  }

  start(req: MonitorRequest): MonitorView {
    const { station } = this.check(req.callId, req.stationId);
    this.requests.push(req);
    const m: MonitorView = {
      monitorId: req.monitorId ?? `mon-${++this.next}`,
      mode: req.mode,
      stationId: station.id,
      station: station.name,
      startedBy: req.by.username,
      startedAt: Date.now(),
      state: "calling",
    };
    this.byCall.set(req.callId, [...(this.byCall.get(req.callId) ?? []), m]);
    this.publish(req.callId);
    setTimeout(() => {
      if (!this.byCall.get(req.callId)?.includes(m)) return;
      m.state = "active";
      this.publish(req.callId);
    }, 0);
    return { ...m };
  }

  setMode(callId: string, monitorId: string, mode: MonitorMode): MonitorView {
    const m = this.find(callId, monitorId);
    m.mode = mode;
    this.publish(callId);
    return { ...m };
  }

  stop(callId: string, monitorId: string, by?: string): MonitorView {
    const m = this.find(callId, monitorId);
    this.byCall.set(
      callId,
      (this.byCall.get(callId) ?? []).filter((x) => x !== m),
    );
    this.publish(callId);
    const call = this.fake.calls.get(callId);
    if (call) this.ended(call, m, "stopped", by ? `Stopped by ${by}` : "Stopped by an officer", by);
    return { ...m };
  }

  list(callId: string): MonitorView[] {
    return (this.byCall.get(callId) ?? []).map((m) => ({ ...m }));
  }

  /** The stations as the administration routes list them (read only). */
  admin(): MonitorStationAdmin {
    const full = (s: FakeStation) => ({
      ...s,
      account: `monitor-${s.id}`,
      credentialSetAt: 0,
      createdAt: 0,
      createdBy: "admin",
      updatedAt: 0,
      updatedBy: "admin",
    });
    const refuse = async (): Promise<never> => {
      throw new Error("the stand-in's stations are read only");
    };
    return {
      directory: {
        realm: "yardline",
        list: (scope) =>
          [...this.stations.values()].filter((s) => !scope || s.facilityIds.some((f) => scope.has(f))).map(full),
        get: (id) => {
          const s = this.stations.get(id);
          return s ? full(s) : undefined;
        },
        create: refuse,
        update: refuse,
        resetCredential: refuse,
      },
      registered: (account) => [...this.stations.values()].some((s) => `monitor-${s.id}` === account && s.registered),
    };
  }

  /** The station hangs up. */
  hangUp(callId: string, monitorId: string): void {
    const m = this.find(callId, monitorId);
    this.byCall.set(
      callId,
      (this.byCall.get(callId) ?? []).filter((x) => x !== m),
    );
    this.publish(callId);
    const call = this.fake.calls.get(callId);
    if (call) this.ended(call, m, "station-hung-up", "The monitoring station hung up");
  }

  private ended(call: LiveCall, m: MonitorView, cause: MonitorEnded["cause"], reason: string, by?: string): void {
    const req = this.requests.find((r) => r.callId === call.callId && r.stationId === m.stationId);
    this.fake.bus.emit("monitor.ended", {
      callId: call.callId,
      facilityId: call.facilityId,
      monitor: { ...m },
      startedById: req?.by.userId ?? "",
      cause,
      reason,
      ...(by ? { by } : {}),
    });
  }

  private find(callId: string, monitorId: string): MonitorView {
    const m = this.byCall.get(callId)?.find((x) => x.monitorId === monitorId);
    if (!m) throw new MonitorError("no-monitor", "no such monitor on this call");
    return m;
  }

  private publish(callId: string): void {
    const call = this.fake.calls.get(callId);
    if (!call) return;
    call.monitors = this.list(callId);
    this.fake.bus.emit("call.updated", { ...call });
  }
}
