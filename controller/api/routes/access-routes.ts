/** Users, access levels, access settings and the audit trail. */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Access } from "../../access/access.ts";
import { allPermissions, Permissions as P, permissionKind } from "../../access/permissions.ts";
import { notFound } from "../errors.ts";
import { principalOf } from "../plugins/auth.ts";
import {
  AccessSettingsView,
  AuditPage,
  AuditQuery,
  AuditVerifyView,
  LevelBody,
  LevelView,
  NewUserBody,
  PermissionCatalogue,
  ResetPasswordBody,
  UserPatchBody,
  UserView,
} from "../schemas/access.ts";
import { errorResponses, IdParams, Ok } from "../schemas/common.ts";

const ArchiveBody = Type.Object(
  { keepDays: Type.Integer({ minimum: 1, maximum: 3650 }) },
  { additionalProperties: false },
);

export async function accessRoutes(app: FastifyInstance, opts: { access: Access }): Promise<void> {
  const { access } = opts;

  // Users
  app.get(
    "/users",
    {
      config: { access: { permission: [P.menuUsers, P.adminUsers] } },
      schema: {
        tags: ["users"],
        summary: "Users the caller may see",
        response: { 200: Type.Array(UserView), ...errorResponses },
      },
    },
    async (request) => access.users.list(principalOf(request)),
  );

  app.get<{ Params: IdParams }>(
    "/users/:id",
    {
      config: { access: { permission: [P.menuUsers, P.adminUsers] } },
      schema: { tags: ["users"], params: IdParams, response: { 200: UserView, ...errorResponses } },
    },
    async (request) => {
      const user = await access.users.get(request.params.id);
      if (!user) throw notFound("User");
      await access.users.assertManageable(principalOf(request), user);
      return user;
    },
  );

  app.post<{ Body: NewUserBody }>(
    "/users",
    {
      config: { access: { permission: P.adminUsers } },
      schema: {
        tags: ["users"],
        summary: "Create a user (state or contractor staff)",
        body: NewUserBody,
        response: { 200: UserView, ...errorResponses },
      },
    },
    async (request) => access.users.create(principalOf(request), request.body, request.ip),
  );

  app.patch<{ Params: IdParams; Body: UserPatchBody }>(
    "/users/:id",
    {
      config: { access: { permission: P.adminUsers } },
      schema: {
        tags: ["users"],
        params: IdParams,
        body: UserPatchBody,
        response: { 200: UserView, ...errorResponses },
      },
    },
    async (request) => access.users.update(principalOf(request), request.params.id, request.body, request.ip),
  );

  app.post<{ Params: IdParams; Body: ResetPasswordBody }>(
    "/users/:id/password",
    {
      config: { access: { permission: P.adminUsers } },
      schema: {
        tags: ["users"],
        summary: "Set a password the user must change",
        params: IdParams,
        body: ResetPasswordBody,
        response: { 200: Ok, ...errorResponses },
      },
    },
    async (request) => {
      await access.users.resetPassword(principalOf(request), request.params.id, request.body.password, request.ip);
      return { ok: true };
    },
  );

  app.post<{ Params: IdParams }>(
    "/users/:id/unlock",
    {
      config: { access: { permission: P.adminUsers } },
      schema: { tags: ["users"], params: IdParams, response: { 200: UserView, ...errorResponses } },
    },
    async (request) => access.users.unlock(principalOf(request), request.params.id, request.ip),
  );

  // Levels
  app.get(
    "/levels",
    {
      config: { access: { permission: [P.menuAccessLevels, P.adminAccessLevels, P.adminUsers] } },
      schema: { tags: ["levels"], response: { 200: Type.Array(LevelView), ...errorResponses } },
    },
    async () => access.levels.list(),
  );

  app.get(
    "/permissions",
    {
      schema: {
        tags: ["levels"],
        summary: "Every permission a level can be given",
        response: { 200: PermissionCatalogue },
      },
    },
    async () => allPermissions.map((key) => ({ key, kind: permissionKind(key) })),
  );

  app.post<{ Body: LevelBody }>(
    "/levels",
    {
      config: { access: { permission: P.adminAccessLevels } },
      schema: {
        tags: ["levels"],
        summary: "Create a lower access level",
        body: LevelBody,
        response: { 200: LevelView, ...errorResponses },
      },
    },
    async (request) => access.levels.create(principalOf(request), request.body, request.ip),
  );

  app.put<{ Params: IdParams; Body: LevelBody }>(
    "/levels/:id",
    {
      config: { access: { permission: P.adminAccessLevels } },
      schema: { tags: ["levels"], params: IdParams, body: LevelBody, response: { 200: LevelView, ...errorResponses } },
    },
    async (request) => access.levels.update(principalOf(request), request.params.id, request.body, request.ip),
  );

  // Settings
  app.get(
    "/access-settings",
    {
      config: { access: { permission: P.adminSettings } },
      schema: { tags: ["settings"], response: { 200: AccessSettingsView, ...errorResponses } },
    },
    async () => access.settings.get(),
  );

  app.put<{ Body: Static<typeof AccessSettingsView> }>(
    "/access-settings",
    {
      config: { access: { permission: P.adminSettings } },
      schema: {
        tags: ["settings"],
        summary: "Password, lockout and session policy",
        body: AccessSettingsView,
        response: { 200: AccessSettingsView, ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const before = await access.settings.get();
      await access.settings.set(request.body);
      await access.audit.record({
        actorId: p.userId,
        actorName: p.username,
        action: "settings.update",
        entity: "access_settings",
        before,
        after: request.body,
        ip: request.ip,
      });
      return access.settings.get();
    },
  );

  // Audit trail
  app.get<{ Querystring: AuditQuery }>(
    "/audit",
    {
      config: { access: { permission: [P.menuAudit, P.queryAudit] } },
      schema: {
        tags: ["audit"],
        summary: "Search the audit trail, newest first",
        querystring: AuditQuery,
        response: { 200: AuditPage, ...errorResponses },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return access.audit.search({
        ...request.query,
        scope: p.facilities.all ? null : { facilityIds: p.facilities.ids, selfId: p.userId },
      });
    },
  );

  app.get(
    "/audit/verify",
    {
      config: { access: { permission: [P.menuAudit, P.queryAudit] } },
      schema: {
        tags: ["audit"],
        summary: "Check the hash chain end to end",
        response: { 200: AuditVerifyView, ...errorResponses },
      },
    },
    async () => access.audit.verify(),
  );

  app.post<{ Body: Static<typeof ArchiveBody> }>(
    "/audit/archive",
    {
      config: { access: { permission: P.adminSettings } },
      schema: {
        tags: ["audit"],
        summary: "Archive now (it also runs on its own daily)",
        body: ArchiveBody,
        response: { 200: Type.Object({ archived: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => ({ archived: await access.audit.archive(request.body.keepDays) }),
  );
}
