import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { Low } from "lowdb";
import { JSONFile } from "lowdb/node";
import type { UnitSchedule } from "../schedule.ts";
import type { BoardConfig, BoardEvent, JournaledEvent } from "./protocol.ts";

/**
 * The board's journal on flash (lowdb, one JSON file written atomically by rename): events not
 * yet acknowledged by the controller, in sequence order, plus the state that must survive a
 * restart without the controller (command kills, schedules). Sequence numbers never repeat
 * within a journal; a new journal gets a new id, so the controller cannot confuse the two.
 */
interface JournalData {
  journalId: string;
  nextSeq: number;
  events: JournaledEvent[];
  commandKills: string[];
  schedules: UnitSchedule[];
  /** Events dropped because the journal was full (reported in health). */
  dropped: number;
  /** Last configuration pushed by the controller (applied at start where not live). */
  config: BoardConfig;
}

/**
 * Bound on stored events: a week-long outage of a busy 8-handset bank is a few thousand
 * events, so 50,000 is far above need while keeping the file a few MB. Beyond it the oldest
 * are dropped and counted.
 */
export const DEFAULT_JOURNAL_LIMIT = 50_000;

export class Journal {
  private readonly db: Low<JournalData>;
  private readonly limit: number;
  private writing: Promise<void> = Promise.resolve();

  private constructor(db: Low<JournalData>, limit: number) {
    this.db = db;
    this.limit = limit;
  }

  static async open(file: string, limit = DEFAULT_JOURNAL_LIMIT): Promise<Journal> {
    await mkdir(dirname(file), { recursive: true });
    // Not JSONFilePreset: it swaps in an in-memory adapter when NODE_ENV=test, which would
    // make every restart test pass against a journal that never touches the disk.
    const db = new Low<JournalData>(new JSONFile<JournalData>(file), {
      journalId: randomUUID(),
      nextSeq: 1,
      events: [],
      commandKills: [],
      schedules: [],
      dropped: 0,
      config: {},
    });
    await db.read();
    // A file from before a field existed: fill it in.
    db.data.commandKills ??= [];
    db.data.schedules ??= [];
    db.data.dropped ??= 0;
    db.data.config ??= {};
    await db.write();
    return new Journal(db, limit);
  }

  get id(): string {
    return this.db.data.journalId;
  }

  get dropped(): number {
    return this.db.data.dropped;
  }

  /** Assigns the next sequence number synchronously (order = call order), then persists. */
  append(event: BoardEvent, at: number): { entry: JournaledEvent; written: Promise<void> } {
    const entry: JournaledEvent = { seq: this.db.data.nextSeq++, at, event };
    this.db.data.events.push(entry);
    if (this.db.data.events.length > this.limit) {
      const extra = this.db.data.events.length - this.limit;
      this.db.data.events.splice(0, extra);
      this.db.data.dropped += extra;
    }
    return { entry, written: this.flush() };
  }

  /** The controller holds everything up to `seq`: forget it. */
  ack(seq: number): Promise<void> {
    const events = this.db.data.events;
    let n = 0;
    while (n < events.length && (events[n] as JournaledEvent).seq <= seq) n++;
    if (n === 0) return this.writing;
    events.splice(0, n);
    return this.flush();
  }

  pending(): readonly JournaledEvent[] {
    return this.db.data.events;
  }

  commandKills(): string[] {
    return [...this.db.data.commandKills];
  }

  setCommandKill(unit: string, killed: boolean): Promise<void> {
    const s = new Set(this.db.data.commandKills);
    if (killed) s.add(unit);
    else s.delete(unit);
    this.db.data.commandKills = [...s].sort();
    return this.flush();
  }

  schedules(): UnitSchedule[] {
    return [...this.db.data.schedules];
  }

  setSchedule(unit: string, schedule: UnitSchedule | undefined): Promise<void> {
    this.db.data.schedules = this.db.data.schedules.filter((s) => s.unit !== unit);
    if (schedule) this.db.data.schedules.push(schedule);
    return this.flush();
  }

  config(): BoardConfig {
    return { ...this.db.data.config };
  }

  setConfig(config: BoardConfig): Promise<void> {
    this.db.data.config = { ...this.db.data.config, ...config };
    return this.flush();
  }

  private queued: Promise<void> | undefined;

  /**
   * Serialises writes; each write stores the whole current state, so flushes asked for while
   * one is waiting share it (a burst of events costs one or two writes, not one each).
   */
  flush(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.writing.then(() => {
      this.queued = undefined;
      return this.db.write();
    });
    this.queued = next;
    this.writing = next.catch(() => undefined);
    return next;
  }
}
