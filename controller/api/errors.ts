/**
 * Errors the API returns, each with a stable machine-readable code. Routes and services throw
 * `ApiError`; the error handler turns it into a 4xx body. Anything else is a 500 whose details
 * stay in the log (Data Security: "This data is considered 'sensitive'").
 */
export const ErrorCodes = {
  validationFailed: "validation_failed",
  unauthenticated: "unauthenticated",
  forbidden: "forbidden",
  facilityForbidden: "facility_forbidden",
  csrfFailed: "csrf_failed",
  notFound: "not_found",
  conflict: "conflict",
  badCredentials: "bad_credentials",
  accountLocked: "account_locked",
  passwordExpired: "password_expired",
  passwordPolicy: "password_policy",
  sessionLimit: "session_limit",
  payloadTooLarge: "payload_too_large",
  internal: "internal",
  unavailable: "unavailable",
  /** Live monitoring: a privileged call (never monitored) and a station that cannot be called. */
  callNotMonitorable: "call_not_monitorable",
  stationUnavailable: "station_unavailable",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;

  constructor(statusCode: number, code: ErrorCode, message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = "ApiError";
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (message: string, details?: ErrorDetail[]) =>
  new ApiError(400, ErrorCodes.validationFailed, message, details);
export const unauthenticated = (message = "Sign in first.") => new ApiError(401, ErrorCodes.unauthenticated, message);
export const forbidden = (message = "Your access level does not allow this.") =>
  new ApiError(403, ErrorCodes.forbidden, message);
export const facilityForbidden = (facilityId: string) =>
  new ApiError(403, ErrorCodes.facilityForbidden, `You have no access to facility ${facilityId}.`);
export const notFound = (what: string) => new ApiError(404, ErrorCodes.notFound, `${what} not found.`);
export const conflict = (message: string) => new ApiError(409, ErrorCodes.conflict, message);
