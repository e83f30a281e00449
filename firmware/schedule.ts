import { DateTime } from "luxon";
import type { Clock, TimerHandle } from "../telephony/clock.ts";

/**
 * Timed turn-on/turn-off per housing unit, pushed by the controller and enforced on the board
 * so it holds while the controller is unreachable. "The IWTS shall have automatic timed
 * turn-on/turn-off features adjustable for different days of the week and programmable by
 * facility and phone bank" (IWTS functional requirements, Call Limits and Termination).
 */
export interface ScheduleWindow {
  /** ISO weekdays the window starts on: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** "HH:MM" local time; when end ≤ start the window runs past midnight. */
  start: string;
  end: string;
}

export interface UnitSchedule {
  unit: string;
  /** IANA zone the times are in (the facility's), e.g. "America/Los_Angeles". */
  timezone: string;
  /** Phones are on only inside a window. A unit without a schedule is always on. */
  windows: ScheduleWindow[];
}

function minutes(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new Error(`bad time "${hhmm}" (want HH:MM)`);
  const v = Number(m[1]) * 60 + Number(m[2]);
  if (v > 24 * 60) throw new Error(`bad time "${hhmm}"`);
  return v;
}

export function validateSchedule(s: UnitSchedule): void {
  if (!DateTime.local().setZone(s.timezone).isValid) throw new Error(`unknown time zone "${s.timezone}"`);
  for (const w of s.windows) {
    minutes(w.start);
    minutes(w.end);
    if (!w.days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) throw new Error("days are ISO weekdays 1-7");
  }
}

/** Whether phones in the unit are on at `atMs`, in the schedule's own time zone (DST-aware). */
export function isOpen(s: UnitSchedule, atMs: number): boolean {
  const t = DateTime.fromMillis(atMs, { zone: s.timezone });
  const now = t.hour * 60 + t.minute;
  const today = t.weekday;
  const yesterday = today === 1 ? 7 : today - 1;
  return s.windows.some((w) => {
    const a = minutes(w.start);
    const b = minutes(w.end);
    if (a < b) return w.days.includes(today) && now >= a && now < b;
    // Past midnight: the evening part belongs to the start day, the morning part to the next.
    return (w.days.includes(today) && now >= a) || (w.days.includes(yesterday) && now < b);
  });
}

/**
 * Re-evaluates every schedule once a second (cheap, and correct across DST changes and clock
 * steps, which computing the next boundary would have to handle separately).
 */
export class ScheduleEnforcer {
  private readonly clock: Clock;
  private readonly schedules = new Map<string, UnitSchedule>();
  private readonly state = new Map<string, boolean>();
  private readonly apply: (unit: string, open: boolean) => void;
  private timer: TimerHandle | undefined;
  static readonly CHECK_MS = 1000;

  constructor(clock: Clock, apply: (unit: string, open: boolean) => void) {
    this.clock = clock;
    this.apply = apply;
  }

  set(s: UnitSchedule): void {
    validateSchedule(s);
    this.schedules.set(s.unit, s);
    this.check();
  }

  clear(unit: string): void {
    this.schedules.delete(unit);
    if (this.state.get(unit) === false) this.apply(unit, true);
    this.state.delete(unit);
  }

  all(): UnitSchedule[] {
    return [...this.schedules.values()];
  }

  start(): void {
    this.timer ??= this.clock.setInterval(() => this.check(), ScheduleEnforcer.CHECK_MS);
    this.check();
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  check(): void {
    const now = this.clock.now();
    for (const s of this.schedules.values()) {
      const open = isOpen(s, now);
      if (this.state.get(s.unit) !== open) {
        this.state.set(s.unit, open);
        this.apply(s.unit, open);
      }
    }
  }
}
