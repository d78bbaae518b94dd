/** One problem of a 400: where (`steps[2].needs[0]`, `input.text`, `Content-Type`) and what. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * Every failure of a {@link BatonClient} call: an error answer of the api (its `status` and the
 * `code`, `message` and `details` of its body), or no answer at all (`status` 0, `code`
 * `UNREACHABLE`, the network error as `cause`). An aborted call rejects with the signal's reason
 * instead.
 */
export class BatonApiError extends Error {
  /** The HTTP status; 0 when the api could not be reached. */
  readonly status: number;
  /** The api's machine code (`VALIDATION_FAILED`, `RUN_NOT_FOUND`, `RATE_LIMITED`, …); `HTTP_<status>` for an answer without Baton's error shape. */
  readonly code: string;
  /** Every problem, for a 400; otherwise usually empty. */
  readonly details: ErrorDetail[];
  /** `X-Request-Id` of the answer, to find it in the api's logs. */
  readonly requestId?: string;
  /** Seconds to wait before trying again, from `Retry-After` (429, 503). */
  readonly retryAfter?: number;

  constructor(init: { status: number; code: string; message: string; details?: ErrorDetail[]; requestId?: string; retryAfter?: number; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'BatonApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
  }
}

const isDetail = (d: unknown): d is ErrorDetail =>
  typeof d === 'object' && d !== null && typeof (d as ErrorDetail).path === 'string' && typeof (d as ErrorDetail).message === 'string';

/** The error of a response that is not ok, from its body as text. */
export function errorOf(response: Response, text: string): BatonApiError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const retry = Number(response.headers.get('retry-after') ?? NaN);
  return new BatonApiError({
    status: response.status,
    code: typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
    message: typeof error?.message === 'string' ? error.message : `${response.status} ${response.statusText}`.trim(),
    details: Array.isArray(error?.details) ? error.details.filter(isDetail) : [],
    requestId: response.headers.get('x-request-id') ?? undefined,
    retryAfter: Number.isFinite(retry) ? retry : undefined,
  });
}
