// In JSON text a NUL is `\u0000` preceded by an even number of backslashes (an odd count escapes the `\`).
const NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;
// A lone UTF-16 surrogate, which `JSON.stringify` writes as an escape (a pair it never escapes).
const UNSTORABLE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/i;

/** Postgres refuses `\u0000` in jsonb and text: the api rejects such input with a 400. */
export function containsNul(value: unknown): boolean {
  const text = JSON.stringify(value);
  return text !== undefined && text.includes('u0000') && new RegExp(NUL.source).test(text);
}

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

export function toJsonbOrNull(value: unknown): string | null {
  return value === undefined ? null : toJsonb(value);
}
