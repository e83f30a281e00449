/**
 * The monitoring stations' lifecycle and the bridge wiring of each mode, in virtual time with
 * small fakes: bridge ports that remember their connections, a station leg whose state the
 * test drives, and a call that runs its clean-ups when it ends.
 */
import { EventEmitter } from "node:events";
import test from "ava";
import { CallEventBus, type LiveCall, type MonitorEnded } from "../../../controller/calls/events.ts";
import { CallMonitors, type MonitorMode, type MonitorView } from "../../../controller/calls/monitor.ts";
import type { MonitorStation } from "../../../controller/calls/monitor-station-directory.ts";
import { type MonitorableCall, MonitorStations } from "../../../controller/calls/monitor-stations.ts";
import type { AudioMedia, Call, CallInfo, CallState, NamedTone, ToneGenerator } from "../../../telephony/api.ts";
import { VirtualClock } from "../../../telephony/clock.ts";

/** Every "source>sink" connection on the fake bridge (shared: the tests run one at a time). */
const links = new Set<string>();

function port(name: string): AudioMedia & { name: string } {
  return {
    name,
    portId: 0,
    startTransmit: (sink: AudioMedia) => void links.add(`${name}>${(sink as AudioMedia & { name: string }).name}`),
    stopTransmit: (sink: AudioMedia) => void links.delete(`${name}>${(sink as AudioMedia & { name: string }).name}`),
    adjustRxLevel: () => {},
    adjustTxLevel: () => {},
  };
}

function fakeTone(plays: string[]): ToneGenerator {
  const p = port("beep");
  return Object.assign(p, {
    play: (tone: NamedTone | unknown) => void plays.push(String(tone)),
    stop: () => {},
    destroy: () => {},
  }) as unknown as ToneGenerator;
}

class FakeLeg extends EventEmitter {
  state: CallState = "CALLING";
  media: AudioMedia | undefined;
  hungUp = 0;
  readonly id = 1;
  getInfo(): CallInfo {
    return { state: this.state, lastStatusCode: 0, lastReason: "" } as CallInfo;
  }
  getAudioMedia() {
    return this.media;
  }
  async hangup() {
    this.hungUp++;
    this.move("DISCONNECTED");
  }
  move(state: CallState) {
    this.state = state;
    this.emit("state", state, this.getInfo());
  }
  answer(name: string) {
    this.move("CONFIRMED");
    this.media = port(name);
    this.emit("media", this.media);
  }
}

/** The stations an administrator set up: two desks of facility f1, and refusals. */
const STATIONS: MonitorStation[] = [
  ["desk-1", "Desk 1", "monitor-desk-1", ["f1"], true],
  ["desk-2", "Desk 2", "monitor-desk-2", ["f1"], true],
  ["desk-off", "Old desk", "monitor-old", ["f1"], false],
  ["desk-north", "North desk", "monitor-north", ["f2"], true],
  ["desk-9", "Desk 9", "monitor-desk-9", ["f1"], true],
].map(([id, name, account, facilityIds, enabled]) => ({
  id: id as string,
  name: name as string,
  account: account as string,
  facilityIds: facilityIds as string[],
  enabled: enabled as boolean,
  credentialSetAt: 0,
  createdAt: 0,
  createdBy: "admin",
  updatedAt: 0,
  updatedBy: "admin",
}));
/** Registered now: all but monitor-desk-9. */
const REGISTERED = new Set(["monitor-desk-1", "monitor-desk-2", "monitor-old", "monitor-north"]);

