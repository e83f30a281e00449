/**
 * Who is asking, as every route sees it, and the facility-scoping helpers that every query
 * goes through. Reporting Tools: "State correctional facility personnel shall be limited to
 * data retrieval specifically dealing with the correctional facility to which they are
 * associated unless specifically granted increased access by the State Central Office."
 */
import type { Permission } from "./permissions.ts";

export type FacilityScope = { readonly all: true } | { readonly all: false; readonly ids: readonly string[] };

export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  kind: "state" | "contractor";
  levelId: string;
  levelName: string;
  rank: number;
  permissions: ReadonlySet<Permission>;
  facilities: FacilityScope;
  language: string;
  mustChangePassword: boolean;
}

export class ScopeError extends Error {
  readonly facilityId: string;
  constructor(facilityId: string) {
    super(`no access to facility ${facilityId}`);
    this.name = "ScopeError";
    this.facilityId = facilityId;
  }
}

export function canSeeFacility(p: Principal, facilityId: string): boolean {
  return p.facilities.all || p.facilities.ids.includes(facilityId);
}

/** Throws ScopeError unless the principal may see `facilityId`. */
export function assertFacility(p: Principal, facilityId: string): void {
  if (!canSeeFacility(p, facilityId)) throw new ScopeError(facilityId);
}

/**
 * The facility ids a query may touch: the ones requested (each checked), or all the
 * principal's facilities. `null` means unrestricted (Central Office, no filter asked).
 */
export function facilityFilter(p: Principal, requested?: readonly string[]): readonly string[] | null {
  if (requested && requested.length > 0) {
    for (const id of requested) assertFacility(p, id);
    return requested;
  }
  return p.facilities.all ? null : p.facilities.ids;
}

/** `a` is within `b`: every facility `a` reaches, `b` reaches too. */
export function scopeWithin(a: FacilityScope, b: FacilityScope): boolean {
  if (b.all) return true;
  if (a.all) return false;
  return a.ids.every((id) => b.ids.includes(id));
}
