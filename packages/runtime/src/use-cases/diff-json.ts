/** One difference between two JSON values, at a path written as problems' paths are (`steps[1].input.text`). */
export type JsonChange =
  | { op: 'added'; path: string; value: unknown }
  | { op: 'removed'; path: string; value: unknown }
  | { op: 'changed'; path: string; from: unknown; to: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
const key = (at: string, k: string) => (IDENTIFIER.test(k) ? (at === '' ? k : `${at}.${k}`) : `${at}[${JSON.stringify(k)}]`);

/**
 * The structural differences from `a` to `b`: objects are compared key by key (removals and
 * changes first, then additions, each in key order), arrays index by
 * index (an item inserted in the middle shows as changes after it and one addition at the end, as
 * `git diff` of the YAML would not, but every path is exact); anything else by value.
 */
export function diffJson(a: unknown, b: unknown, at = ''): JsonChange[] {
  if (isObject(a) && isObject(b)) {
    const changes: JsonChange[] = [];
    // Keys in sorted order: stored definitions (jsonb) do not keep the order they were written in.
    for (const k of Object.keys(a).sort()) {
      if (!Object.hasOwn(b, k)) changes.push({ op: 'removed', path: key(at, k), value: a[k] });
      else changes.push(...diffJson(a[k], b[k], key(at, k)));
    }
    for (const k of Object.keys(b).sort()) if (!Object.hasOwn(a, k)) changes.push({ op: 'added', path: key(at, k), value: b[k] });
    return changes;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const changes: JsonChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= b.length) changes.push({ op: 'removed', path: `${at}[${i}]`, value: a[i] });
      else if (i >= a.length) changes.push({ op: 'added', path: `${at}[${i}]`, value: b[i] });
      else changes.push(...diffJson(a[i], b[i], `${at}[${i}]`));
    }
    return changes;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ op: 'changed', path: at, from: a, to: b }];
}
