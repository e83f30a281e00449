/**
 * Sessions, CSRF and permissions for every route.
 *
 * - The session token travels only in an httpOnly, SameSite=Strict cookie (Secure when the
 *   server runs TLS), so page scripts cannot read it and other sites cannot send it.
 * - Every state-changing request carries the session's CSRF token in `x-csrf-token`
 *   (synchroniser token pattern); sign-on itself only accepts `application/json`, which a
 *   cross-site form cannot send without a CORS preflight this server never grants.
 * - A route declares what it needs in `config.permission`; the check runs on the server for
 *   every request, whatever the UI shows.
 */
import { timingSafeEqual } from "node:crypto";
import type {} from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Access } from "../../access/access.ts";
import type { Permission } from "../../access/permissions.ts";
import type { Principal } from "../../access/principal.ts";
import { ApiError, ErrorCodes, forbidden, unauthenticated } from "../errors.ts";

export const sessionCookie = "yl_session";

export interface RouteAccess {
  /** No session needed (sign-on, banner, OpenAPI). */
  public?: boolean;
  /** Any one of these permissions is enough. Omitted: any signed-on user. */
  permission?: Permission | readonly Permission[];
  /** Reachable while the user must still change their password. */
  duringPasswordChange?: boolean;
}

declare module "fastify" {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
    sessionToken: string | null;
    sessionHash: string | null;
    csrfToken: string | null;
  }
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieOptions(secure: boolean, expires?: Date) {
  return { path: "/", httpOnly: true, sameSite: "strict" as const, secure, ...(expires ? { expires } : {}) };
}

export function installAuth(app: FastifyInstance, access: Access): void {
  app.decorateRequest("principal", null);
  app.decorateRequest("sessionToken", null);
  app.decorateRequest("sessionHash", null);
  app.decorateRequest("csrfToken", null);

  app.addHook("preHandler", async (request: FastifyRequest, _reply: FastifyReply) => {
    // Unknown routes answer 404 whoever asks.
    if (request.is404) return;
    const cfg: RouteAccess = request.routeOptions.config?.access ?? {};
    const token = request.cookies[sessionCookie];
    if (token) {
      const resolved = await access.sessions.resolve(token);
      if (resolved) {
        request.principal = resolved.principal;
        request.sessionToken = token;
        request.sessionHash = resolved.tokenHash;
        request.csrfToken = resolved.csrfToken;
      }
    }
    if (cfg.public) return;
    const p = request.principal;
    if (!p) throw unauthenticated();
    if (!safeMethods.has(request.method)) {
      const sent = request.headers["x-csrf-token"];
      if (typeof sent !== "string" || !request.csrfToken || !sameToken(sent, request.csrfToken)) {
        throw new ApiError(
          403,
          ErrorCodes.csrfFailed,
          "The request's CSRF token is missing or wrong; reload the page.",
        );
      }
    }
    if (p.mustChangePassword && !cfg.duringPasswordChange) {
      throw new ApiError(403, ErrorCodes.passwordExpired, "Change your password before continuing.");
    }
    if (cfg.permission) {
      const needed = typeof cfg.permission === "string" ? [cfg.permission] : cfg.permission;
      if (!needed.some((perm) => p.permissions.has(perm))) {
        await access.audit.record({
          actorId: p.userId,
          actorName: p.username,
          action: "access.denied",
          entity: "route",
          entityId: request.routeOptions.url ?? null,
          outcome: "denied",
          after: { method: request.method, needed },
          ip: request.ip,
        });
        throw forbidden();
      }
    }
  });
}

/** The principal of an authenticated route (the preHandler guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}
