/**
 * The typed bus between the call flow and its observers (call records, live view, alerts).
 * Every listener is wrapped: one failing observer never drops a call or another observer.
 */
import type { MonitorView } from "./monitor.ts";
import type { Bilingual } from "./ports.ts";

export type CallPhase =
  | "prompting" // inmate is hearing prompts / entering PIN and number
  | "dialling" // trunk call placed, ringing
  | "announcing" // called party answered, hearing the acceptance prompt
  | "connected"
  | "ended";

/** What the live display shows for a call in progress (the spec's "Display of Calls in Progress"). */
export interface LiveCall {
  callId: string;
  facilityId: string;
  housingUnitId: string;
  stationId: string;
  location: string;
  phase: CallPhase;
  startedAt: number;
  acceptedAt?: number;
  inmateId?: string;
  inmateName?: string;
  numberCalled?: string;
  destinationName?: string;
  callType?: string;
  hotNumber?: boolean;
  monitorable: boolean;
  recorderChannel?: number;
  /** Charge so far in cents (connected calls only). */
  chargeCents: number;
  denialReason?: string;
  /** Monitoring stations on the call (ringing or attached). */
  monitors: MonitorView[];
}

/** A monitor ended: by an officer through the API, the station hanging up, the call ending, or a failure. */
export interface MonitorEnded {
  callId: string;
  facilityId: string;
  monitor: MonitorView;
  /** The user who started it (audit actor for ends nobody asked for). */
  startedById: string;
  cause: "stopped" | "station-hung-up" | "station-unanswered" | "call-ended" | "failed";
  /** In plain English, for the audit trail and the live view. */
  reason: string;
  /** Who stopped it (cause `stopped`). */
  by?: string;
}

export interface CallEventMap {
  "call.started": LiveCall;
  "call.updated": LiveCall;
  "call.ended": LiveCall & { ending: string; chargeCents: number; billedSeconds: number };
  "call.denied": { call: LiveCall; reason: Bilingual; rule: string };
  /** The acceptance menu has been heard whole; the called party's digit is now awaited. */
  "call.awaitingAcceptance": { callId: string; play: number };
  "hotnumber.dialled": { call: LiveCall; number: string; note: string };
  "hotnumber.connected": { call: LiveCall; number: string; note: string };
  "fraud.extraDigits": { call: LiveCall; from: "inmate" | "called"; digits: string };
  "fraud.hookFlash": { call: LiveCall };
  "flow.error": { callId: string; step: string; error: string; fatal: boolean };
  "monitor.ended": MonitorEnded;
}

export type CallEventName = keyof CallEventMap;
type Listener<K extends CallEventName> = (payload: CallEventMap[K]) => void | Promise<void>;

export class CallEventBus {
  private readonly listeners = new Map<CallEventName, Set<Listener<never>>>();
  private readonly onListenerError: (event: string, err: unknown) => void;

  constructor(onListenerError: (event: string, err: unknown) => void = () => {}) {
    this.onListenerError = onListenerError;
  }

  /** Subscribes; returns the function that removes the listener. */
  on<K extends CallEventName>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  emit<K extends CallEventName>(event: K, payload: CallEventMap[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        const r = (l as Listener<K>)(payload);
        if (r && typeof (r as Promise<void>).catch === "function") {
          (r as Promise<void>).catch((err) => this.onListenerError(event, err));
        }
      } catch (err) {
        this.onListenerError(event, err);
      }
    }
  }

  listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
