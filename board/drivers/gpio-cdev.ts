import { type Clock, SystemClock, type TimerHandle } from "../../telephony/clock.ts";
import { DeviceUnavailableError, type DigitalInput, type DigitalOutput, explainOsError } from "./interfaces.ts";

/**
 * GPIO character device (`/dev/gpiochipN`) through the optional `node-libgpiod` package, the
 * kernel's current GPIO interface (sysfs GPIO is obsolete; see sysfs-gpio.ts).
 *
 * node-libgpiod 0.5.x binds libgpiod 1.x. It can *request* a line for edge events, but binds
 * neither `gpiod_line_event_wait()` nor `gpiod_line_event_read()`, so a Node program cannot
 * receive them; and per-line debounce (`debounce_period_us`) exists only in the v2 uAPI that
 * libgpiod 2.x uses. So inputs are requested as plain inputs and polled: one timer per chip reads
 * every watched line each `pollMs` (default 5 ms) and reports changes. The 10 ms switch debounce
 * and every timing decision stay in our rxjs pipelines (signals/levels.ts), as for sysfs lines;
 * 5 ms sampling resolves the shortest dial pulse we accept (15 ms) and the 10 ms debounce.
 *
 * Active-low and bias are handed to the kernel in the line request, so `getValue()` is already
 * the logical level.
 *
 * A level-triggered input (`level: true`, for an interrupt line such as the MCP23017's INTA) is
 * reported on every poll while it is active, not only when it changes: INTA stays asserted until
 * the chip is read, so a pin change between the service routine's read and the next poll leaves
 * the line asserted at two samples in a row, and a change-only watcher would never service the
 * chip again.
 */

/** The part of node-libgpiod 0.5.x we use. Its own .d.ts types flags as objects; they are numbers. */
export interface LibgpiodChip {
  readonly name: string;
  readonly numberOfLines: number;
}
export interface LibgpiodLine {
  getValue(): number;
  setValue(value: number): void;
  requestInputModeFlags(consumer: string, flags: number): void;
  requestOutputModeFlags(consumer: string, flags: number, defaultValue: number): void;
  release(): void;
}
export interface LibgpiodBinding {
  Chip: new (identifier: string) => LibgpiodChip;
  Line: new (chip: LibgpiodChip, offset: number) => LibgpiodLine;
}

/** `GPIOD_LINE_REQUEST_FLAG_*` of libgpiod 1.6 (gpiod.h), the values node-libgpiod passes through. */
export const REQUEST_FLAG = {
  ACTIVE_LOW: 1 << 2,
  BIAS_DISABLE: 1 << 3,
  BIAS_PULL_DOWN: 1 << 4,
  BIAS_PULL_UP: 1 << 5,
} as const;

export type LineBias = "as-is" | "disable" | "pull-up" | "pull-down";

export const DEFAULT_POLL_MS = 5;
/** The consumer label `gpioinfo` shows for our lines. */
export const CONSUMER = "yardline";

let binding: Promise<LibgpiodBinding> | undefined;

/** Imports node-libgpiod once, on first use; a clear DeviceUnavailableError when it is absent. */
export function loadLibgpiod(): Promise<LibgpiodBinding> {
  binding ??= importLibgpiod(() => import("node-libgpiod" as string)).catch((err: unknown) => {
    binding = undefined;
    throw err;
  });
  return binding;
}

/** The import itself, with the importer injectable so the missing-package path can be tested. */
export async function importLibgpiod(importer: () => Promise<unknown>): Promise<LibgpiodBinding> {
  let m: unknown;
  try {
    m = await importer();
  } catch (err) {
    throw new DeviceUnavailableError(
      "node-libgpiod",
      "the optional package node-libgpiod is not installed or its native part did not build " +
        "(it needs libgpiod 1.x: libgpiod-dev on Debian, BR2_PACKAGE_LIBGPIOD in Buildroot; then npm install node-libgpiod)",
      err,
    );
  }
  const mod = m as Partial<LibgpiodBinding> & { default?: LibgpiodBinding };
  const b = mod.default ?? mod;
  if (typeof b.Chip !== "function" || typeof b.Line !== "function") {
    throw new DeviceUnavailableError(
      "node-libgpiod",
      "the package has no Chip/Line classes (expected node-libgpiod 0.5.x)",
    );
  }
  return b as LibgpiodBinding;
}

function flagsOf(activeLow: boolean, bias: LineBias): number {
  let f = activeLow ? REQUEST_FLAG.ACTIVE_LOW : 0;
  if (bias === "disable") f |= REQUEST_FLAG.BIAS_DISABLE;
  else if (bias === "pull-up") f |= REQUEST_FLAG.BIAS_PULL_UP;
  else if (bias === "pull-down") f |= REQUEST_FLAG.BIAS_PULL_DOWN;
  return f;
}

interface PolledInput {
  line: LibgpiodLine;
  offset: number;
  last: boolean | undefined;
  listeners: Set<(active: boolean) => void>;
  failing: boolean;
  /** Reported on every poll while active (an interrupt line), not only on changes. */
  level: boolean;
}

export interface GpioCdevOptions {
  clock?: Clock;
  pollMs?: number;
  /** The binding; default node-libgpiod, imported lazily. Tests pass a fake of the same shape. */
  binding?: LibgpiodBinding;
}

/** One opened gpiochip: the lines the board description names on it, and their poll timer. */
export class GpioCdevChip {
  readonly chip: string;
  private readonly native: LibgpiodChip;
  private readonly lib: LibgpiodBinding;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly lines = new Map<number, LibgpiodLine>();
  private readonly inputs = new Map<number, PolledInput>();
  private readonly errorListeners: ((err: Error) => void)[] = [];
  private timer: TimerHandle | undefined;
  private closed = false;

