/**
 * Every code a {@link BatonError} may carry: a closed list, so that a code without an HTTP status
 * does not compile (see `HTTP_STATUS_BY_CODE`). Codes are stable: clients match on them.
 *
 * A new code goes here AND in `http-status.ts`; the compiler refuses one without the other.
 */
export type ErrorCode =
  // 400: the request is wrong; `details` names every problem with its path.
  | 'VALIDATION_FAILED'
  | 'INVALID_JSON'
  | 'BAD_REQUEST'
  // 401: no or bad credentials.
  | 'UNAUTHENTICATED'
  // 403: authenticated, but not allowed.
  | 'FORBIDDEN'
  // 404: no such route or resource (another tenant's resource is a 404 too).
  | 'NOT_FOUND'
  | 'RUN_NOT_FOUND'
  | 'TEMPLATE_NOT_FOUND'
  | 'PAYLOAD_NOT_FOUND'
  | 'API_KEY_NOT_FOUND'
  | 'SECRET_NOT_FOUND'
  | 'SIGNAL_NOT_FOUND'
  | 'BULK_OPERATION_NOT_FOUND'
  | 'AGENT_NOT_FOUND'
  | 'STEP_NOT_FOUND'
  // 408: the request did not arrive in time.
  | 'REQUEST_TIMEOUT'
  // 409: the resource is not in a state that allows it.
  | 'IDEMPOTENCY_CONFLICT'
  | 'RUN_FINISHED'
  | 'RUN_NOT_FAILED'
  | 'RUN_NOT_FINISHED'
  // 413, 415: the body itself.
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  // 429: rate limited.
  | 'RATE_LIMITED'
  // 431: the request's headers are too large.
  | 'HEADERS_TOO_LARGE'
  // 500: a bug; its message is never shown to clients.
  | 'INTERNAL'
  // 501: this deployment has the feature off (e.g. API keys without BATON_KEY_PEPPER).
  | 'NOT_CONFIGURED'
  // 503: Redis or Postgres is down; try again.
  | 'UNAVAILABLE';
