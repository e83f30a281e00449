/** Schemas of the access routes: sign-on, session, users, levels, settings, audit. */
import { type Static, Type } from "@sinclair/typebox";
import { allPermissions } from "../../access/permissions.ts";
import { Id, Timestamp } from "./common.ts";

/**
 * Access Control: the sign-on banner "shall include the following wording". Exact text,
 * shown before the user name and password fields.
 */
export const signOnBanner =
  "WARNING! By accessing and using this computer system you are consenting to system monitoring for law enforcement purposes. Unauthorized use of, or access to, this computer system may subject you to criminal prosecution and penalties.";

export const PermissionKey = Type.Union(allPermissions.map((p) => Type.Literal(p)));

export const SignInBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type SignInBody = Static<typeof SignInBody>;

export const FacilityScopeView = Type.Union([
  Type.Object({ all: Type.Literal(true) }),
  Type.Object({ all: Type.Literal(false), ids: Type.Array(Type.String()) }),
]);

export const SessionView = Type.Object({
  user: Type.Object({
    id: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    kind: Type.Union([Type.Literal("state"), Type.Literal("contractor")]),
    levelId: Type.String(),
    levelName: Type.String(),
    rank: Type.Integer(),
    language: Type.String(),
  }),
  permissions: Type.Array(Type.String()),
  facilities: FacilityScopeView,
  csrfToken: Type.String(),
  mustChangePassword: Type.Boolean(),
});
export type SessionView = Static<typeof SessionView>;

export const BannerView = Type.Object({ banner: Type.String() });

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
    newPassword: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const LevelView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  rank: Type.Integer(),
  parentId: Type.Union([Type.String(), Type.Null()]),
  permissions: Type.Array(Type.String()),
  allFacilities: Type.Boolean(),
  createdAt: Timestamp,
});
export type LevelView = Static<typeof LevelView>;

export const LevelBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    rank: Type.Integer({ minimum: 1, maximum: 99 }),
    permissions: Type.Array(PermissionKey, { maxItems: 200 }),
    allFacilities: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type LevelBody = Static<typeof LevelBody>;

export const PermissionCatalogue = Type.Array(Type.Object({ key: Type.String(), kind: Type.String() }));

const Username = Type.String({ minLength: 2, maxLength: 64, pattern: "^[A-Za-z0-9_.@-]+$" });
const Language = Type.Union([Type.Literal("en"), Type.Literal("es")]);
const FacilityIds = Type.Array(Id, { maxItems: 500 });

export const UserView = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  levelId: Type.String(),
  kind: Type.Union([Type.Literal("state"), Type.Literal("contractor")]),
  facilityIds: Type.Array(Type.String()),
  disabled: Type.Boolean(),
  locked: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  passwordChangedAt: Timestamp,
  language: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type UserView = Static<typeof UserView>;

export const NewUserBody = Type.Object(
  {
    username: Username,
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    levelId: Id,
    kind: Type.Union([Type.Literal("state"), Type.Literal("contractor")]),
    facilityIds: FacilityIds,
    password: Type.String({ minLength: 1, maxLength: 256 }),
    language: Type.Optional(Language),
  },
  { additionalProperties: false },
);
export type NewUserBody = Static<typeof NewUserBody>;

export const UserPatchBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    levelId: Type.Optional(Id),
    facilityIds: Type.Optional(FacilityIds),
    disabled: Type.Optional(Type.Boolean()),
    language: Type.Optional(Language),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UserPatchBody = Static<typeof UserPatchBody>;

export const ResetPasswordBody = Type.Object(
  { password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export type ResetPasswordBody = Static<typeof ResetPasswordBody>;

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    entity: Type.Optional(Type.String({ maxLength: 64 })),
    entityId: Type.Optional(Type.String({ maxLength: 64 })),
    outcome: Type.Optional(Type.Union([Type.Literal("success"), Type.Literal("failure"), Type.Literal("denied")])),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    text: Type.Optional(Type.String({ maxLength: 100 })),
    includeArchived: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditEntryView = Type.Object({
  seq: Type.Integer(),
  at: Timestamp,
  actorId: Type.Union([Type.String(), Type.Null()]),
  actorName: Type.String(),
  action: Type.String(),
  entity: Type.String(),
  entityId: Type.Union([Type.String(), Type.Null()]),
  facilityId: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
  ip: Type.Union([Type.String(), Type.Null()]),
  hash: Type.String(),
  archived: Type.Boolean(),
});
export type AuditEntryView = Static<typeof AuditEntryView>;

export const AuditPage = Type.Object({ entries: Type.Array(AuditEntryView), total: Type.Integer() });
export type AuditPage = Static<typeof AuditPage>;

export const AuditVerifyView = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  brokenAt: Type.Optional(Type.Integer()),
});
export type AuditVerifyView = Static<typeof AuditVerifyView>;

export const PasswordPolicyView = Type.Object(
  {
    minLength: Type.Integer({ minimum: 1, maximum: 256 }),
    maxLength: Type.Integer({ minimum: 1, maximum: 256 }),
    requireUpper: Type.Boolean(),
    requireLower: Type.Boolean(),
    requireDigit: Type.Boolean(),
    lifetimeDays: Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()]),
    rejectCommon: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const AccessSettingsView = Type.Object(
  {
    password: PasswordPolicyView,
    lockout: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, maximum: 100 }),
        lockMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
      },
      { additionalProperties: false },
    ),
    sessions: Type.Object(
      {
        allowMultiple: Type.Boolean(),
        idleMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
        absoluteHours: Type.Integer({ minimum: 1, maximum: 168 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AccessSettingsView = Static<typeof AccessSettingsView>;
