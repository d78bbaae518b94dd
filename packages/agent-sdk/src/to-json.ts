/**
 * The value as it will be stored: a JSON round trip (dates become strings, `undefined` fields
 * vanish), and `undefined` itself becomes null.
 * @throws TypeError for what JSON cannot hold (a BigInt, a cycle).
 */
export function toJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}
