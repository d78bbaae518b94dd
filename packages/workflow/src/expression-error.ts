/** A failed parse or evaluation; `field` names where in the definition it stands (`steps[1].input.to`). */
export class ExpressionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ExpressionError';
  }
}

/**
 * An evaluation stopped by one of Baton's configured limits rather than by the expression itself:
 * a client asked for too much. `limit` is the configuration variable (`BATON_MAX_RUN_BYTES`, …),
 * also named at the end of the message.
 */
export class LimitExceededError extends ExpressionError {
  constructor(
    field: string,
    message: string,
    readonly limit: string,
  ) {
    super(field, `${message} (${limit})`);
    this.name = 'LimitExceededError';
  }
}
