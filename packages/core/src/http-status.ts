import type { ErrorCode } from './error-code';

/**
 * The HTTP status of every error code (API.md, Errors): the only place a code becomes a status.
 * Typed as a `Record` over the closed union, so a code missing here, or one here that is not a
 * code, is a compile error rather than a silent 500.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  BULK_OPERATION_NOT_FOUND: 404,
  TEMPLATE_NOT_FOUND: 404,
  PAYLOAD_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  SECRET_NOT_FOUND: 404,
  SIGNAL_NOT_FOUND: 404,
  AGENT_NOT_FOUND: 404,
  STEP_NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  IDEMPOTENCY_CONFLICT: 409,
  RUN_FINISHED: 409,
  RUN_NOT_FAILED: 409,
  RUN_NOT_FINISHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  NOT_CONFIGURED: 501,
  UNAVAILABLE: 503,
});

/** True for a string that is one of the codes (e.g. a code read back from JSON). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(HTTP_STATUS_BY_CODE, value);
}

/** The HTTP status of a code. */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS_BY_CODE[code];
}