  private constructor(chip: string, native: LibgpiodChip, lib: LibgpiodBinding, opts: GpioCdevOptions) {
    this.chip = chip;
    this.native = native;
    this.lib = lib;
    this.clock = opts.clock ?? new SystemClock();
    this.pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  }

  /**
   * Opens a chip by path (`/dev/gpiochip0`), name (`gpiochip0`), number or label
   * (`gpiod_chip_open_lookup`).
   */
  static async open(chip: string, opts: GpioCdevOptions = {}): Promise<GpioCdevChip> {
    const lib = opts.binding ?? (await loadLibgpiod());
    let native: LibgpiodChip;
    try {
      native = new lib.Chip(chip);
    } catch (err) {
      throw new DeviceUnavailableError(
        deviceName(chip),
        `GPIO character device not opened: ${explainOsError(err)}`,
        err,
      );
    }
    return new GpioCdevChip(chip, native, lib, opts);
  }

  onError(listener: (err: Error) => void): void {
    this.errorListeners.push(listener);
  }

  private where(offset: number): string {
    return `${deviceName(this.chip)} line ${offset}`;
  }

  private request(offset: number, how: (line: LibgpiodLine) => void): LibgpiodLine {
    if (this.closed) throw new Error(`${this.where(offset)}: chip closed`);
    if (this.lines.has(offset)) throw new Error(`${this.where(offset)}: requested twice by the board description`);
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.native.numberOfLines) {
      throw new DeviceUnavailableError(
        this.where(offset),
        `no such line (the chip has ${this.native.numberOfLines}: check the board description)`,
      );
    }
    let line: LibgpiodLine;
    try {
      line = new this.lib.Line(this.native, offset);
      how(line);
    } catch (err) {
      throw new DeviceUnavailableError(this.where(offset), explainOsError(err), err);
    }
    this.lines.set(offset, line);
    return line;
  }

  /**
   * A polled input. With `level`, `watch` listeners hear `true` on every poll while the line is
   * active and `false` once when it goes inactive (a level-triggered interrupt line).
   */
  input(offset: number, opts: { activeLow?: boolean; bias?: LineBias; level?: boolean } = {}): DigitalInput {
    const flags = flagsOf(opts.activeLow ?? false, opts.bias ?? "as-is");
    const line = this.request(offset, (l) => l.requestInputModeFlags(CONSUMER, flags));
    const p: PolledInput = {
      line,
      offset,
      last: undefined,
      listeners: new Set(),
      failing: false,
      level: opts.level ?? false,
    };
    this.inputs.set(offset, p);
    return {
      name: `${this.chip}:${offset}`,
      read: async () => {
        try {
          return line.getValue() === 1;
        } catch (err) {
          throw this.readError(p, err);
        }
      },
      watch: (listener) => {
        if (p.listeners.size === 0) p.last = this.sample(p);
        p.listeners.add(listener);
        this.schedule();
        return () => {
          p.listeners.delete(listener);
          this.schedule();
        };
      },
      close: async () => {
        p.listeners.clear();
        this.inputs.delete(offset);
        this.release(offset);
        this.schedule();
      },
    };
  }

  output(offset: number, opts: { activeLow?: boolean; initial?: boolean } = {}): DigitalOutput {
    const flags = flagsOf(opts.activeLow ?? false, "as-is");
    const line = this.request(offset, (l) => l.requestOutputModeFlags(CONSUMER, flags, opts.initial ? 1 : 0));
    return {
      name: `${this.chip}:${offset}`,
      write: async (active) => {
        try {
          line.setValue(active ? 1 : 0);
        } catch (err) {
          throw new DeviceUnavailableError(this.where(offset), `write: ${explainOsError(err)}`, err);
        }
      },
      close: async () => this.release(offset),
    };
  }

  /** Reads a line; undefined when the read failed (reported once per failing streak). */
  private sample(p: PolledInput): boolean | undefined {
    try {
      const v = p.line.getValue() === 1;
      p.failing = false;
      return v;
    } catch (err) {
      if (!p.failing) {
        p.failing = true;
        const e = this.readError(p, err);
        for (const l of this.errorListeners) l(e);
      }
      return undefined;
    }
  }

  private readError(p: PolledInput, err: unknown): DeviceUnavailableError {
    return new DeviceUnavailableError(this.where(p.offset), `read: ${explainOsError(err)}`, err);
  }

  /** Runs the poll timer only while some input is watched. */
  private schedule(): void {
    const watched = [...this.inputs.values()].some((p) => p.listeners.size > 0);
    if (watched && !this.timer && !this.closed) this.timer = this.clock.setInterval(() => this.poll(), this.pollMs);
    else if (!watched && this.timer) {
      this.clock.clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private poll(): void {
    for (const p of this.inputs.values()) {
      if (p.listeners.size === 0) continue;
      const v = this.sample(p);
      if (v === undefined || (v === p.last && !(p.level && v))) continue;
      p.last = v;
      for (const l of [...p.listeners]) l(v);
    }
  }

  private release(offset: number): void {
    const line = this.lines.get(offset);
    if (!line) return;
    this.lines.delete(offset);
    try {
      line.release();
    } catch {
      // releasing a line of a chip that went away: nothing left to free
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) this.clock.clearInterval(this.timer);
    this.timer = undefined;
    for (const p of this.inputs.values()) p.listeners.clear();
    this.inputs.clear();
    for (const offset of [...this.lines.keys()]) this.release(offset);
  }
}

function deviceName(chip: string): string {
  return /^gpiochip\d+$/.test(chip) ? `/dev/${chip}` : chip;
}
