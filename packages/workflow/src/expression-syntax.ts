import jsonata from 'jsonata';
import { BoundedCache } from './bounded-cache';
import { regExpProblem } from './linear-regexp';
import { skipQuoted } from './split-template';
import { noteReferences } from './step-references';

/** Sources known to parse. Only strings are kept, so it can hold many. */
const known = new BoundedCache<true>(20_000);

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** A JSONata error (or any other) as one line: its message, and where when JSONata says. */
export function describeError(err: unknown): string {
  const e = err as { message: string; position?: number };
  return e.position === undefined ? e.message : `${e.message} (at character ${e.position})`;
}

/**
 * Which of `sources` do not parse as JSONata, with why.
 *
 * JSONata's parser spends ~30 µs on every call before it reads a character (it builds its symbol
 * table afresh), which made parsing dominate validation. So the sources that cannot interact with
 * their neighbours (see `selfContained`) are parsed together, as the one expression
 * `[(a),(b),…]`; only when that fails, or for the others, is each parsed alone. A self-contained
 * source is tokenised the same inside `( … )` as alone, and the block around it takes exactly
 * one expression, so the batch parses exactly when each of them does.
 */
export function syntaxErrors(sources: Iterable<string>): Map<string, string> {
  const errors = new Map<string, string>();
  const pending = [...new Set(sources)].filter((source) => known.get(source) === undefined);
  const batch = pending.filter(selfContained);
  const parsedTogether = new Set(batch.length > 1 && parsedAsOne(batch) ? batch : []);
  for (const source of pending) {
    if (!parsedTogether.has(source)) {
      let problem: string | undefined;
      try {
        // A source with a regular expression has a `/`, so it is never parsed in a batch.
        const ast = jsonata(source).ast();
        noteReferences(source, ast);
        problem = source.includes('/') ? regExpProblems(ast) : undefined;
      } catch (err) {
        problem = describeError(err);
      }
      if (problem !== undefined) {
        errors.set(source, problem);
        continue;
      }
    }
    known.set(source, true);
  }
  return errors;
}

/** Why the first regular expression in a syntax tree that the linear engine cannot run is refused. */
function regExpProblems(ast: unknown): string | undefined {
  const seen = new Set<unknown>();
  const pending = [ast];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    if (node instanceof RegExp) {
      const problem = regExpProblem(node);
      if (problem !== undefined) return problem;
      continue;
    }
    pending.push(...Object.values(node));
  }
  return undefined;
}

/** Whether `[(a),(b),…]` parses; if it does, each source's references are noted from its part of the tree. */
function parsedAsOne(sources: string[]): boolean {
  const text = `[${sources.map((s) => `(${s})`).join(',')}]`;
  let blocks: { expressions: unknown[] }[];
  try {
    blocks = (jsonata(text).ast() as { expressions: { expressions: unknown[] }[] }).expressions;
  } catch {
    return false;
  }
  sources.forEach((source, i) => noteReferences(source, blocks[i]!.expressions[0], text));
  return true;
}

/**
 * Whether a source can be parsed inside `( … )` among others with the same result as alone: its
 * strings and comments are closed, its brackets match, it has no `,` or `;` outside brackets, and
 * no `/` outside strings and comments (whether `/` starts a regular expression depends on context).
 */
export function selfContained(source: string): boolean {
  const open: string[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = skipQuoted(source, i, c);
      if (i === source.length) return false;
    } else if (c === '/') {
      const end = source[i + 1] === '*' ? source.indexOf('*/', i + 2) : -1;
      if (end === -1) return false;
      i = end + 1;
    } else if (c === '(' || c === '[' || c === '{') {
      open.push(CLOSER[c]!);
    } else if (c === ')' || c === ']' || c === '}') {
      if (open.pop() !== c) return false;
    } else if ((c === ',' || c === ';') && open.length === 0) {
      return false;
    }
  }
  return open.length === 0;
}
