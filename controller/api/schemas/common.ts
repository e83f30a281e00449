/**
 * Schemas shared by every route. Each TypeBox schema is both the JSON schema fastify validates
 * with and, through `Static`, the TypeScript type the UI uses: one schema, two users.
 */
import { type Static, Type } from "@sinclair/typebox";

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "Stable machine-readable code, e.g. validation_failed" }),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: "ErrorBody", description: "Every 4xx and 5xx response has this shape." },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Ids are opaque strings (UUIDs for records this module creates). */
export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.:-]+$" });

export const IdParams = Type.Object({ id: Id });
export type IdParams = Static<typeof IdParams>;

export const Ok = Type.Object({ ok: Type.Boolean() });
export type Ok = Static<typeof Ok>;

/** ISO 8601 timestamp, as every time in the API is written. */
export const Timestamp = Type.String({ format: "date-time" });

export const Page = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});

/** Error responses every authenticated route can give. */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
};
