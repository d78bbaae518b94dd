const BRAND = Symbol.for('baton.agents.NonRetryableError');

/** The step error code of a {@link NonRetryableError} given none: the same as any error an agent throws. */
export const AGENT_ERROR = 'AGENT_ERROR';

/** What a step error code looks like: upper case, digits and underscores. */
export const STEP_ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * Throw it from an agent when trying again cannot help (bad credentials, a 4xx, a malformed
 * expression): the step fails at once instead of using its remaining attempts. `code` becomes the
 * failed step's `error.code`, so clients can tell failures apart (`BAD_CREDENTIALS`, `NOT_FOUND`).
 */
export class NonRetryableError extends Error {
  readonly [BRAND] = true;
  /** The step error's code. @defaultValue {@link AGENT_ERROR} */
  readonly code: string;

  /** @throws RangeError when `code` does not match {@link STEP_ERROR_CODE}. */
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    const code = options?.code ?? AGENT_ERROR;
    if (!STEP_ERROR_CODE.test(code)) throw new RangeError(`invalid step error code ${JSON.stringify(code)}: must match ${STEP_ERROR_CODE.source}`);
    this.name = 'NonRetryableError';
    this.code = code;
  }

  /** Also true for one thrown by another copy of this package. */
  static is(error: unknown): error is NonRetryableError {
    return error instanceof NonRetryableError || (typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true);
  }

  /** The step error code of what an agent threw: a NonRetryableError's own, else {@link AGENT_ERROR}. */
  static codeOf(error: unknown): string {
    if (!NonRetryableError.is(error)) return AGENT_ERROR;
    // One from another (older) copy may have no code, or any value in it.
    const code: unknown = (error as { code?: unknown }).code;
    return typeof code === 'string' && STEP_ERROR_CODE.test(code) ? code : AGENT_ERROR;
  }
}
