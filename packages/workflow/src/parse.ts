import { isAlias, isMap, isPair, isSeq, parseDocument, type Document } from 'yaml';
import type { Problem } from './problem';

export type ParseResult = { ok: true; definition: unknown } | { ok: false; problems: Problem[] };

export interface ParseOptions {
  /**
   * Most nodes a YAML document may hold once its aliases are expanded (`BATON_MAX_YAML_NODES`): 99
   * aliases to a list of 40,000 items are 4 million nodes, written in 520 KB.
   * @defaultValue DEFAULT_MAX_YAML_NODES
   */
  maxYamlNodes?: number;
}

/** Far more than a workflow of 1,000 steps needs; about what 1 MB of YAML holds without aliases. */
export const DEFAULT_MAX_YAML_NODES = 200_000;

/** The configuration variable behind `maxYamlNodes`, named in its error. */
const YAML_NODES_LIMIT = 'BATON_MAX_YAML_NODES';

/**
 * Reads a workflow written as JSON or YAML (1.2; anchors are limited, duplicate keys refused).
 * A value that is not a string is taken as already parsed. The result is not yet validated:
 * pass it to `validate`.
 */
export function parseWorkflow(source: unknown, options: ParseOptions = {}): ParseResult {
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
  const maxNodes = options.maxYamlNodes ?? DEFAULT_MAX_YAML_NODES;
  const nodes = expandedNodes(doc, maxNodes);
  if (nodes > maxNodes) {
    const message = nodes === Infinity ? 'an alias refers to a node that contains it' : `more than ${maxNodes} nodes once its aliases are expanded (${YAML_NODES_LIMIT})`;
    return { ok: false, problems: [{ path: '', message: `not valid YAML: ${message}` }] };
  }
  try {
    return { ok: true, definition: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    return { ok: false, problems: [{ path: '', message: `not valid YAML: ${(err as Error).message}` }] };
  }
}

/**
 * The nodes of a document with every alias expanded, counted without expanding anything: an
 * anchored node's count is kept for its aliases (an alias always follows its anchor, so that node
 * is counted already, or it contains the alias: Infinity). Stops counting once past `max`.
 */
function expandedNodes(doc: Document, max: number): number {
  // Counts of anchored nodes done; one still being counted is absent.
  const anchored = new Map<unknown, number>();
  const count = (node: unknown): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      // An unresolved alias is left for toJS to report.
      return target === undefined ? 1 : (anchored.get(target) ?? Infinity);
    }
    if (isPair(node)) return count(node.key) + count(node.value);
    let n = 1;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items) {
        n += count(item);
        if (n > max) return n;
      }
    }
    if ((node as { anchor?: string } | null)?.anchor) anchored.set(node, n);
    return n;
  };
  return count(doc.contents);
}
