import { appendFile, readFile } from "node:fs/promises";
import type { BoardIo } from "../board-io.ts";
import { sim as simDescription } from "../descriptions/sim.ts";
import type { BoardDescription } from "../descriptions/types.ts";
import { openBoard } from "../factory.ts";
import { SystemClock, type Clock } from "../../telephony/clock.ts";
import { SimLines } from "./lines.ts";

/** One recorded input, at a time relative to the start of the recording. */
export type SimInputRecord =
  | { t: number; kind: "line"; id: string; value: boolean }
  | { t: number; kind: "key"; handset: string; key: string }
  | { t: number; kind: "fault"; name: string; active: boolean };

/**
 * Rotary timing the simulator dials with: 10 pps, 60/40 break/make (telephony.md), and a
 * 700 ms pause between digits (typical; at least ~300 ms).
 */
export const SIM_ROTARY = { breakMs: 60, makeMs: 40, interDigitMs: 700 } as const;

/**
 * The simulated phone bank: lines in memory, driven by the control surface, tests or a
 * recorded event file. Everything it does goes through `SimLines`, the same binding the
 * factory gives the firmware, so a replayed file exercises the real debounce and decode code.
 */
export class SimBoard {
  readonly lines = new SimLines();
  readonly description: BoardDescription;
  private readonly clock: Clock;
  private readonly keyListeners = new Map<string, Set<(k: string) => void>>();
  private readonly faults = new Set<string>();
  private temperature = 41.5;
  private recordFile: string | undefined;
  private recordStart = 0;
  private recording: Promise<void> = Promise.resolve();

  constructor(description: BoardDescription = simDescription, clock: Clock = new SystemClock()) {
    this.description = description;
    this.clock = clock;
    this.lines.onInput((id, value) => this.record({ kind: "line", id, value }));
  }

  open(): Promise<BoardIo> {
    return openBoard(this.description, {
      sim: this.lines,
      simKeys: (handset, listener) => {
        let set = this.keyListeners.get(handset);
        if (!set) {
          set = new Set();
          this.keyListeners.set(handset, set);
        }
        set.add(listener);
        return () => set.delete(listener);
      },
      simFaults: () => [...this.faults],
      simTemperatureC: () => (this.faults.has("overheat") ? 92 : this.temperature),
    });
  }

  private handset(id: string) {
    const h = this.description.handsets.find((x) => x.id === id);
    if (!h) throw new Error(`no handset "${id}" on ${this.description.name}`);
    if (h.hook.kind !== "sim") throw new Error(`handset ${id} is not simulated`);
    return { ...h, hookId: h.hook.id };
  }

  lift(handset: string): void {
    this.lines.setInput(this.handset(handset).hookId, true);
  }

  hangUp(handset: string): void {
    this.lines.setInput(this.handset(handset).hookId, false);
  }

  /** Keypad presses (decoded keys, as a kernel matrix-keypad device would deliver them). */
  press(handset: string, digits: string): void {
    this.handset(handset);
    for (const key of digits) {
      this.record({ kind: "key", handset, key });
      for (const l of this.keyListeners.get(handset) ?? []) l(key);
    }
  }

  /** Dials on the hook loop with rotary timing; resolves when the last pulse is done. */
  rotary(handset: string, digits: string): Promise<void> {
    const { hookId } = this.handset(handset);
    const steps: [number, boolean][] = [];
    let t = 0;
    for (const ch of digits) {
      const n = ch === "0" ? 10 : Number(ch);
      if (!Number.isInteger(n) || n < 1 || n > 10) throw new Error(`rotary dials digits only, not "${ch}"`);
      for (let i = 0; i < n; i++) {
        steps.push([t, false]);
        t += SIM_ROTARY.breakMs;
        steps.push([t, true]);
        t += SIM_ROTARY.makeMs;
      }
      t += SIM_ROTARY.interDigitMs - SIM_ROTARY.makeMs;
    }
    return this.sequence(hookId, steps);
  }