function setup(monitorable = true) {
  links.clear();
  const clock = new VirtualClock();
  const bus = new CallEventBus();
  const plays: string[] = [];
  const tones = { made: 0 };
  const session = { gone: false };
  const cleanups: Array<() => void | Promise<void>> = [];
  const published: MonitorView[][] = [];
  const live = { callId: "c1", facilityId: "f1", monitorable, monitors: [] } as unknown as LiveCall;
  const wiring = new CallMonitors(
    {
      inmate: () => port("inmate"),
      called: () => port("called"),
      tone: () => {
        tones.made++;
        return fakeTone(plays);
      },
      every: (ms, fn) => {
        const h = clock.setInterval(fn, ms);
        return () => clock.clearInterval(h);
      },
    },
    10_000,
  );
  const call: MonitorableCall & { endCall(): Promise<void>; isEnded: boolean } = {
    live,
    state: "connected",
    isEnded: false,
    get ended() {
      return this.isEnded;
    },
    attachMonitor: (p: AudioMedia, mode: MonitorMode) => wiring.attach(p, mode),
    publishMonitors: (m) => {
      live.monitors = m;
      published.push(m);
    },
    onCleanup: (fn) => void cleanups.push(fn),
    async endCall() {
      this.isEnded = true;
      for (const c of cleanups) await c();
    },
  };
  const legs: FakeLeg[] = [];
  let n = 0;
  const stations = new MonitorStations({
    clock,
    account: {
      makeCall: () => {
        const leg = new FakeLeg();
        legs.push(leg);
        return leg as unknown as Call;
      },
    },
    session: (id) => (id === "c1" && !session.gone ? call : undefined),
    stations: { get: (id) => STATIONS.find((s) => s.id === id) },
    registered: (account) => (REGISTERED.has(account) ? `sip:${account}@127.0.0.1:5099` : undefined),
    bus,
    newId: () => `m${++n}`,
  });
  const ended: MonitorEnded[] = [];
  bus.on("monitor.ended", (e) => void ended.push(e));
  return { clock, call, stations, legs, plays, ended, published, live, tones, session };
}

const by = { userId: "u1", username: "officer" };
const toStation = (s: string) => [...links].filter((l) => l.endsWith(`>${s}`)).sort();
const fromStation = (s: string) => [...links].filter((l) => l.startsWith(`${s}>`)).sort();

test.serial("a station that rings past the limit (30 s) is given up and hung up; the call keeps no monitor", (t) => {
  const { clock, stations, legs, ended, live } = setup();
  const m = stations.start({ callId: "c1", mode: "silent", stationId: "desk-1", by });
  t.is(m.state, "calling");
  t.deepEqual(
    live.monitors.map((x) => x.state),
    ["calling"],
  );
  clock.advance(29_999);
  t.is(ended.length, 0);
  clock.advance(1);
  t.is(ended[0]?.cause, "station-unanswered");
  t.is(legs[0]!.hungUp, 1);
  t.deepEqual(live.monitors, []);
  t.deepEqual([...links], []);
});

test.serial(
  "a mode chosen while the station rings applies when it answers; barge is both ways, silent only towards the station",
  (t) => {
    const { stations, legs, live } = setup();
    const m = stations.start({ callId: "c1", mode: "silent", stationId: "desk-2", by });
    stations.setMode("c1", m.monitorId, "barge");
    t.deepEqual([...links], [], "nothing is wired before the station answers");
    legs[0]!.answer("st1");
    t.is(live.monitors[0]?.state, "active");
    t.is(live.monitors[0]?.mode, "barge");
    t.deepEqual(toStation("st1"), ["called>st1", "inmate>st1"]);
    t.deepEqual(fromStation("st1"), ["st1>called", "st1>inmate"]);
    stations.setMode("c1", m.monitorId, "silent");
    t.deepEqual(toStation("st1"), ["called>st1", "inmate>st1"]);
    t.deepEqual(fromStation("st1"), [], "a silent station is heard by nobody");
  },
);

test.serial(
  "one beep serves every beeping monitor: at once, then every interval, until the last leaves beep mode",
  (t) => {
    const { clock, stations, legs, plays } = setup();
    const a = stations.start({ callId: "c1", mode: "beep", stationId: "desk-1", by });
    const b = stations.start({ callId: "c1", mode: "beep", stationId: "desk-2", by });
    legs[0]!.answer("st1");
    t.deepEqual(plays, ["beep"], "the first beep at once");
    t.deepEqual(fromStation("beep"), ["beep>called", "beep>inmate"]);
    legs[1]!.answer("st2");
    t.is(plays.length, 1, "a second beeping monitor does not add a beep");
    clock.advance(10_000);
    t.is(plays.length, 2);
    stations.setMode("c1", a.monitorId, "silent");
    clock.advance(10_000);
    t.is(plays.length, 3, "still one monitor beeping");
    stations.stop("c1", b.monitorId);
    t.deepEqual(fromStation("beep"), []);
    clock.advance(30_000);
    t.is(plays.length, 3, "no beep once no monitor is in beep mode");
  },
);

