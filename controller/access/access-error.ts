/** Why an access operation was refused; the API maps each code to an HTTP status. */
export type AccessErrorCode =
  | "forbidden"
  | "facility_forbidden"
  | "not_found"
  | "conflict"
  | "validation_failed"
  | "bad_credentials"
  | "account_locked"
  | "password_policy";

export class AccessError extends Error {
  readonly code: AccessErrorCode;
  readonly problems: string[];

  constructor(code: AccessErrorCode, message: string, problems: string[] = []) {
    super(message);
    this.name = "AccessError";
    this.code = code;
    this.problems = problems;
  }
}
