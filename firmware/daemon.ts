import type { Subscription } from "rxjs";
import type { BoardIo, HandsetIo } from "../board/board-io.ts";
import { ScanLock, type SignalTiming, handsetSignals } from "../board/handset-signals.ts";
import { debounceLevel, fromInput } from "../board/signals/levels.ts";
import type { Clock, TimerHandle } from "../telephony/clock.ts";
import { Handset, type HandsetReport } from "./handset.ts";
import { KillTable } from "./kill.ts";
import type { Earpiece, HandsetLine } from "./line.ts";
import { LinkClient } from "./link/client.ts";
import { Journal } from "./link/journal.ts";
import type { BoardEvent, Command, Health } from "./link/protocol.ts";
import { ScheduleEnforcer } from "./schedule.ts";

export const FIRMWARE_VERSION = "0.1.0";

export interface DaemonOptions {
  board: BoardIo;
  boardId: string;
  clock: Clock;
  journalFile: string;
  /** ws://controller/banks; without one the bank stays out of service (fails closed). */
  controllerUrl?: string;
  /** The board's link token (see BankServer's `authenticate`). */
  linkToken?: string;
  /** The SIP line of a handset (sip-line.ts in production, a fake in tests). */
  line: (handset: HandsetIo) => HandsetLine;
  earpiece: (handset: HandsetIo) => Earpiece;
  signalTiming?: Partial<SignalTiming>;
  /** Debounce of kill inputs not already debounced by the kernel. */
  killDebounceMs?: number;
  healthIntervalMs?: number;
  /**
   * How long the link may be down before new calls are refused. Short blips should not
   * take a bank out of service; a dead controller must not leave inmates talking to nothing.
   */
  availabilityGraceMs?: number;
  linkReconnectMaxMs?: number;
  onReboot?: () => void;
  log?: (msg: string, data?: unknown) => void;
}

/**
 * The phone-bank daemon: board signals → handset state machines → SIP lines; kill switches,
 * controller commands and schedules → kill table → handsets; everything reported through the
 * journaled controller link.
 */
export class FirmwareDaemon {
  readonly handsets = new Map<string, Handset>();
  readonly kills: KillTable;
  readonly schedules: ScheduleEnforcer;
  readonly journal: Journal;
  readonly link: LinkClient | undefined;
  private readonly opts: DaemonOptions;
  private readonly subs: Subscription[] = [];
  private readonly timers: TimerHandle[] = [];
  private healthTimer: TimerHandle | undefined;
  private graceTimer: TimerHandle | undefined;
  private available = false;
  private unavailableSince: number;
  private refusedLifts = 0;
  private readonly startedAt: number;
  private stopped = false;

  private constructor(opts: DaemonOptions, journal: Journal) {
    this.opts = opts;
    this.journal = journal;
    this.startedAt = opts.clock.monotonic();
    this.unavailableSince = opts.clock.monotonic();
    const board = opts.board;
    this.kills = new KillTable(
      new Set([...board.handsets.map((h) => h.unit), ...board.killSwitches.map((k) => k.unit)]),
    );
    this.schedules = new ScheduleEnforcer(opts.clock, (unit, open) => {
      if (this.kills.units().includes(unit)) this.kills.set(unit, "schedule", !open);
    });
    if (opts.controllerUrl) {
      this.link = new LinkClient({
        url: opts.controllerUrl,
        clock: opts.clock,
        journal,
        reconnectMaxMs: opts.linkReconnectMaxMs ?? 5000,
        ...(opts.linkToken ? { token: opts.linkToken } : {}),
        hello: () => ({
          boardId: opts.boardId,
          board: board.description.name,
          firmwareVersion: FIRMWARE_VERSION,
          handsets: board.handsets.map((h) => ({ id: h.id, unit: h.unit })),
          units: this.kills.units(),
          kills: this.kills.killed(),
        }),
        onCommand: (c) => this.command(c),
        ...(opts.log ? { log: opts.log } : {}),
      });
    }
  }

  static async start(opts: DaemonOptions): Promise<FirmwareDaemon> {
    const journal = await Journal.open(opts.journalFile);
    const d = new FirmwareDaemon(opts, journal);
    try {
      await d.init();
    } catch (err) {
      // The watchdog is kicked from the start of init: a daemon that failed to start must not
      // keep it quiet.
      await d.stop().catch(() => undefined);
      throw err;
    }
    return d;
  }

  private report(event: BoardEvent): void {
    if (this.link) this.link.report(event);
    else this.journal.append(event, this.opts.clock.now()).written.catch(() => undefined);
  }