test.serial(
  "hanging up the station detaches it; the call's end ends the others and hangs their stations up",
  async (t) => {
    const { call, stations, legs, ended, live } = setup();
    stations.start({ callId: "c1", mode: "barge", stationId: "desk-1", by });
    stations.start({ callId: "c1", mode: "silent", stationId: "desk-2", by });
    legs[0]!.answer("st1");
    legs[1]!.answer("st2");
    legs[0]!.move("DISCONNECTED");
    t.deepEqual(
      ended.map((e) => e.cause),
      ["station-hung-up"],
    );
    t.deepEqual(toStation("st1"), []);
    t.deepEqual(fromStation("st1"), []);
    t.deepEqual(
      live.monitors.map((m) => m.station),
      ["Desk 2"],
    );
    await call.endCall();
    t.deepEqual(
      ended.map((e) => e.cause),
      ["station-hung-up", "call-ended"],
    );
    t.is(legs[1]!.hungUp, 1);
    t.deepEqual([...links], []);
    t.deepEqual(live.monitors, []);
    t.deepEqual(stations.list("c1"), []);
  },
);

test.serial(
  "refusals: privileged call, unknown call, unregistered, disabled, other facility's and unknown stations, unknown monitor",
  (t) => {
    const { stations, legs } = setup(false);
    t.is(
      t.throws(() => stations.start({ callId: "c1", mode: "silent", stationId: "desk-1", by }))?.message,
      "privileged calls are never monitored",
    );
    const open = setup();
    t.throws(() => open.stations.start({ callId: "nope", mode: "silent", stationId: "desk-1", by }), {
      message: /no such call/,
    });
    const refusal = (stationId: string) => {
      const err = t.throws(() => open.stations.start({ callId: "c1", mode: "silent", stationId, by }));
      return (err as Error & { kind: string }).kind;
    };
    t.is(refusal("desk-9"), "station-unregistered");
    t.is(refusal("desk-off"), "station-not-allowed", "a disabled station");
    t.is(refusal("desk-north"), "station-not-allowed", "another facility's station");
    t.is(refusal("no-such-desk"), "unknown-station");
    t.throws(() => open.stations.setMode("c1", "m9", "beep"), { message: /no such monitor/ });
    t.is(legs.length + open.legs.length, 0, "no station was called");
  },
);

test.serial("a call whose monitors all ended before it is forgotten when it ends", async (t) => {
  const { call, stations, legs } = setup();
  stations.start({ callId: "c1", mode: "silent", stationId: "desk-1", by });
  legs[0]!.answer("st1");
  legs[0]!.move("DISCONNECTED");
  t.deepEqual(stations.list("c1"), []);
  await call.endCall();
  t.is(stations.trackedCalls, 0);
});

test.serial("beep switched on and off again reuses the call's one tone generator", (t) => {
  const { stations, legs, plays, tones } = setup();
  const m = stations.start({ callId: "c1", mode: "beep", stationId: "desk-1", by });
  legs[0]!.answer("st1");
  for (let i = 0; i < 3; i++) {
    stations.setMode("c1", m.monitorId, "silent");
    t.deepEqual(fromStation("beep"), []);
    stations.setMode("c1", m.monitorId, "beep");
    t.deepEqual(fromStation("beep"), ["beep>called", "beep>inmate"]);
  }
  t.is(tones.made, 1);
  t.is(plays.length, 4, "a beep at once each time beep mode begins");
});

test.serial("a monitor's end names the call's facility even when the call's session is gone", (t) => {
  const { stations, ended, session } = setup();
  stations.start({ callId: "c1", mode: "silent", stationId: "desk-1", by });
  session.gone = true;
  stations.stopAll();
  t.is(ended[0]?.facilityId, "f1");
});

test.serial("a station disabled or reset ends its monitors; a stop names who stopped it", (t) => {
  const { stations, legs, ended } = setup();
  const a = stations.start({ callId: "c1", mode: "silent", stationId: "desk-1", by });
  stations.start({ callId: "c1", mode: "silent", stationId: "desk-2", by });
  legs[0]!.answer("st1");
  t.is(stations.endStation("desk-2", "The monitoring station was disabled"), 1);
  t.like(ended[0], { cause: "failed", reason: "The monitoring station was disabled" });
  t.is(legs[1]!.hungUp, 1);
  stations.stop("c1", a.monitorId, "officer");
  t.like(ended[1], { cause: "stopped", by: "officer", reason: "Stopped by officer" });
});
