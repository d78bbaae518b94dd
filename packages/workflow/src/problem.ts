/**
 * One thing wrong with a definition or an input. `path` says where, in the form
 * `steps[2].needs[0]`, `steps[0].input.to`, `name` or `input.ticket.body`; `''` is the whole document.
 */
export interface Problem {
  path: string;
  message: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** Appends one segment to a path: `[2]` for an index, `.key` for a plain key, `["a.b"]` otherwise. */
export function joinPath(base: string, segment: string | number): string {
  if (typeof segment === 'number') return `${base}[${segment}]`;
  if (!IDENTIFIER.test(segment)) return `${base}[${JSON.stringify(segment)}]`;
  return base === '' ? segment : `${base}.${segment}`;
}

/** `['steps', 2, 'needs', 0]` → `steps[2].needs[0]`. */
export function formatPath(segments: readonly (string | number)[], base = ''): string {
  return segments.reduce<string>(joinPath, base);
}
