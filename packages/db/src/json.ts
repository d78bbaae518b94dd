// In JSON text a NUL is `\u0000` preceded by an even number of backslashes (an odd count escapes the `\`).
const NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** Postgres refuses `\u0000` in jsonb and text: the api rejects such input with a 400. */
export function containsNul(value: unknown): boolean {
  const text = JSON.stringify(value);
  return text !== undefined && text.includes('u0000') && new RegExp(NUL.source).test(text);
}

/** Serialises for a jsonb parameter, replacing `\u0000` with U+FFFD so a write never fails on an agent's output. */
export function toJsonb(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.includes('u0000') ? text.replace(NUL, '$1\\ufffd') : text;
}

export function toJsonbOrNull(value: unknown): string | null {
  return value === undefined ? null : toJsonb(value);
}
