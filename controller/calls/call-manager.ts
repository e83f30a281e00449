/**
 * Takes handset calls from the controller's SIP account, runs one CallSession each, keeps the
 * table of calls in progress, and gives officers their controls: terminate one call or a group,
 * monitor (silent, with beep, barge-in), and software kill switches.
 *
 * Outbound only (spec "Outbound Only Calls"): a call that does not come from a known station is
 * refused with 403 and never reaches the prompts.
 */
import type { Account, AudioMedia, Call } from "../../telephony/api.ts";
import { CallSession, type FlowDeps } from "./call-session.ts";
import { runCall } from "./call-flow.ts";
import type { LiveCall } from "./events.ts";
import type { MonitorHandle, MonitorMode } from "./monitor.ts";

export interface GroupSelector {
  facilityId?: string;
  housingUnitId?: string;
  bankId?: string;
  stationId?: string;
}

export class CallManager {
  private readonly sessions = new Map<string, CallSession>();
  private readonly runs = new Set<Promise<void>>();
  private readonly deps: FlowDeps;
  private readonly accounts: Array<{ account: Account; listener: (call: Call) => void }> = [];
  private readonly onIncoming = (call: Call) => this.accept(call);
  private readonly onInbound = (call: Call) => {
    void call.hangup({ statusCode: 403, reason: "Inbound calls are not accepted" }).catch(() => {});
  };

  constructor(deps: FlowDeps) {
    this.deps = deps;
  }

  /** Serves handset calls arriving on `account`. */
  listen(account: Account): void {
    account.on("incomingCall", this.onIncoming);
    this.accounts.push({ account, listener: this.onIncoming });
  }

  /** Refuses calls arriving on `account` (the trunk: inbound calls are not processed). */
  refuseInbound(account: Account): void {
    account.on("incomingCall", this.onInbound);
    this.accounts.push({ account, listener: this.onInbound });
  }

  private accept(call: Call): void {
    const info = call.getInfo();
    const user = sipUser(info.remoteUri);
    const station = user ? this.deps.rules.station(user) : undefined;
    if (!station) {
      void call.hangup({ statusCode: 403, reason: "Unknown station" }).catch(() => {});
      return;
    }
    const session = new CallSession(this.deps, call, station);
    this.sessions.set(session.id, session);
    const run = runCall(session).finally(() => {
      this.sessions.delete(session.id);
      this.runs.delete(run);
    });
    this.runs.add(run);
  }

  live(filter?: (c: LiveCall) => boolean): LiveCall[] {
    const out: LiveCall[] = [];
    for (const s of this.sessions.values()) {
      if (s.ended) continue;
      const c = { ...s.live };
      if (!filter || filter(c)) out.push(c);
    }
    return out.sort((a, b) => a.startedAt - b.startedAt);
  }

  session(callId: string): CallSession | undefined {
    return this.sessions.get(callId);
  }

  /** Terminates one call; returns false if no such call is in progress. */
  terminate(callId: string, by: string): boolean {
    const s = this.sessions.get(callId);
    if (!s || s.ended) return false;
    s.end({ ending: `Terminated by ${by}`, notCompletedReason: s.acceptedAt ? undefined : `Terminated by ${by}` });
    return true;
  }

  /** Terminates every call matching the selector (a housing unit, a bank, a facility). */
  terminateGroup(sel: GroupSelector, by: string, why = "Terminated"): number {
    let n = 0;
    for (const s of this.sessions.values()) {
      if (s.ended || !matches(s, sel)) continue;
      s.end({ ending: `${why} by ${by}`, notCompletedReason: s.acceptedAt ? undefined : `${why} by ${by}` });
      n++;
    }
    return n;
  }

  /**
   * Attaches a monitoring port to a call; returns its handle (change mode, detach). Officers'
   * stations are called and attached by MonitorStations (monitor-stations.ts).
   */
  monitor(callId: string, port: AudioMedia, mode: MonitorMode): MonitorHandle {
    const s = this.sessions.get(callId);
    if (!s || s.ended) throw new Error("no such call in progress");
    return s.attachMonitor(port, mode);
  }

  /** Resolves when every call in progress has finished its record. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.runs]);
  }

  /** Ends every call (controller shutdown) and waits for their records. */
  async stop(): Promise<void> {
    for (const a of this.accounts) a.account.off("incomingCall", a.listener as (...args: never[]) => void);
    this.accounts.length = 0;
    for (const s of this.sessions.values()) s.end({ ending: "Controller shut down" });
    await this.drain();
  }
}

function matches(s: CallSession, sel: GroupSelector): boolean {
  const st = s.station;
  return (
    (sel.facilityId === undefined || st.facilityId === sel.facilityId) &&
    (sel.housingUnitId === undefined || st.housingUnitId === sel.housingUnitId) &&
    (sel.bankId === undefined || st.bankId === sel.bankId) &&
    (sel.stationId === undefined || st.stationId === sel.stationId)
  );
}

/** The user part of a SIP URI or name-addr ("<sip:station-101@10.0.0.1>;tag=x" → "station-101"). */
export function sipUser(uri: string): string | undefined {
  const m = uri.match(/sips?:([^@;>]+)@/i);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}
