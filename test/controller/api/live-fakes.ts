/**
 * A stand-in for the call manager: calls in progress held in memory, terminated on request,
 * announced on the real call event bus. Lets the live routes and screens be tested without
 * placing SIP calls.
 */
import type { LiveCallControl } from "../../../controller/api/routes/live-routes.ts";
import { CallEventBus, type LiveCall } from "../../../controller/calls/events.ts";

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
      monitors: 0,
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
