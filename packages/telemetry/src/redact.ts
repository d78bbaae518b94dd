/** What stands in for a secret. */
export const REDACTED = '[redacted]';

// A field is secret by its name, compared without case, `-`, `_` or `.`: `authorization`,
// `x-api-key`, `apiKey`, `password`, `client_secret`, `refreshToken`, `set-cookie`, `key`, …
const SECRET_NAME = /^(key|.*(password|passwd|passphrase|secret|token|authorization|apikey|privatekey|accesskey|cookie|credentials?))$/;
const isSecretName = (name: string): boolean => SECRET_NAME.test(name.toLowerCase().replace(/[-_.]/g, ''));

// Secrets inside text (an error message, a URL): Baton API keys keep their public id, JWTs and
// bearer credentials go whole.
const API_KEY = /\bbk_([A-Za-z0-9]+)_[A-Za-z0-9_-]+/g;
const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;

/** `text` with the API keys, JWTs and bearer credentials in it replaced. */
export function redactText(text: string): string {
  // Most lines hold none: three substring checks are cheaper than three regex replaces.
  if (!text.includes('bk_') && !text.includes('eyJ') && !/earer|asic/i.test(text)) return text;
  return text.replace(API_KEY, `bk_$1_${REDACTED}`).replace(JWT, REDACTED).replace(BEARER, `$1 ${REDACTED}`);
}

/**
 * `value` with secrets replaced, for a log line: the values of secret-named fields (at any depth)
 * and secret-looking text (see {@link redactText}). Objects and arrays are copied, never changed.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) ? REDACTED : redact(v, depth + 1);
  return out;
}
