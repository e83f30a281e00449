/**
 * What the domain routes share: the store, the caller's facility scope in the form the domain
 * services take (the set of facility ids they may touch), and the audit helper every change
 * goes through.
 */
import type { FastifyRequest } from "fastify";
import type { Clock } from "../../telephony/clock.ts";
import type { Access } from "../access/access.ts";
import type { Principal } from "../access/principal.ts";
import type { FacilityScope } from "../domain/scope.ts";
import type { DomainStore } from "../store/domain-store.ts";
import { principalOf } from "./plugins/auth.ts";

export interface DomainContext {
  ds: DomainStore;
  access: Access;
  clock: Clock;
}

/**
 * The facilities the caller may touch. Central Office users reach every facility of the
 * agency, read fresh on each request so a new facility is covered at once.
 */
export async function scopeOf(ctx: DomainContext, p: Principal): Promise<FacilityScope> {
  if (!p.facilities.all) return new Set(p.facilities.ids);
  const rows = await ctx.ds.db.selectFrom("facilities").select("id").execute();
  return new Set(rows.map((r) => r.id));
}

export async function requestScope(ctx: DomainContext, request: FastifyRequest): Promise<FacilityScope> {
  return scopeOf(ctx, principalOf(request));
}

/** Records one change in the audit trail: who, when (the trail's clock), what, before and after. */
export async function audit(
  ctx: DomainContext,
  request: FastifyRequest,
  action: string,
  entity: string,
  entityId: string | null,
  facilityId: string | null,
  before: unknown,
  after: unknown,
): Promise<void> {
  const p = principalOf(request);
  await ctx.access.audit.record({
    actorId: p.userId,
    actorName: p.username,
    action,
    entity,
    entityId,
    facilityId,
    before,
    after,
    ip: request.ip,
  });
}
