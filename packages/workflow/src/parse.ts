import { parseDocument } from 'yaml';
import type { Problem } from './problem';

export type ParseResult = { ok: true; definition: unknown } | { ok: false; problems: Problem[] };

/**
 * Reads a workflow written as JSON or YAML (1.2; anchors are limited, duplicate keys refused).
 * A value that is not a string is taken as already parsed. The result is not yet validated:
 * pass it to `validate`.
 */
export function parseWorkflow(source: unknown): ParseResult {
  if (typeof source !== 'string') return { ok: true, definition: source };
  try {
    return { ok: true, definition: JSON.parse(source) };
  } catch {
    // Not JSON: read it as YAML, which also accepts JSON with comments or trailing commas.
  }
  const doc = parseDocument(source);
  if (doc.errors.length > 0) {
    // Keep the first line of each message ("… at line 2, column 1"), not the source excerpt.
    return { ok: false, problems: doc.errors.map((e) => ({ path: '', message: `not valid JSON or YAML: ${e.message.replace(/:?\n[\s\S]*$/, '')}` })) };
  }
  try {
    return { ok: true, definition: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `not valid YAML: ${(err as Error).message}` }] };
  }
}
