/**
 * Every query takes the set of facilities the caller may see and enforces it here, so an
 * out-of-scope id reads exactly like a missing one (no existence leak).
 */
import { randomUUID } from "node:crypto";
import { notFound } from "./errors.ts";

export type FacilityScope = ReadonlySet<string>;

export function assertInScope(scope: FacilityScope, facilityId: string | null | undefined, what: string): void {
  if (!facilityId || !scope.has(facilityId)) throw notFound(what);
}

export function newId(): string {
  return randomUUID();
}

export function bool(v: number | boolean | null | undefined): boolean {
  return v === true || v === 1;
}
