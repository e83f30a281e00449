/**
 * Saved report layouts as the API takes and answers them; the UI imports the same types.
 */
import { type Static, Type } from "@sinclair/typebox";
import { Id } from "./common.ts";

const ColumnKey = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_-]+$" });

export const SortKeySchema = Type.Object(
  { key: ColumnKey, dir: Type.Union([Type.Literal("asc"), Type.Literal("desc")]) },
  { additionalProperties: false },
);

export const SavedReportBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    category: Type.String({ minLength: 1, maxLength: 100 }),
    baseReport: Id,
    /** null: a Central Office report offered at every facility (Central Office users only). */
    facilityId: Type.Union([Id, Type.Null()]),
    columns: Type.Array(ColumnKey, { minItems: 1, maxItems: 40 }),
    sort: Type.Array(SortKeySchema, { maxItems: 5 }),
    criteria: Type.Record(
      Type.String({ maxLength: 64 }),
      Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()]),
    ),
    /** Covers the last N whole days (facility time) instead of the criteria's from/to. */
    periodDays: Type.Union([Type.Integer({ minimum: 1, maximum: 366 }), Type.Null()]),
    /** Access levels it is offered to (Central Office only); empty: all with the report's permission. */
    levelIds: Type.Array(Id, { maxItems: 50 }),
    scheduleTime: Type.Union([Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" }), Type.Null()]),
    scheduleDays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { maxItems: 7 }),
    emailTo: Type.Array(Type.String({ minLength: 3, maxLength: 254, pattern: "^[^@\\s,;]+@[^@\\s,;]+$" }), {
      maxItems: 20,
    }),
  },
  { additionalProperties: false },
);
export type SavedReportBody = Static<typeof SavedReportBody>;

export const SavedReportInfo = Type.Composite([
  SavedReportBody,
  Type.Object({
    id: Type.String(),
    /** The base report's title, for the menu. */
    baseTitle: Type.String(),
    lastSentAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    createdBy: Type.String(),
    updatedAt: Type.String({ format: "date-time" }),
    updatedBy: Type.String(),
    /** The caller may change or delete it. */
    editable: Type.Boolean(),
  }),
]);
export type SavedReportInfo = Static<typeof SavedReportInfo>;

/** A saved report's run: any of the base report's criteria, overriding the saved ones. */
export const SavedRunQuery = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 2000 }));
