/**
 * Sliding-window counters for threshold alerts ("CMS Supervisor ... threshold alerting function
 * that instantly notifies users", call-management-system, Instant Alerts/Threshold).
 *
 * Counts live in memory: a restart starts every window empty, which can only delay a threshold
 * alert, never invent one.
 */
import type { ThresholdRule } from "./config.ts";

export interface Crossing {
  rule: ThresholdRule;
  facilityId: string;
  count: number;
}

export class ThresholdCounter {
  /** Timestamps per "ruleId|facility", oldest first. */
  private readonly hits = new Map<string, number[]>();

  /**
   * Records one occurrence of `metric` at `facilityId` and returns the rules whose count has just
   * reached their limit (exactly at the limit, so one burst produces one crossing; the next comes
   * only after the window has slid below the limit and filled again).
   */
  observe(rules: readonly ThresholdRule[], metric: string, facilityId: string, atMs: number): Crossing[] {
    const out: Crossing[] = [];
    for (const rule of rules) {
      if (rule.metric !== metric) continue;
      if (rule.facilityId !== undefined && rule.facilityId !== facilityId) continue;
      const key = `${rule.id}|${facilityId}`;
      const list = this.hits.get(key) ?? [];
      const from = atMs - rule.windowMs;
      while (list.length > 0 && (list[0] as number) <= from) list.shift();
      list.push(atMs);
      this.hits.set(key, list);
      if (list.length === rule.limit) out.push({ rule, facilityId, count: list.length });
    }
    return out;
  }

  /** Drops counters of rules that no longer exist. */
  prune(rules: readonly ThresholdRule[]): void {
    const ids = new Set(rules.map((r) => r.id));
    for (const key of this.hits.keys()) if (!ids.has(key.split("|")[0] ?? "")) this.hits.delete(key);
  }
}
