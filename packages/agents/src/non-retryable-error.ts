const BRAND = Symbol.for('baton.agents.NonRetryableError');

/**
 * Throw it from an agent when trying again cannot help (bad credentials, a 4xx, a malformed
 * expression): the step fails at once instead of using its remaining attempts.
 */
export class NonRetryableError extends Error {
  readonly [BRAND] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }

  /** Also true for one thrown by another copy of this package. */
  static is(error: unknown): error is NonRetryableError {
    return error instanceof NonRetryableError || (typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true);
  }
}