  private async init(): Promise<void> {
    const { board, clock } = this.opts;
    // Opening the board armed the watchdog: kick it before anything else, and keep kicking
    // while the rest starts (handsets' sound devices open beside this, see runtime.ts).
    if (board.watchdog && board.description.watchdog) {
      const wd = board.watchdog;
      this.timers.push(
        clock.setInterval(() => void wd.kick().catch(() => undefined), board.description.watchdog.kickMs),
      );
      await wd.kick();
    }
    this.report({ type: "started", firmwareVersion: FIRMWARE_VERSION, board: board.description.name });
    const config = this.journal.config();
    const timing: Partial<SignalTiming> = {
      ...this.opts.signalTiming,
      hook: {
        ...this.opts.signalTiming?.hook,
        ...(config.flashMinMs ? { flashMinMs: config.flashMinMs } : {}),
        ...(config.flashMaxMs ? { flashMaxMs: config.flashMaxMs } : {}),
        ...(config.hangupMs ? { hangupMs: config.hangupMs } : {}),
      },
    };
    const scanLock = new ScanLock();
    for (const io of board.handsets) {
      const h = new Handset({
        id: io.id,
        unit: io.unit,
        line: this.lineFor(io),
        earpiece: this.opts.earpiece(io),
        lineRelay: io.lineRelay,
        statusLed: io.statusLed,
        report: (r) => this.handsetReport(io.id, r),
        ...(this.opts.log ? { log: this.opts.log } : {}),
      });
      this.handsets.set(io.id, h);
    }
    // Kill state before any input is read: a unit killed by command stays dead across a
    // restart without the controller; schedules likewise.
    this.kills.onChange((c) => {
      for (const h of this.handsets.values()) if (h.unit === c.unit) h.setKilled(c.killed, `kill (${c.cause})`);
      const panel = board.panel.find((p) => p.unit === c.unit);
      panel?.led.set(c.killed).catch((err) => this.opts.log?.("panel LED failed", err));
      this.report({ type: "kill", unit: c.unit, killed: c.killed, sources: c.sources, cause: c.cause });
      if (panel) this.report({ type: "panel", unit: c.unit, lit: c.killed });
    });
    for (const unit of this.journal.commandKills())
      if (this.kills.units().includes(unit)) this.kills.set(unit, "command", true);
    for (const s of this.journal.schedules()) this.schedules.set(s);
    this.schedules.start();
    for (const k of board.killSwitches) {
      const debounced = k.debounced ? 0 : (this.opts.killDebounceMs ?? 10);
      this.subs.push(
        fromInput(k.input)
          .pipe(debounceLevel(debounced))
          .subscribe({
            next: (active) => this.kills.set(k.unit, "input", active),
            error: (err) => this.fault(`kill input ${k.unit}: ${(err as Error).message}`),
          }),
      );
    }
    for (const io of board.handsets) {
      const h = this.handsets.get(io.id) as Handset;
      this.subs.push(
        handsetSignals(io, timing, scanLock).subscribe({
          next: (sig) => {
            try {
              h.signal(sig);
            } catch (err) {
              this.opts.log?.(`handset ${io.id}: signal failed`, err);
            }
          },
          error: (err) => this.fault(`handset ${io.id} input: ${(err as Error).message}`),
        }),
      );
    }
    this.startHealth(config.healthIntervalMs ?? this.opts.healthIntervalMs ?? 30_000);
    this.timers.push(clock.setInterval(() => void this.checkHardware(), FirmwareDaemon.HARDWARE_CHECK_MS));
    if (this.link) {
      this.link.onLink((up) => this.linkChanged(up));
      this.link.start();
    }
  }

  private handsetReport(handset: string, r: HandsetReport): void {
    switch (r.kind) {
      case "hook":
        this.report({ type: "hook", handset, offHook: r.offHook });
        return;
      case "flash":
        this.report({ type: "flash", handset });
        return;
      case "state":
        this.report({ type: "handset-state", handset, state: r.state, reason: r.reason });
        return;
      case "refused":
        this.refusedLifts++;
        this.report({ type: "refused", handset, reason: r.reason });
        return;
    }
  }

  private linkChanged(up: boolean): void {
    const { clock } = this.opts;
    if (up) {
      clock.clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
      if (!this.available) this.setAvailable(true);
      return;
    }
    if (!this.available || this.graceTimer || this.stopped) return;
    const grace = this.opts.availabilityGraceMs ?? 3000;
    const lose = () => {
      this.graceTimer = undefined;
      this.setAvailable(false);
    };
    if (grace <= 0) lose();
    else this.graceTimer = clock.setTimeout(lose, grace);
  }

  private setAvailable(available: boolean): void {
    const now = this.opts.clock.monotonic();
    this.available = available;
    for (const h of this.handsets.values())
      h.setAvailable(available, available ? "controller reachable" : "no controller");
    if (available) {
      this.report({
        type: "service",
        available: true,
        downMs: Math.round(now - this.unavailableSince),
        refusedLifts: this.refusedLifts,
      });
      this.refusedLifts = 0;
    } else {
      this.unavailableSince = now;
      this.report({ type: "service", available: false });
    }
  }

