/**
 * Firmware timing on the simulated board, with the real daemon, SIP user agent and media
 * engine in this process:
 *  - off-hook edge → first dial-tone frame in the handset's earpiece (IWTS: "not more than two
 *    seconds to provide a dial tone or voice prompt … once the receiver is lifted"; aim < 50 ms);
 *  - kill input edge → every call of the housing unit ended (aim < 100 ms).
 * "Ended" is measured twice: on the board (relay open, BYE sent) and at the controller (its leg
 * of every call of the unit has received the BYE).
 * Edges are the simulated input changes, so the 10 ms switch debounce is inside the figures.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { HandsetIo } from "../board/board-io.ts";
import { SimBoard } from "../board/sim/sim-board.ts";
import { BankServer } from "../controller/banks/server.ts";
import { FirmwareDaemon } from "../firmware/daemon.ts";
import type { Earpiece, HandsetLine } from "../firmware/line.ts";
import { BridgeEarpiece, SipHandsetLine } from "../firmware/sip-line.ts";
import type { Call } from "../telephony/api.ts";
import { SystemClock } from "../telephony/clock.ts";
import { createMediaEngine } from "../telephony/media/engine.ts";
import { createEndpoint } from "../telephony/ua/endpoint.ts";
import { type BenchResult, percentile } from "./harness.ts";

const DIAL_CYCLES = 13; // × 8 handsets = 104 samples
const KILL_CYCLES = 20; // × 4 units = 80 samples

async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = performance.now();
  while (!pred()) {
    if (performance.now() - start > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), "yl-fw-bench-"));
  const clock = new SystemClock();
  // The controller's SIP side: another endpoint answering every ringdown call.
  const ctl = createEndpoint({ clock });
  const ctlPort = (await ctl.transportCreate("udp", { host: "127.0.0.1", port: 0 })).port;
  const ctlAcc = ctl.accountCreate({ idUri: "sip:ringdown@127.0.0.1" });
  // The controller's leg of each handset's current call, by handset id (from the caller URI).
  const ctlCalls = new Map<string, Call>();
  ctlAcc.on("incomingCall", (c) => {
    const h = /bench-(h\d+)@/.exec(c.getInfo().remoteUri)?.[1];
    if (h) ctlCalls.set(h, c);
    // Answer after a moment, as a controller does while its prompt starts: answered at once on
    // loopback, the controller's first (silent) RTP can replace the local dial tone before its
    // first frame, and there is no tone to time.
    clock.setTimeout(() => void c.answer().catch(() => undefined), 250);
  });
  const banks = new BankServer();
  const linkPort = await banks.listen(0);

  const engine = createMediaEngine({ clock });
  const ep = createEndpoint({ clock }, { mediaEngine: engine });
  await ep.transportCreate("udp", { host: "127.0.0.1", port: 0 });

  const sim = new SimBoard(undefined, clock);
  const io = await sim.open();
  const lifted = new Map<string, number>();
  const firstTone = new Map<string, number>();
  const calls = new Map<string, Call>();
  const lines = new Map<string, HandsetLine>();
  const earpieces = new Map<string, Earpiece>();
  for (const h of io.handsets) {
    // A probe port: the handset's earpiece, timestamping the first audible frame after a lift.
    const probe = engine.bridge.addPort(
      {
        write: (frame, hasAudio) => {
          if (!hasAudio || !lifted.has(h.id) || firstTone.has(h.id)) return;
          if (frame.some((s) => s !== 0)) firstTone.set(h.id, performance.now());
        },
      },
      `earpiece-${h.id}`,
    );
    lines.set(
      h.id,
      new SipHandsetLine({
        account: ep.accountCreate({ idUri: `sip:bench-${h.id}@127.0.0.1` }),
        ringdownUri: `sip:ringdown@127.0.0.1:${ctlPort}`,
        earpiece: probe,
        clock,
        onCall: (c) => calls.set(h.id, c),
      }),
    );
    earpieces.set(h.id, new BridgeEarpiece({ tones: ep.createToneGenerator(), sink: probe }));
  }
  const daemon = await FirmwareDaemon.start({
    board: io,
    boardId: "bench",
    clock,
    journalFile: join(dir, "journal.json"),
    controllerUrl: `ws://127.0.0.1:${linkPort}`,
    line: (h: HandsetIo) => lines.get(h.id)!,
    earpiece: (h: HandsetIo) => earpieces.get(h.id)!,
    healthIntervalMs: 60_000,
  });
  const ids = io.handsets.map((h) => h.id);
  const state = (id: string) => daemon.handsets.get(id)!.state;
  try {
    await until(() => daemon.serviceAvailable, "controller link");

    // 1. Off-hook → first dial-tone frame.
    const dial: number[] = [];
    for (let c = 0; c < DIAL_CYCLES; c++) {
      for (const id of ids) {
        lifted.set(id, performance.now());
        sim.lift(id);
        await until(() => firstTone.has(id), `dial tone on ${id}`);
        dial.push((firstTone.get(id) as number) - (lifted.get(id) as number));
      }
      for (const id of ids) sim.hangUp(id);
      await until(() => ids.every((id) => state(id) === "on-hook"), "all on-hook");
      lifted.clear();
      firstTone.clear();
    }
    dial.sort((a, b) => a - b);

    // 2. Kill input → every call in the unit ended (BYE sent, line relay open) and answered.
    const units = [...new Set(io.handsets.map((h) => h.unit))];
    const localEnd: number[] = [];
    const byeAnswered: number[] = [];
    for (let c = 0; c < KILL_CYCLES; c++) {
      calls.clear();
      for (const id of ids) sim.lift(id);
      await until(
        () =>
          ids.every(
            (id) => calls.get(id)?.getInfo().state === "CONFIRMED" && ctlCalls.get(id)?.getInfo().state === "CONFIRMED",
          ),
        "calls confirmed",
      );
      for (const unit of units) {
        const inUnit = io.handsets.filter((h) => h.unit === unit).map((h) => h.id);
        // Timestamps taken where things happen, not when the wait loop notices them.
        const ended = new Map<string, number>();
        const disconnected = new Map<string, number>();
        const offs = inUnit.map((h) =>
          daemon.handsets.get(h)!.machine.onChange((ch) => {
            if (ch.to === "killed") ended.set(h, performance.now());
          }),
        );
        for (const h of inUnit) {
          // DISCONNECTED on the controller's leg: the BYE has reached the controller.
          ctlCalls.get(h)!.on("state", (s) => {
            if (s === "DISCONNECTED") disconnected.set(h, performance.now());
          });
        }
        const t0 = performance.now();
        sim.kill(unit, true);
        await until(() => inUnit.every((h) => disconnected.has(h) && ended.has(h)), `unit ${unit} calls ended`);
        for (const off of offs) off();
        for (const h of inUnit)
          if (sim.lines.getOutput(`${h}.relay`)) throw new Error(`bench: ${h} relay still closed`);
        localEnd.push(Math.max(...inUnit.map((h) => ended.get(h) as number)) - t0);
        byeAnswered.push(Math.max(...inUnit.map((h) => disconnected.get(h) as number)) - t0);
      }
      for (const id of ids) sim.hangUp(id);
      for (const unit of units) sim.kill(unit, false);
      await until(() => ids.every((id) => state(id) === "on-hook"), "all on-hook after release");
    }
    localEnd.sort((a, b) => a - b);
    byeAnswered.sort((a, b) => a - b);

    const r = (v: number) => Math.round(v * 10) / 10;
    // The machine is shared: say how loaded it was, since the tails are scheduling delays.
    const load = `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join("/")} on ${availableParallelism()} cores`;
    return [
      {
        area: "firmware",
        name: "off-hook edge → first dial-tone frame (sim, p50)",
        value: r(percentile(dial, 50)),
        unit: "ms",
        notes: `${dial.length} lifts; includes 10 ms debounce and the 20 ms bridge tick`,
      },
      {
        area: "firmware",
        name: "off-hook edge → first dial-tone frame (sim, p99)",
        value: r(percentile(dial, 99)),
        unit: "ms",
        anchor: { label: "aim (IWTS requirement is 2000 ms)", value: 50, higherIsBetter: false },
        notes: `${dial.length} lifts, max ${r(dial.at(-1) ?? 0)} ms; ${load}`,
      },
      {
        area: "firmware",
        name: "kill input → unit's calls ended: BYE sent, relays open (p99)",
        value: r(percentile(localEnd, 99)),
        unit: "ms",
        anchor: { label: "aim", value: 100, higherIsBetter: false },
        notes: `${localEnd.length} kills of a 2-handset unit with both calls up; p50 ${r(percentile(localEnd, 50))} ms; ${load}`,
      },
      {
        area: "firmware",
        name: "kill input → BYE received by the controller for every call of the unit (p99)",
        value: r(percentile(byeAnswered, 99)),
        unit: "ms",
        notes: `${byeAnswered.length} kills; controller is a Yardline endpoint in the same process; p50 ${r(percentile(byeAnswered, 50))} ms`,
      },
    ];
  } finally {
    await daemon.stop();
    await io.close();
    await ep.libDestroy();
    await ctl.libDestroy();
    await banks.close();
    await rm(dir, { recursive: true, force: true });
  }
}
