/**
 * Software kill switches and timed turn-on/turn-off, pushed from the controller's domain to the
 * phone-bank boards, so a board enforces them itself, also while the controller is unreachable
 * (IWTS functional requirements, Call Limits and Termination: "turn-off the entire system or by
 * housing unit via manual override or 'kill' switches"; "automatic timed turn-on/turn-off
 * features adjustable for different days of the week and programmable by facility and phone
 * bank").
 *
 * A board's id is its phone bank's id. A housing unit on a board is the domain housing unit of
 * the same name in the bank's facility. A board unit is killed (the board's `command` source)
 * while any of these is switched off: the facility, the phone bank, the domain housing unit of
 * that name, or the housing unit the phone bank itself is placed in (the domain puts every
 * station of a bank in the bank's unit, and refuses calls there: the board follows). Calling
 * hours of the facility and of the phone bank are pushed as each unit's schedule; when both are
 * set, the board gets their intersection (the phones are on only when both are open).
 *
 * On every (re)connection a board gets the whole state (kill or release and schedule or
 * clear-schedule for each of its units), so a board that restarted, or missed a change while it
 * was away, converges; after a domain change only what differs from what was last pushed goes.
 * Station switches stay with the controller: the board's kill table is per unit.
 */
import type { Command } from "../../firmware/link/protocol.ts";
import type { ScheduleWindow } from "../domain/schedule.ts";
import type { DomainStore } from "../store/domain-store.ts";
import type { BankEvents } from "./server.ts";

/** What this module needs of the bank link (BankServer implements it). */
export interface BankLink {
  on(name: "board-connected", listener: (e: BankEvents["board-connected"]) => void): () => void;
  sendCommand(boardId: string, command: Command): Promise<{ ok: boolean; error?: string }>;
  all(): Array<{ boardId: string; connected: boolean; units: Record<string, unknown> }>;
}

/** The parts of the domain that switch phones off, as loaded from the store. */
export interface KillView {
  facilities: Map<string, { enabled: boolean; timeZone: string }>;
  banks: Map<string, { facilityId: string; housingUnitId: string | null; enabled: boolean }>;
  /** Housing units by id. */
  units: Map<string, { facilityId: string; name: string; enabled: boolean }>;
  /** Schedule windows by `facility:<id>` and `phone-bank:<id>`. */
  windows: Map<string, ScheduleWindow[]>;
}

/** A unit's schedule in the board's own form (firmware/schedule.ts UnitSchedule). */
type BoardSchedule = Extract<Command, { type: "schedule" }>["schedule"];

export interface UnitPlan {
  killed: boolean;
  /** Why, in words (for the log); empty when not killed. */
  why: string[];
  /** null: no calling hours, the unit is always on (clear-schedule). */
  schedule: BoardSchedule | null;
}

/** What a board's units should be; undefined for a board that is no phone bank of the domain. */
export function planBoard(
  view: KillView,
  boardId: string,
  boardUnits: readonly string[],
): Map<string, UnitPlan> | undefined {
  const bank = view.banks.get(boardId);
  if (!bank) return undefined;
  const facility = view.facilities.get(bank.facilityId);
  if (!facility) return undefined;
  const bankUnit = bank.housingUnitId ? view.units.get(bank.housingUnitId) : undefined;
  const byName = new Map<string, { enabled: boolean }>();
  for (const u of view.units.values()) if (u.facilityId === bank.facilityId) byName.set(u.name, u);
  const windows = scheduleOf(
    view.windows.get(`facility:${bank.facilityId}`) ?? [],
    view.windows.get(`phone-bank:${boardId}`) ?? [],
  );
  const plan = new Map<string, UnitPlan>();
  for (const unit of boardUnits) {
    const why: string[] = [];
    if (!facility.enabled) why.push("facility switched off");
    if (!bank.enabled) why.push("phone bank switched off");
    if (bankUnit && !bankUnit.enabled) why.push(`the phone bank's housing unit ${bankUnit.name} switched off`);
    const own = byName.get(unit);
    if (own && !own.enabled && own !== bankUnit) why.push(`housing unit ${unit} switched off`);
    plan.set(unit, {
      killed: why.length > 0,
      why,
      schedule: windows === null ? null : { unit, timezone: facility.timeZone, windows },
    });
  }
  return plan;
}

