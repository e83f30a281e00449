/** Sign-on, the banner, the current session, sign-off and changing one's own password. */
import type { FastifyInstance } from "fastify";
import type { Access } from "../../access/access.ts";
import type { Principal } from "../../access/principal.ts";
import { cookieOptions, principalOf, sessionCookie } from "../plugins/auth.ts";
import { BannerView, ChangePasswordBody, SessionView, SignInBody, signOnBanner } from "../schemas/access.ts";
import { ErrorBody, Ok } from "../schemas/common.ts";

export function sessionView(p: Principal, csrfToken: string): SessionView {
  return {
    user: {
      id: p.userId,
      username: p.username,
      displayName: p.displayName,
      kind: p.kind,
      levelId: p.levelId,
      levelName: p.levelName,
      rank: p.rank,
      language: p.language,
    },
    permissions: [...p.permissions].sort(),
    facilities: p.facilities.all ? { all: true } : { all: false, ids: [...p.facilities.ids] },
    csrfToken,
    mustChangePassword: p.mustChangePassword,
  };
}

export interface SessionRouteOptions {
  access: Access;
  secureCookies: boolean;
}

export async function sessionRoutes(app: FastifyInstance, opts: SessionRouteOptions): Promise<void> {
  const { access, secureCookies } = opts;
  const tags = ["session"];

  app.get(
    "/banner",
    {
      config: { access: { public: true } },
      schema: { tags, summary: "The sign-on banner (Access Control)", response: { 200: BannerView } },
    },
    async () => ({ banner: signOnBanner }),
  );

  app.post<{ Body: SignInBody }>(
    "/session",
    {
      config: { access: { public: true } },
      schema: {
        tags,
        summary: "Sign on",
        body: SignInBody,
        response: { 200: SessionView, 400: ErrorBody, 401: ErrorBody, 423: ErrorBody },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const result = await access.sessions.signIn(username, password, {
        ip: request.ip,
        userAgent: request.headers["user-agent"] ?? "",
      });
      reply.setCookie(
        sessionCookie,
        result.session.token,
        cookieOptions(secureCookies, new Date(result.session.expiresAt)),
      );
      return sessionView(result.principal, result.session.csrfToken);
    },
  );

  app.get(
    "/session",
    {
      config: { access: { duringPasswordChange: true } },
      schema: {
        tags,
        summary: "The signed-on user, permissions and CSRF token",
        response: { 200: SessionView, 401: ErrorBody },
      },
    },
    async (request) => sessionView(principalOf(request), request.csrfToken ?? ""),
  );

  app.delete(
    "/session",
    {
      config: { access: { duringPasswordChange: true } },
      schema: { tags, summary: "Sign off", response: { 200: Ok, 401: ErrorBody, 403: ErrorBody } },
    },
    async (request, reply) => {
      await access.sessions.signOut(request.sessionToken ?? "", principalOf(request), request.ip);
      reply.clearCookie(sessionCookie, cookieOptions(secureCookies));
      return { ok: true };
    },
  );

  app.post<{ Body: ChangePasswordBody }>(
    "/session/password",
    {
      config: { access: { duringPasswordChange: true } },
      schema: {
        tags,
        summary: "Change one's own password (the prompt when it has expired)",
        body: ChangePasswordBody,
        response: { 200: Ok, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      const p = principalOf(request);
      await access.users.changeOwnPassword(
        p.userId,
        request.body.currentPassword,
        request.body.newPassword,
        request.sessionHash,
        request.ip,
      );
      return { ok: true };
    },
  );
}
