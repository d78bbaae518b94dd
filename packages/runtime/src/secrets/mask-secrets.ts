/** What a secret's value is replaced with in a stored output, an error or a log line. */
export const MASK = '***';

/** The values to mask, longest first (so that one holding another is masked whole), none empty. */
export function maskable(values: Iterable<string>): string[] {
  return [...new Set(values)].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each of `values` (from {@link maskable}) replaced by `***`. */
export function maskText(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join(MASK);
  return out;
}

/** A JSON value with every secret value in its strings and keys masked; the value itself when none is there. */
export function maskSecrets(value: unknown, values: readonly string[]): unknown {
  if (values.length === 0) return value;
  if (typeof value === 'string') return maskText(value, values);
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, values));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Defined, not assigned: a key `__proto__` is data.
      Object.defineProperty(out, maskText(k, values), { value: maskSecrets(v, values), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
