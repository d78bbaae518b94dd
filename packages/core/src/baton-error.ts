import type { ErrorCode } from './error-code';

/** One problem; `path` says where (`workflow.steps[2].needs[0]`, `input.ticket`, `Idempotency-Key`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * Baton's one error family: a stable {@link ErrorCode} (mapped to HTTP by `httpStatusOf`), a
 * message for people, the problems in `details`, and the error that caused it in `cause`.
 * Defined once, here, so `instanceof` never meets a second copy.
 */
export class BatonError extends Error {
  readonly details: readonly ErrorDetail[];

  constructor(
    readonly code: ErrorCode,
    message: string,
    details: readonly ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}
