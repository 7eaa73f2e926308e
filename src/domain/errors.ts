/** Every failure changegate expects has one of these codes; each maps to one HTTP status and one CLI exit code. */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'illegal_transition'
  | 'conflict'
  | 'separation_of_duties'
  | 'idempotency_conflict'
  | 'payload_too_large'
  | 'unauthenticated'
  | 'forbidden'
  | 'awaiting_approval'
  | 'deployment_failed'
  | 'unavailable'
  | 'internal';

export interface ErrorDetail {
  field?: string;
  validValues?: readonly string[];
  [key: string]: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail;

  constructor(code: ErrorCode, message: string, details: ErrorDetail = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

const httpStatus: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  illegal_transition: 409,
  conflict: 409,
  separation_of_duties: 403,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unauthenticated: 401,
  forbidden: 403,
  awaiting_approval: 409,
  deployment_failed: 500,
  unavailable: 503,
  internal: 500,
};

/** CLI exit codes of DESIGN.md §6: 1 unexpected, 2 invalid input, 3 awaiting approval, 4 deployment failed. */
const exitCode: Record<ErrorCode, number> = {
  invalid_input: 2,
  not_found: 2,
  illegal_transition: 2,
  conflict: 2,
  separation_of_duties: 2,
  idempotency_conflict: 2,
  payload_too_large: 2,
  unauthenticated: 2,
  forbidden: 2,
  awaiting_approval: 3,
  deployment_failed: 4,
  unavailable: 1,
  internal: 1,
};

export function httpStatusOf(code: ErrorCode): number {
  return httpStatus[code];
}

export function exitCodeOf(code: ErrorCode): number {
  return exitCode[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && value in httpStatus;
}

/** An `invalid_input` error for an enum field, listing the values that would have been accepted. */
export function invalidEnum(field: string, value: unknown, valid: readonly string[]): AppError {
  return new AppError(
    'invalid_input',
    `${field}: '${String(value)}' is not valid; use one of: ${valid.join(', ')}`,
    { field, validValues: valid },
  );
}

export function invalidField(field: string, message: string): AppError {
  return new AppError('invalid_input', `${field}: ${message}`, { field });
}

export function notFound(entity: string, ref: string): AppError {
  return new AppError('not_found', `${entity} '${ref}' was not found`, { entity, ref });
}
