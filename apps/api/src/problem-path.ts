/** `['steps', 2, 'needs', 0]` → `steps[2].needs[0]`; an empty path is `''`. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  return segments.reduce<string>((out, s) => (typeof s === 'number' ? `${out}[${s}]` : out ? `${out}.${s}` : s), '');
}

/** Puts a problem's path under a field of the request: (`workflow`, `steps[2]`) → `workflow.steps[2]`. */
export function underField(field: string, path: string): string {
  if (path === '' || path === '/') return field;
  return path.startsWith('[') ? `${field}${path}` : `${field}.${path}`;
}
