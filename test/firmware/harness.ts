import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BoardIo } from "../../board/board-io.ts";
import { SimBoard } from "../../board/sim/sim-board.ts";
import { type DaemonOptions, FirmwareDaemon } from "../../firmware/daemon.ts";
import { SystemClock } from "../../telephony/clock.ts";
import { FakeEarpiece, FakeLine } from "./fakes.ts";

export async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "yl-fw-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `pred` until true; the timeout is generous and only bounds a failing run. */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface SimFirmware {
  sim: SimBoard;
  io: BoardIo;
  daemon: FirmwareDaemon;
  lines: Map<string, FakeLine>;
  earpieces: Map<string, FakeEarpiece>;
  stop(): Promise<void>;
}

/** The real daemon on the simulated board, with fake SIP lines (the SIP side is tested apart). */
export async function startSimFirmware(opts: {
  journalFile: string;
  controllerUrl?: string;
  sim?: SimBoard;
  extra?: Partial<DaemonOptions>;
}): Promise<SimFirmware> {
  const sim = opts.sim ?? new SimBoard();
  const io = await sim.open();
  const lines = new Map<string, FakeLine>();
  const earpieces = new Map<string, FakeEarpiece>();
  const daemon = await FirmwareDaemon.start({
    board: io,
    boardId: "bank-test",
    clock: new SystemClock(),
    journalFile: opts.journalFile,
    ...(opts.controllerUrl ? { controllerUrl: opts.controllerUrl } : {}),
    line: (h) => {
      const l = new FakeLine();
      lines.set(h.id, l);
      return l;
    },
    earpiece: (h) => {
      const e = new FakeEarpiece();
      earpieces.set(h.id, e);
      return e;
    },
    availabilityGraceMs: 0,
    linkReconnectMaxMs: 200,
    healthIntervalMs: 60_000,
    ...opts.extra,
  });
  return {
    sim,
    io,
    daemon,
    lines,
    earpieces,
    stop: async () => {
      await daemon.stop();
      await io.close();
    },
  };
}
