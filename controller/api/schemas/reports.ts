/**
 * What a report answers. Each report's query schema lives beside the report
 * (controller/api/reports/); the UI imports both as types.
 */
import { type Static, Type } from "@sinclair/typebox";

export const ReportColumnSchema = Type.Object({
  key: Type.String(),
  label: Type.String(),
  kind: Type.Union([
    Type.Literal("text"),
    Type.Literal("count"),
    Type.Literal("seconds"),
    Type.Literal("minutes"),
    Type.Literal("money"),
    Type.Literal("percent"),
    Type.Literal("rate"),
  ]),
});

export const ReportResult = Type.Object({
  report: Type.String(),
  title: Type.String(),
  /**
   * What every printed report carries (Reporting Tools): the time it was made, the terminal
   * (the client address) and user that asked, the search criteria, the facilities covered.
   */
  generatedAt: Type.String({ format: "date-time" }),
  generatedBy: Type.String(),
  terminal: Type.String(),
  criteria: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  facilities: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), timeZone: Type.String() })),
  columns: Type.Array(ReportColumnSchema),
  rows: Type.Array(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Null()]))),
  /** Row indexes of subtotal lines (left out of the totals). */
  subtotalRows: Type.Array(Type.Integer()),
  /** Column totals of the money, count, seconds and minutes columns. */
  totals: Type.Record(Type.String(), Type.Number()),
  /** "A total count of inmate/wards" when the report is about inmates. */
  inmateCount: Type.Union([Type.Integer(), Type.Null()]),
  truncated: Type.Boolean(),
});
export type ReportResult = Static<typeof ReportResult>;

export const ReportInfo = Type.Object({
  id: Type.String(),
  title: Type.String(),
  spec: Type.Union([Type.String(), Type.Null()]),
  permission: Type.String(),
  /** The column keys a saved layout may choose and sort by. */
  columns: Type.Array(Type.String()),
});
export type ReportInfo = Static<typeof ReportInfo>;