const DAY = 1440;
const WEEK = 7 * DAY;

/** Weekly minute intervals [from, to) of domain windows, merged and sorted. */
export function weekIntervals(windows: readonly ScheduleWindow[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const w of windows) {
    const from = (w.day - 1) * DAY + w.startMin;
    // An end at or before the start runs past midnight into the next day (domain/schedule.ts).
    const to = from + (w.endMin > w.startMin ? w.endMin - w.startMin : w.endMin + DAY - w.startMin);
    if (to <= WEEK) out.push([from, to]);
    else out.push([from, WEEK], [0, to - WEEK]); // Sunday night into Monday morning
  }
  out.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of out) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

function intersect(x: Array<[number, number]>, y: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const [a1, b1] = x[i] as [number, number];
    const [a2, b2] = y[j] as [number, number];
    const a = Math.max(a1, a2);
    const b = Math.min(b1, b2);
    if (a < b) out.push([a, b]);
    if (b1 < b2) i++;
    else j++;
  }
  return out;
}

function hhmm(min: number): string {
  return `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
}

/**
 * The board's windows for the facility's and the bank's calling hours: null when neither has
 * any (always on), else the hours when both are open, cut at midnight into same-day windows
 * (an end of 24:00 runs to midnight) and grouped by their times. An empty list means never on.
 */
export function scheduleOf(
  facility: readonly ScheduleWindow[],
  bank: readonly ScheduleWindow[],
): BoardSchedule["windows"] | null {
  if (facility.length === 0 && bank.length === 0) return null;
  const open =
    facility.length === 0
      ? weekIntervals(bank)
      : bank.length === 0
        ? weekIntervals(facility)
        : intersect(weekIntervals(facility), weekIntervals(bank));
  const byTimes = new Map<string, { days: number[]; start: string; end: string }>();
  for (let [a, b] of open) {
    while (a < b) {
      const day = Math.floor(a / DAY);
      const end = Math.min(b, (day + 1) * DAY);
      const start = hhmm(a - day * DAY);
      const stop = hhmm(end - day * DAY);
      const key = `${start}-${stop}`;
      const w = byTimes.get(key) ?? { days: [], start, end: stop };
      w.days.push(day + 1);
      byTimes.set(key, w);
      a = end;
    }
  }
  return [...byTimes.values()];
}

/** Loads the KillView from the store (a few small tables). */
export async function loadKillView(ds: DomainStore): Promise<KillView> {
  const [facilities, banks, units, windows] = await Promise.all([
    ds.db.selectFrom("facilities").select(["id", "enabled", "timeZone"]).execute(),
    ds.db.selectFrom("phoneBanks").select(["id", "facilityId", "housingUnitId", "enabled"]).execute(),
    ds.db.selectFrom("housingUnits").select(["id", "facilityId", "name", "enabled"]).execute(),
    ds.db
      .selectFrom("scheduleWindows")
      .select(["scopeKind", "scopeId", "day", "startMin", "endMin"])
      .where("scopeKind", "in", ["facility", "phone-bank"])
      .execute(),
  ]);
  const byScope = new Map<string, ScheduleWindow[]>();
  for (const w of windows) {
    const key = `${w.scopeKind}:${w.scopeId}`;
    const list = byScope.get(key) ?? [];
    list.push({ day: w.day, startMin: w.startMin, endMin: w.endMin });
    byScope.set(key, list);
  }
  return {
    facilities: new Map(facilities.map((f) => [f.id, { enabled: f.enabled === 1, timeZone: f.timeZone }])),
    banks: new Map(
      banks.map((b) => [b.id, { facilityId: b.facilityId, housingUnitId: b.housingUnitId, enabled: b.enabled === 1 }]),
    ),
    units: new Map(units.map((u) => [u.id, { facilityId: u.facilityId, name: u.name, enabled: u.enabled === 1 }])),
    windows: byScope,
  };
}

export interface KillPushOptions {
  banks: BankLink;
  /** Where the switches and hours live; its change feed triggers a push. */
  ds: Pick<DomainStore, "onChange">;
  load: () => Promise<KillView>;
  log?: (msg: string) => void;
}

/** What a board last acknowledged, per unit: killed or not, and the schedule as JSON (null: none). */
type Pushed = Map<string, { killed: boolean; schedule: string }>;

/**
 * Keeps every connected board's kill and schedule state equal to the domain's. One sync runs at
 * a time; changes that arrive meanwhile are folded into one more sync after it.
 */
export class KillSwitchPush {
  private readonly opts: KillPushOptions;
  private readonly pushed = new Map<string, Pushed>();
  private readonly offs: Array<() => void> = [];
  private running: Promise<void> | undefined;
  /** Boards to push in full on the next sync (just connected); the others get differences. */
  private fullFor = new Set<string>();
  private dirty = false;
  private stopped = false;

  constructor(opts: KillPushOptions) {
    this.opts = opts;
  }

  start(): void {
    this.offs.push(
      // A block-list change (an import, a number added) switches nothing off: no reload for it.
      this.opts.ds.onChange((_facilityId, kind) => {
        if (kind !== "blocks") this.request();
      }),
      this.opts.banks.on("board-connected", (e) => {
        this.pushed.delete(e.boardId);
        this.fullFor.add(e.boardId);
        this.request();
      }),
    );
    // Boards that connected before this started.
    for (const b of this.opts.banks.all()) if (b.connected) this.fullFor.add(b.boardId);
    this.request();
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.offs.splice(0)) off();
  }

  /** Resolves once every requested push has been sent and answered (or failed). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private request(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.running) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      const full = this.fullFor;
      this.fullFor = new Set();
      try {
        await this.sync(full);
      } catch (err) {
        this.opts.log?.(`kill switches: push failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private async sync(full: Set<string>): Promise<void> {
    const view = await this.opts.load();
    const boards = this.opts.banks.all().filter((b) => b.connected);
    await Promise.all(
      boards.map(async (b) => {
        const plan = planBoard(view, b.boardId, Object.keys(b.units));
        if (!plan) return;
        if (full.has(b.boardId)) this.pushed.delete(b.boardId);
        const pushed = this.pushed.get(b.boardId) ?? new Map();
        this.pushed.set(b.boardId, pushed);
        for (const [unit, p] of plan) {
          const schedule = JSON.stringify(p.schedule);
          const before = pushed.get(unit);
          const commands: Command[] = [];
          if (before?.killed !== p.killed) commands.push(p.killed ? { type: "kill", unit } : { type: "release", unit });
          if (before?.schedule !== schedule)
            commands.push(p.schedule ? { type: "schedule", schedule: p.schedule } : { type: "clear-schedule", unit });
          if (commands.length === 0) continue;
          // Recorded as pushed only once the board said so; a failure is retried at the next sync.
          let ok = true;
          for (const c of commands) {
            const r = await this.opts.banks
              .sendCommand(b.boardId, c)
              .catch((err: Error) => ({ ok: false, error: err.message }));
            if (!r.ok) {
              ok = false;
              this.opts.log?.(
                `kill switches: ${c.type} for unit ${unit} on ${b.boardId} failed: ${r.error ?? "refused"}`,
              );
            }
          }
          if (ok) pushed.set(unit, { killed: p.killed, schedule });
          else pushed.delete(unit);
          if (p.killed && before?.killed !== true)
            this.opts.log?.(`kill switches: unit ${unit} on ${b.boardId} killed (${p.why.join(", ")})`);
        }
      }),
    );
  }
}
