/**
 * One error handler for the whole API. 4xx errors carry a stable code and a message a person
 * can act on; 5xx errors carry only a code and an incident id, the details go to the log.
 */
import { randomUUID } from "node:crypto";
import type { FastifyError, FastifyInstance } from "fastify";
import { AccessError } from "../../access/access-error.ts";
import { ScopeError } from "../../access/principal.ts";
import { DomainError } from "../../domain/errors.ts";
import { ApiError, ErrorCodes, type ErrorDetail } from "../errors.ts";
import type { ErrorBody } from "../schemas/common.ts";

function validationDetails(err: FastifyError): ErrorDetail[] {
  const ctx = err.validationContext ?? "body";
  return (err.validation ?? []).map((v) => {
    const params = v.params as { missingProperty?: string; additionalProperty?: string } | undefined;
    const extra = params?.missingProperty ?? params?.additionalProperty;
    const path = `${ctx}${v.instancePath.replaceAll("/", ".")}${extra ? `.${extra}` : ""}`;
    return { path, message: v.message ?? "is invalid" };
  });
}

const accessStatus: Record<AccessError["code"], number> = {
  forbidden: 403,
  facility_forbidden: 403,
  not_found: 404,
  conflict: 409,
  validation_failed: 400,
  bad_credentials: 401,
  // RFC 4918 §11.3 423 Locked: the account exists but may not sign on for now.
  account_locked: 423,
  password_policy: 400,
};

/**
 * The domain reads an out-of-scope id exactly like a missing one (no existence leak), so a
 * cross-facility request is a 404 here, the same as an id that never existed.
 */
const domainStatus: Record<DomainError["code"], [number, string]> = {
  "not-found": [404, ErrorCodes.notFound],
  invalid: [400, ErrorCodes.validationFailed],
  conflict: [409, ErrorCodes.conflict],
  "rate-above-cap": [422, "rate_above_cap"],
  "import-rejected": [422, "import_rejected"],
};

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ApiError) {
      const body: ErrorBody = { error: { code: err.code, message: err.message } };
      if (err.details) body.error.details = err.details;
      return reply.status(err.statusCode).send(body);
    }
    if (err instanceof AccessError) {
      const status = accessStatus[err.code];
      const body: ErrorBody = { error: { code: err.code, message: err.message } };
      if (err.problems.length) body.error.details = err.problems.map((message) => ({ path: "body.password", message }));
      return reply.status(status).send(body);
    }
    if (err instanceof DomainError) {
      const [status, code] = domainStatus[err.code];
      return reply.status(status).send({ error: { code, message: err.message } });
    }
    if (err instanceof ScopeError) {
      return reply.status(403).send({
        error: { code: ErrorCodes.facilityForbidden, message: `You have no access to facility ${err.facilityId}.` },
      });
    }
    if (err.validation) {
      const details = validationDetails(err);
      const first = details[0];
      const message = first ? `${first.path} ${first.message}` : "The request is invalid.";
      return reply.status(400).send({ error: { code: ErrorCodes.validationFailed, message, details } });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, wrong content type).
      const code =
        status === 413
          ? ErrorCodes.payloadTooLarge
          : status === 404
            ? ErrorCodes.notFound
            : status === 401
              ? ErrorCodes.unauthenticated
              : status === 403
                ? ErrorCodes.forbidden
                : ErrorCodes.validationFailed;
      return reply.status(status).send({ error: { code, message: err.message } });
    }
    const incident = randomUUID();
    request.log.error({ err, incident }, "unhandled error");
    return reply
      .status(Math.max(status, 500))
      .send({ error: { code: ErrorCodes.internal, message: `Internal error (incident ${incident}).` } });
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send({ error: { code: ErrorCodes.notFound, message: `No route ${request.method} ${request.url}.` } });
  });
}
