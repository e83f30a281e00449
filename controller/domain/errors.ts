/** Errors the domain services raise, with stable codes the HTTP layer maps to statuses. */
export type DomainErrorCode = "not-found" | "invalid" | "conflict" | "rate-above-cap" | "import-rejected";

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly details: unknown;

  constructor(code: DomainErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.details = details;
  }
}

export function invalid(message: string, details?: unknown): DomainError {
  return new DomainError("invalid", message, details);
}

export function notFound(what: string): DomainError {
  return new DomainError("not-found", `${what} not found`);
}