  get serviceAvailable(): boolean {
    return this.available;
  }

  private faults = new Set<string>();
  private hardwareFaults = new Set<string>();

  /** How often hardware faults and temperature are looked at (alerts should not wait for health). */
  static readonly HARDWARE_CHECK_MS = 1000;
  /**
   * SoC temperature reported as a fault. ARM SoCs start throttling around 80-85 °C; in a
   * closet without airflow the board should be looked at before that.
   */
  static readonly OVERHEAT_C = 80;

  /** Reports hardware faults (driver errors, injected sim faults, overheating) as they come and go. */
  checkHardware(): Promise<void> {
    this.checking = this.checking
      .then(() => this.checkHardwareOnce())
      .catch((err) => this.opts.log?.("hardware check failed", err));
    return this.checking;
  }

  private checking: Promise<void> = Promise.resolve();

  private async checkHardwareOnce(): Promise<void> {
    const now = new Set(this.opts.board.faults());
    const temp = await this.opts.board.temperatureC();
    if (temp !== undefined && temp >= FirmwareDaemon.OVERHEAT_C) now.add(`temperature ${Math.round(temp)} °C`);
    for (const f of now) if (!this.hardwareFaults.has(f)) this.report({ type: "fault", fault: f, active: true });
    for (const f of this.hardwareFaults) if (!now.has(f)) this.report({ type: "fault", fault: f, active: false });
    this.hardwareFaults = now;
  }

  private fault(fault: string): void {
    this.opts.log?.(fault);
    if (this.faults.has(fault)) return;
    this.faults.add(fault);
    this.report({ type: "fault", fault, active: true });
  }

  private startHealth(ms: number): void {
    this.opts.clock.clearInterval(this.healthTimer);
    this.healthTimer = this.opts.clock.setInterval(() => void this.sendHealth(), ms);
  }

  async health(): Promise<Health> {
    const registration: Record<string, boolean> = {};
    for (const io of this.opts.board.handsets) registration[io.id] = this.lines.get(io.id)?.registered() ?? false;
    const temperatureC = await this.opts.board.temperatureC();
    return {
      uptimeS: Math.round((this.opts.clock.monotonic() - this.startedAt) / 1000),
      ...(temperatureC !== undefined ? { temperatureC } : {}),
      registration,
      faults: [...new Set([...this.faults, ...this.opts.board.faults()])],
      journalDepth: this.journal.pending().length,
    };
  }

  private readonly lines = new Map<string, HandsetLine>();

  private lineFor(io: HandsetIo): HandsetLine {
    const line = this.opts.line(io);
    this.lines.set(io.id, line);
    return line;
  }

  private async sendHealth(): Promise<void> {
    this.link?.health(await this.health());
  }

  private unitKnown(unit: string): void {
    if (!this.kills.units().includes(unit)) throw new Error(`unknown housing unit "${unit}"`);
  }

  private handset(id: string): Handset {
    const h = this.handsets.get(id);
    if (!h) throw new Error(`unknown handset "${id}"`);
    return h;
  }

  /** A controller command. Throws on a bad argument (reported as a failed command-result). */
  async command(c: Command): Promise<void> {
    switch (c.type) {
      case "kill":
      case "release":
        this.unitKnown(c.unit);
        this.kills.set(c.unit, "command", c.type === "kill");
        await this.journal.setCommandKill(c.unit, c.type === "kill");
        return;
      case "terminate":
        this.handset(c.handset).terminate("terminated by controller");
        return;
      case "connected":
        this.handset(c.handset).connected();
        return;
      case "schedule":
        this.unitKnown(c.schedule.unit);
        this.schedules.set(c.schedule);
        await this.journal.setSchedule(c.schedule.unit, c.schedule);
        return;
      case "clear-schedule":
        this.unitKnown(c.unit);
        this.schedules.clear(c.unit);
        this.kills.set(c.unit, "schedule", false);
        await this.journal.setSchedule(c.unit, undefined);
        return;
      case "config":
        await this.journal.setConfig(c.config);
        if (c.config.healthIntervalMs) this.startHealth(c.config.healthIntervalMs);
        return;
      case "reboot":
        if (!this.opts.onReboot) throw new Error("reboot not supported on this board");
        this.opts.clock.setTimeout(() => this.opts.onReboot?.(), 100); // let the result go out first
        return;
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const s of this.subs) s.unsubscribe();
    for (const t of this.timers) this.opts.clock.clearInterval(t);
    this.opts.clock.clearInterval(this.healthTimer);
    this.opts.clock.clearTimeout(this.graceTimer);
    this.schedules.stop();
    await this.link?.stop();
    await this.journal.flush();
  }
}
