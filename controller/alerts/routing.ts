/**
 * Picks the route for an alert and resolves an escalation step to the people it pages.
 */
import type { AlertConfig, EscalationStep, Recipient, Route } from "./config.ts";
import { type AlertDescription, severityRank } from "./events.ts";
import { onCallAt } from "./rotation.ts";

/** The first route whose facility, type/category and severity all match, in configured order. */
export function routeFor(config: AlertConfig, facilityId: string, d: AlertDescription): Route | undefined {
  return config.routes.find(
    (r) =>
      (!r.facilities || r.facilities.includes(facilityId)) &&
      (!r.types || r.types.includes(d.type) || r.types.includes(d.category)) &&
      (!r.minSeverity || severityRank[d.severity] >= severityRank[r.minSeverity]),
  );
}

/** The recipients a step pages at `atMs`: named people plus whoever each rotation has on call. */
export function recipientsFor(config: AlertConfig, step: EscalationStep, atMs: number): Recipient[] {
  const byId = new Map(config.recipients.map((r) => [r.id, r]));
  const out = new Map<string, Recipient>();
  for (const t of step.targets) {
    let id: string | undefined;
    if ("recipient" in t) {
      id = t.recipient;
    } else {
      const rotation = config.rotations.find((r) => r.id === t.rotation);
      id = rotation ? onCallAt(rotation, atMs) : undefined;
    }
    const r = id ? byId.get(id) : undefined;
    if (r) out.set(r.id, r);
  }
  return [...out.values()];
}
