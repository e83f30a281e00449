/**
 * Request schemas of the domain routes. Bodies reuse the domain's own TypeBox schemas where it
 * has them (one schema from the service to the UI); responses are the domain's row types,
 * which the UI imports as types.
 */
import { type Static, Type } from "@sinclair/typebox";
import { CALL_TYPES } from "../../domain/call-types.ts";
import { CosParamsSchema } from "../../domain/cos.ts";
import { ApprovedNumberSchema, InmatePatchSchema } from "../../domain/inmates.ts";
import { ScheduleWindowSchema } from "../../domain/schedule.ts";
import { Id } from "./common.ts";

export const FacilityQuery = Type.Object({ facilityId: Type.Optional(Id) }, { additionalProperties: false });
export type FacilityQuery = Static<typeof FacilityQuery>;

export const RequiredFacilityQuery = Type.Object({ facilityId: Id }, { additionalProperties: false });
export type RequiredFacilityQuery = Static<typeof RequiredFacilityQuery>;

export const EnabledBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });
export type EnabledBody = Static<typeof EnabledBody>;

export const InmateQuery = Type.Object(
  {
    facilityId: Type.Optional(Id),
    status: Type.Optional(Type.Union([Type.Literal("active"), Type.Literal("suspended"), Type.Literal("released")])),
    name: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type InmateQuery = Static<typeof InmateQuery>;

export const InmatePatchBody = Type.Composite([InmatePatchSchema], { additionalProperties: false, minProperties: 1 });
export type InmatePatchBody = Static<typeof InmatePatchBody>;

export const ApprovedNumbersBody = Type.Array(ApprovedNumberSchema, { maxItems: 100 });
export type ApprovedNumbersBody = Static<typeof ApprovedNumbersBody>;

export const CosParamsBody = Type.Object({ params: CosParamsSchema }, { additionalProperties: false });
export type CosParamsBody = Static<typeof CosParamsBody>;

export const CosAssignBody = Type.Object(
  {
    level: Type.Union([
      Type.Literal("inmate"),
      Type.Literal("housing-unit"),
      Type.Literal("facility"),
      Type.Literal("facility-group"),
    ]),
    id: Id,
    cosId: Type.Union([Id, Type.Null()]),
  },
  { additionalProperties: false },
);
export type CosAssignBody = Static<typeof CosAssignBody>;

export const ScheduleParams = Type.Object({
  kind: Type.Union([Type.Literal("facility"), Type.Literal("phone-bank"), Type.Literal("inmate")]),
  id: Id,
});
export type ScheduleParams = Static<typeof ScheduleParams>;

export const ScheduleBody = Type.Array(ScheduleWindowSchema, { maxItems: 100 });
export type ScheduleBody = Static<typeof ScheduleBody>;

const FacilityOrAgency = Type.Union([Id, Type.Null()], { description: "null: agency-wide" });

export const BlockBody = Type.Object(
  {
    facilityId: FacilityOrAgency,
    kind: Type.Union([Type.Literal("number"), Type.Literal("range"), Type.Literal("pattern")]),
    number: Type.Optional(Type.String({ maxLength: 32 })),
    rangeEnd: Type.Optional(Type.String({ maxLength: 32 })),
    pattern: Type.Optional(Type.String({ maxLength: 64 })),
    category: Type.Union([Type.Literal("general"), Type.Literal("specific")]),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type BlockBody = Static<typeof BlockBody>;

export const BlockQuery = Type.Object(
  {
    facilityId: Type.Optional(Id),
    number: Type.Optional(Type.String({ maxLength: 32 })),
    category: Type.Optional(Type.Union([Type.Literal("general"), Type.Literal("specific")])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type BlockQuery = Static<typeof BlockQuery>;

export const HotBody = Type.Object(
  {
    facilityId: FacilityOrAgency,
    number: Type.String({ minLength: 1, maxLength: 32 }),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
    alertTargets: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
export type HotBody = Static<typeof HotBody>;

export const PrivilegedBody = Type.Object(
  {
    facilityId: FacilityOrAgency,
    number: Type.String({ minLength: 1, maxLength: 32 }),
    kind: Type.Union([
      Type.Literal("attorney"),
      Type.Literal("prea"),
      Type.Literal("ombudsman"),
      Type.Literal("other"),
    ]),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    passiveAcceptance: Type.Optional(Type.Boolean()),
    free: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PrivilegedBody = Static<typeof PrivilegedBody>;

export const ImportQuery = Type.Object(
  {
    facilityId: Type.Optional(Id),
    agencyWide: Type.Optional(Type.Boolean()),
    acceptPartial: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ImportQuery = Static<typeof ImportQuery>;

export const ImportJobView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  state: Type.Union([Type.Literal("running"), Type.Literal("done"), Type.Literal("failed")]),
  phase: Type.Union([Type.Literal("checking"), Type.Literal("writing")]),
  done: Type.Integer(),
  total: Type.Integer(),
  written: Type.Integer(),
  rejected: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })),
  error: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});
export type ImportJobView = Static<typeof ImportJobView>;

export const RateBody = Type.Object(
  {
    facilityId: Id,
    callType: Type.Union(CALL_TYPES.map((c) => Type.Literal(c))),
    effectiveFrom: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
    perMinuteMills: Type.Integer({ minimum: 0, maximum: 100_000, description: "tenths of a cent per minute" }),
    billingIncrementSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
    terminationMills: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  },
  { additionalProperties: false },
);
export type RateBody = Static<typeof RateBody>;

export const CallRecordQuery = Type.Object(
  {
    facilityId: Type.Optional(Id),
    inmateId: Type.Optional(Id),
    stationId: Type.Optional(Id),
    destination: Type.Optional(Type.String({ maxLength: 32 })),
    status: Type.Optional(
      Type.Union([Type.Literal("in-progress"), Type.Literal("completed"), Type.Literal("not-completed")]),
    ),
    callType: Type.Optional(Type.Union(CALL_TYPES.map((c) => Type.Literal(c)))),
    alertOnly: Type.Optional(Type.Boolean()),
    from: Type.Optional(Type.String({ format: "date-time" })),
    to: Type.Optional(Type.String({ format: "date-time" })),
    minDurationSec: Type.Optional(Type.Integer({ minimum: 0 })),
    maxDurationSec: Type.Optional(Type.Integer({ minimum: 0 })),
    inmateName: Type.Optional(Type.String({ maxLength: 100 })),
    recordedOnly: Type.Optional(Type.Boolean()),
    beforeStartedAt: Type.Optional(Type.Integer({ minimum: 0 })),
    beforeId: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type CallRecordQuery = Static<typeof CallRecordQuery>;

export const TerminateGroupBody = Type.Object(
  {
    facilityId: Id,
    housingUnitId: Type.Optional(Id),
    phoneBankId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type TerminateGroupBody = Static<typeof TerminateGroupBody>;

export const ExportBody = Type.Object(
  {
    facilityId: Type.Optional(Id),
    from: Type.Optional(Type.String({ format: "date-time" })),
    to: Type.Optional(Type.String({ format: "date-time" })),
  },
  { additionalProperties: false },
);
export type ExportBody = Static<typeof ExportBody>;

export const ExportJobView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  state: Type.Union([Type.Literal("running"), Type.Literal("done"), Type.Literal("failed")]),
  done: Type.Integer(),
  total: Type.Integer(),
  error: Type.Union([Type.String(), Type.Null()]),
  fileName: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});
export type ExportJobView = Static<typeof ExportJobView>;
