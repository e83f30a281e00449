/**
 * Turns the call flow's events into alerts: hot numbers dialled or connected, extra digits and
 * hook flashes (fraud), and denied calls counted toward threshold rules ("calls blocked per
 * hour"). The call flow knows nothing of alerts; this observer subscribes to its bus.
 *
 * Spec (IWTS functional requirements, Monitoring): "The IWTS shall activate a manner of
 * notification if a call to a 'Hot Number' has been placed."
 */
import type { CallEventBus, LiveCall } from "../calls/events.ts";
import type { DiallingPatternDetector } from "./dialling-patterns.ts";
import type { AlertEvent, InmateRef } from "./events.ts";

/** The part of the alert service the bridge uses. */
export interface AlertSink {
  raise(event: AlertEvent): void;
  observe(metric: string, facilityId: string): void;
}

/** Metric name denied calls are counted under, for threshold rules. */
export const callBlockedMetric = "call-blocked";

function inmateOf(call: LiveCall): InmateRef | undefined {
  if (!call.inmateId) return undefined;
  return call.inmateName ? { id: call.inmateId, name: call.inmateName } : { id: call.inmateId };
}

export interface BridgeOptions {
  /** Looks for unusual dialling in every call that reaches the dialling phase. */
  patterns?: DiallingPatternDetector;
}

/** Subscribes; returns the function that removes every listener it added. */
export function bridgeCallEvents(bus: CallEventBus, alerts: AlertSink, opts: BridgeOptions = {}): () => void {
  const hot =
    (type: "hot-number-dialled" | "hot-number-connected") => (p: { call: LiveCall; number: string; note: string }) =>
      alerts.raise({
        type,
        facilityId: p.call.facilityId,
        callId: p.call.callId,
        inmate: inmateOf(p.call) ?? { id: "unknown" },
        stationId: p.call.stationId,
        number: p.number,
        ...(p.note ? { note: p.note } : {}),
      });
  const offs = [
    bus.on("hotnumber.dialled", hot("hot-number-dialled")),
    bus.on("hotnumber.connected", hot("hot-number-connected")),
    bus.on("fraud.extraDigits", (p) =>
      alerts.raise({
        type: "extra-digits",
        facilityId: p.call.facilityId,
        callId: p.call.callId,
        inmate: inmateOf(p.call),
        stationId: p.call.stationId,
        number: p.call.numberCalled ?? "unknown",
        digits: p.digits,
        from: p.from,
      }),
    ),
    bus.on("fraud.hookFlash", (p) =>
      alerts.raise({
        type: "hook-flash",
        facilityId: p.call.facilityId,
        callId: p.call.callId,
        inmate: inmateOf(p.call),
        stationId: p.call.stationId,
        number: p.call.numberCalled ?? "unknown",
      }),
    ),
    bus.on("call.denied", (p) => alerts.observe(callBlockedMetric, p.call.facilityId)),
  ];
  const patterns = opts.patterns;
  if (patterns) {
    // A call is updated several times while dialling; count each call once.
    const counted = new Set<string>();
    offs.push(
      bus.on("call.updated", (c) => {
        if (c.phase !== "dialling" || !c.inmateId || !c.numberCalled || counted.has(c.callId)) return;
        counted.add(c.callId);
        const dial = {
          facilityId: c.facilityId,
          inmateId: c.inmateId,
          stationId: c.stationId,
          number: c.numberCalled,
          ...(c.inmateName ? { inmateName: c.inmateName } : {}),
        };
        for (const e of patterns.dial(dial)) alerts.raise(e);
      }),
      bus.on("call.ended", (c) => {
        counted.delete(c.callId);
      }),
    );
  }
  return () => {
    for (const off of offs) off();
  };
}