  /** A hook flash: the loop open for `ms` (default 300 ms, what most phones send). */
  flash(handset: string, ms = 300): Promise<void> {
    const { hookId } = this.handset(handset);
    return this.sequence(hookId, [
      [0, false],
      [ms, true],
    ]);
  }

  private sequence(id: string, steps: [number, boolean][]): Promise<void> {
    return new Promise((resolve) => {
      let i = 0;
      const start = this.clock.monotonic();
      const next = () => {
        const step = steps[i++];
        if (!step) {
          resolve();
          return;
        }
        this.lines.setInput(id, step[1]);
        const following = steps[i];
        if (!following) {
          resolve();
          return;
        }
        this.clock.setTimeout(next, Math.max(0, start + following[0] - this.clock.monotonic()));
      };
      next();
    });
  }

  kill(unit: string, active: boolean): void {
    const k = this.description.killSwitches.find((x) => x.unit === unit);
    if (k?.input.kind !== "sim") throw new Error(`no simulated kill switch for unit "${unit}"`);
    this.lines.setInput(k.input.id, active);
  }

  /**
   * Injected faults: `overheat` (temperature reads 92 °C), `stuck:<line>` (an input ignores
   * changes, as a broken switch), any other name is reported in health as a hardware fault.
   */
  fault(name: string, active: boolean): void {
    this.record({ kind: "fault", name, active });
    if (active) this.faults.add(name);
    else this.faults.delete(name);
    if (name.startsWith("stuck:")) {
      const line = name.slice("stuck:".length);
      if (active) this.lines.stuck.add(line);
      else this.lines.stuck.delete(line);
    }
  }

  activeFaults(): string[] {
    return [...this.faults];
  }

  setTemperature(c: number): void {
    this.temperature = c;
  }

  state() {
    return { board: this.description.name, ...this.lines.snapshot(), faults: this.activeFaults() };
  }

  /** Appends every input from now on to `file` as JSON lines. */
  startRecording(file: string): void {
    this.recordFile = file;
    this.recordStart = this.clock.monotonic();
  }

  async stopRecording(): Promise<void> {
    this.recordFile = undefined;
    await this.recording;
  }

  private record(r: Omit<SimInputRecord, "t"> & Record<string, unknown>): void {
    const file = this.recordFile;
    if (!file) return;
    const line = `${JSON.stringify({ t: Math.round(this.clock.monotonic() - this.recordStart), ...r })}\n`;
    this.recording = this.recording.then(() => appendFile(file, line)).catch(() => undefined);
  }

  /** Replays a recorded file through the same lines, keeping its timing. */
  async replay(file: string): Promise<number> {
    const records = parseRecording(await readFile(file, "utf8"));
    const start = this.clock.monotonic();
    for (const r of records) {
      const wait = start + r.t - this.clock.monotonic();
      if (wait > 0) await new Promise<void>((resolve) => this.clock.setTimeout(resolve, wait));
      if (r.kind === "line") this.lines.setInput(r.id, r.value);
      else if (r.kind === "key") this.press(r.handset, r.key);
      else this.fault(r.name, r.active);
    }
    return records.length;
  }
}

/** Validates a recording (a file from elsewhere is a boundary). */
export function parseRecording(text: string): SimInputRecord[] {
  const out: SimInputRecord[] = [];
  let last = 0;
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let r: SimInputRecord;
    try {
      r = JSON.parse(line) as SimInputRecord;
    } catch {
      throw new Error(`recording line ${i + 1}: not JSON`);
    }
    const ok =
      typeof r.t === "number" &&
      r.t >= last &&
      ((r.kind === "line" && typeof r.id === "string" && typeof r.value === "boolean") ||
        (r.kind === "key" && typeof r.handset === "string" && typeof r.key === "string") ||
        (r.kind === "fault" && typeof r.name === "string" && typeof r.active === "boolean"));
    if (!ok) throw new Error(`recording line ${i + 1}: bad record`);
    last = r.t;
    out.push(r);
  });
  return out;
}
