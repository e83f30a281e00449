/**
 * Request validation with TypeBox's own compiler instead of fastify's default Ajv setup.
 *
 * Why: the default Ajv options coerce types everywhere, and inside a `Union([Integer, Null])`
 * they turn a JSON `null` into `0` before the route sees it (a "no limit" became "limit 0").
 * Bodies are JSON and are checked exactly as the TypeScript type says; only the parts that
 * arrive as text (query string, path parameters, headers) are converted first, by TypeBox
 * from the same schema. Unknown properties are refused where a schema says so.
 */
import type { TSchema } from "@sinclair/typebox";
import { FormatRegistry } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import type { FastifyInstance } from "fastify";

// RFC 3339 date-time, the only string format the API's schemas use.
const dateTime = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (v) => dateTime.test(v) && !Number.isNaN(Date.parse(v)));
}
if (!FormatRegistry.Has("date")) {
  FormatRegistry.Set("date", (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)));
}

interface ValidationIssue {
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

export function installValidation(app: FastifyInstance): void {
  const cache = new WeakMap<object, TypeCheck<TSchema>>();
  app.setValidatorCompiler(({ schema, httpPart }) => {
    let check = cache.get(schema);
    if (!check) {
      check = TypeCompiler.Compile(schema as TSchema);
      cache.set(schema, check);
    }
    const compiled = check;
    const fromText = httpPart !== "body";
    return (data: unknown) => {
      const value = fromText ? Value.Convert(schema as TSchema, data) : data;
      if (compiled.Check(value)) return { value };
      const issues: ValidationIssue[] = [];
      for (const e of compiled.Errors(value)) {
        // TypeBox reports the missing or unknown property in the path itself.
        issues.push({ instancePath: e.path, message: e.message.toLowerCase(), params: {} });
        if (issues.length >= 10) break;
      }
      return { error: issues as never };
    };
  });
}
