// A NUL or a lone UTF-16 surrogate, as `JSON.stringify` writes them: an escape after an even number of backslashes.
const UNSTORABLE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/i;

/**
 * A value Postgres cannot store as jsonb: it holds a NUL or a lone UTF-16 surrogate. Callers check
 * values where they come in (the api, the worker, expressions) and refuse them with a reason; this
 * is the last line, so that nothing is ever stored changed.
 */
export class UnstorableValueError extends Error {
  readonly code = 'VALUE_NOT_STORABLE';
  constructor() {
    super('a value holds \\u0000 or a lone UTF-16 surrogate, which Postgres cannot store');
    this.name = 'UnstorableValueError';
  }
}

/**
 * Serialises for a jsonb parameter.
 * @throws UnstorableValueError when the value holds a NUL or a lone surrogate (never replaced).
 */
export function toJsonb(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  if ((text.includes('\\u0000') || text.includes('\\ud')) && UNSTORABLE.test(text)) throw new UnstorableValueError();
  return text;
}
