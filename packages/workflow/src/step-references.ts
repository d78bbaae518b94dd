import jsonata from 'jsonata';
import { BoundedCache } from './bounded-cache';

/**
 * What an expression reads of `$steps`: `step` for `$steps.<id>…` (backquoted ids included), and
 * `hyphen` for `$steps.queue-low…`, which JSONata reads as `$steps.queue - low…`.
 */
export type StepReference = { kind: 'step'; id: string } | { kind: 'hyphen'; id: string };

interface AstNode {
  type?: string;
  value?: unknown;
  /** Where the token ends in the text parsed. */
  position?: number;
  steps?: AstNode[];
}

const cache = new BoundedCache<StepReference[]>(20_000);

/**
 * Records the references of a source just parsed (by `syntaxErrors`), so they cost no second
 * parse. `text` is what was parsed, the source or a batch holding it: positions are into it.
 */
export function noteReferences(source: string, ast: unknown, text: string = source): void {
  if (source.includes('$steps')) cache.set(source, referencesIn(ast as AstNode, text));
}

/**
 * The `$steps` references of each source, found in JSONata's syntax tree (so strings, comments and
 * backquoted names are told apart from code). Sources that do not parse have none: their syntax
 * is reported elsewhere. Most were recorded when their syntax was checked; others are parsed here.
 */
export function stepReferences(sources: Iterable<string>): Map<string, StepReference[]> {
  const out = new Map<string, StepReference[]>();
  for (const source of sources) {
    if (out.has(source)) continue;
    let refs = source.includes('$steps') ? cache.get(source) : [];
    if (refs === undefined) {
      refs = referencesIn(parse(source), source);
      cache.set(source, refs);
    }
    out.set(source, refs);
  }
  return out;
}

function parse(source: string): AstNode {
  try {
    return jsonata(source).ast() as AstNode;
  } catch {
    return {};
  }
}

const ID_TAIL = /^[a-z0-9_-]+/;

/** `$steps.<id>` as a path: the variable `steps` followed by a name; a `-` right after a bare name continues the id. */
function referenceOf(node: AstNode, text: string): StepReference | undefined {
  const [first, second] = node.type === 'path' ? node.steps! : [];
  if (first?.type !== 'variable' || first.value !== 'steps' || second?.type !== 'name') return undefined;
  const id = second.value as string;
  const end = second.position!;
  if (text[end] !== '-' || text[end - 1] === '`') return { kind: 'step', id };
  return { kind: 'hyphen', id: id + ID_TAIL.exec(text.slice(end))![0] };
}

function referencesIn(ast: AstNode, text: string): StepReference[] {
  const refs: StepReference[] = [];
  const seen = new Set<unknown>();
  const pending: unknown[] = [ast];
  while (pending.length > 0) {
    const node = pending.pop() as AstNode | null;
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    const ref = referenceOf(node, text);
    if (ref) refs.push(ref);
    pending.push(...Object.values(node));
  }
  return refs;
}
