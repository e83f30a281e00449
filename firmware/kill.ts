/**
 * Kill state per housing unit. "The system shall allow corrections staff to turn-off the entire
 * system or by housing unit via manual override or 'kill' switches" (IWTS functional
 * requirements, Call Limits and Termination). A unit is dead while any source holds it:
 *   input     the unit's hardware kill switch (released when the switch is released)
 *   command   a kill command from the controller (released by a release command; persisted,
 *             so it holds across a firmware restart without the controller)
 *   schedule  the unit's timed turn-off (schedule.ts)
 * A release command clears only the command source: it cannot override a switch an officer
 * is holding on the panel.
 */
export type KillSource = "input" | "command" | "schedule";

export interface KillChange {
  unit: string;
  killed: boolean;
  sources: KillSource[];
  /** The source whose change caused this. */
  cause: KillSource;
}

export class KillTable {
  private readonly held = new Map<string, Set<KillSource>>();
  private readonly listeners = new Set<(c: KillChange) => void>();

  constructor(units: Iterable<string>) {
    for (const u of units) this.held.set(u, new Set());
  }

  units(): string[] {
    return [...this.held.keys()];
  }

  isKilled(unit: string): boolean {
    return (this.held.get(unit)?.size ?? 0) > 0;
  }

  sources(unit: string): KillSource[] {
    return [...(this.held.get(unit) ?? [])].sort();
  }

  /** The units dead at this moment, each with what holds it. */
  killed(): Record<string, KillSource[]> {
    const out: Record<string, KillSource[]> = {};
    for (const [u, s] of this.held) if (s.size > 0) out[u] = this.sources(u);
    return out;
  }

  /** Sets one source for a unit; returns whether the unit's killed state changed. */
  set(unit: string, source: KillSource, active: boolean): boolean {
    const s = this.held.get(unit);
    if (!s) throw new Error(`unknown housing unit "${unit}"`);
    const before = s.size > 0;
    if (active === s.has(source)) return false;
    if (active) s.add(source);
    else s.delete(source);
    const after = s.size > 0;
    const change: KillChange = { unit, killed: after, sources: this.sources(unit), cause: source };
    for (const l of this.listeners) l(change);
    return before !== after;
  }

  onChange(listener: (c: KillChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
