/**
 * `$secrets.NAME` in a step input. The engine never sees a secret: it evaluates `$secrets.NAME` to
 * the marker `«secret:NAME»`, a plain string that survives interpolation into text, and the
 * worker replaces each marker with the value just before the agent runs. This module is that
 * contract, shared by both sides.
 */

/** What a secret's name must look like (API.md `PUT /v1/secrets/:name`). */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The marker standing for secret `name` in an evaluated input. */
export const secretMarker = (name: string): string => `«secret:${name}»`;

const MARKERS = /«secret:([A-Za-z_][A-Za-z0-9_]{0,127})»/g;

/** Every string of a JSON value (values, not keys), depth first. */
function* stringsOf(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const item of value) yield* stringsOf(item);
  else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) yield* stringsOf(item);
}

/** The names of the secret markers in the strings of `value`. */
export function secretMarkersIn(value: unknown): Set<string> {
  const names = new Set<string>();
  for (const text of stringsOf(value)) {
    if (!text.includes('«secret:')) continue;
    for (const match of text.matchAll(MARKERS)) names.add(match[1]!);
  }
  return names;
}

/** `value` with the markers of the secrets in `values` replaced by their values; other markers stay. */
export function replaceSecretMarkers(value: unknown, values: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    if (!value.includes('«secret:')) return value;
    return value.replace(MARKERS, (marker, name: string) => values.get(name) ?? marker);
  }
  if (Array.isArray(value)) return value.map((item) => replaceSecretMarkers(item, values));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Defined, not assigned: a key `__proto__` is data.
      Object.defineProperty(out, k, { value: replaceSecretMarkers(v, values), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Every `$secrets` of an expression, with the name after it when it is `$secrets.NAME`. */
const REFERENCES = /\$secrets\b(?:\.([A-Za-z_][A-Za-z0-9_]*))?/g;

/**
 * The secret names an expression reads, or the problem when it uses `$secrets` other than as
 * `$secrets.NAME` (the engine knows no names, only markers for those it is told).
 */
export function secretReferences(source: string): { names: string[] } | { problem: string } {
  const names: string[] = [];
  for (const match of source.matchAll(REFERENCES)) {
    const name = match[1];
    if (name === undefined || !SECRET_NAME.test(name)) {
      return { problem: '$secrets must be used as $secrets.NAME, NAME being 1-128 letters, digits or _ (not starting with a digit)' };
    }
    names.push(name);
  }
  return { names };
}
