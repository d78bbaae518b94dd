import jsonata from 'jsonata';

/** Per-evaluation limits: an expression can loop or build huge values, never for long or large. */
export interface ExpressionLimits {
  /** @defaultValue 100 */
  timeoutMs: number;
  /** Largest JSON-encoded result, in bytes. @defaultValue 1 MiB */
  maxOutputBytes: number;
}

export const DEFAULT_LIMITS: ExpressionLimits = { timeoutMs: 100, maxOutputBytes: 1024 * 1024 };

/** The variables an expression sees: `$input`, `$steps`, `$context`, `$item`, `$index`, `$run`. */
export interface Scope {
  input?: unknown;
  steps?: Record<string, { output?: unknown; status: string; error?: unknown }>;
  context?: Record<string, unknown>;
  item?: unknown;
  index?: number;
  run?: { id: string };
}

/** A failed parse or evaluation; `field` names where in the definition it stands (`steps[1].input.to`). */
export class ExpressionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ExpressionError';
  }
}

const WHOLE = /^\{\{([\s\S]*)\}\}$/;
const EMBEDDED = /\{\{([\s\S]*?)\}\}/g;
const SECRETS = /\{\{[^}]*\$secrets\b/;

type Part = string | jsonata.Expression;

/**
 * A value with its `{{ … }}` strings compiled once. `evaluate` walks it against a scope:
 * a string that is exactly one expression yields the expression's typed value, a string with
 * expressions inside text yields text, anything else is returned as it is.
 */
export interface CompiledTemplate {
  /** Whether anything in the value needs evaluating. */
  readonly dynamic: boolean;
  evaluate(scope: Scope): Promise<unknown>;
}

type Node =
  | { kind: 'literal'; value: unknown }
  | { kind: 'whole'; expr: jsonata.Expression; field: string }
  | { kind: 'text'; parts: Part[]; field: string }
  | { kind: 'array'; items: Node[] }
  | { kind: 'object'; entries: [string, Node][] };

const cache = new Map<string, jsonata.Expression>();
const CACHE_LIMIT = 10_000;

function compileExpression(source: string, field: string, limits: ExpressionLimits): jsonata.Expression {
  const cacheKey = `${limits.timeoutMs}\u0000${source}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  let expr: jsonata.Expression;
  try {
    expr = jsonata(source, { timeout: limits.timeoutMs, stack: 500, sequence: 1_000_000 });
  } catch (err) {
    throw new ExpressionError(field, `expression does not parse: ${describe(err)}`);
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, expr);
  return expr;
}

function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; position?: number };
  return e.position === undefined ? String(e.message) : `${e.message} (at ${e.position})`;
}

function compileNode(value: unknown, field: string, limits: ExpressionLimits): Node {
  if (typeof value === 'string') {
    // `$secrets` is resolved on the worker at execution, never in a stored run: leave such strings as they are.
    if (SECRETS.test(value)) return { kind: 'literal', value };
    const whole = WHOLE.exec(value);
    if (whole && !whole[1]!.includes('{{') && !whole[1]!.includes('}}')) {
      return { kind: 'whole', expr: compileExpression(whole[1]!.trim(), field, limits), field };
    }
    if (!value.includes('{{')) return { kind: 'literal', value };
    const parts: Part[] = [];
    let last = 0;
    for (const match of value.matchAll(EMBEDDED)) {
      if (match.index! > last) parts.push(value.slice(last, match.index));
      parts.push(compileExpression(match[1]!.trim(), field, limits));
      last = match.index! + match[0].length;
    }
    if (last < value.length) parts.push(value.slice(last));
    return { kind: 'text', parts, field };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileNode(item, `${field}[${i}]`, limits));
    return items.every((n) => n.kind === 'literal') ? { kind: 'literal', value } : { kind: 'array', items };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]): [string, Node] => [k, compileNode(v, `${field}.${k}`, limits)]);
    return entries.every(([, n]) => n.kind === 'literal') ? { kind: 'literal', value } : { kind: 'object', entries };
  }
  return { kind: 'literal', value };
}

function bindings(scope: Scope): Record<string, unknown> {
  return {
    input: scope.input,
    steps: scope.steps ?? {},
    context: scope.context ?? {},
    item: scope.item,
    index: scope.index,
    run: scope.run,
  };
}

async function run(expr: jsonata.Expression, scope: Scope, limits: ExpressionLimits, field: string): Promise<unknown> {
  let result: unknown;
  try {
    result = await expr.evaluate(scope.input ?? {}, bindings(scope));
  } catch (err) {
    throw new ExpressionError(field, describe(err));
  }
  return normalise(result, limits, field);
}

/** JSONata sequences are arrays with extra flags; functions and undefined are not JSON. */
function normalise(value: unknown, limits: ExpressionLimits, field: string): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'function') throw new ExpressionError(field, 'an expression must produce JSON, not a function');
  const text = JSON.stringify(value);
  if (text === undefined) return undefined;
  if (text.length > limits.maxOutputBytes) {
    throw new ExpressionError(field, `result is larger than ${limits.maxOutputBytes} bytes`);
  }
  return JSON.parse(text);
}

async function evaluateNode(node: Node, scope: Scope, limits: ExpressionLimits): Promise<unknown> {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'whole':
      return run(node.expr, scope, limits, node.field);
    case 'text': {
      let out = '';
      for (const part of node.parts) {
        if (typeof part === 'string') out += part;
        else {
          const value = await run(part, scope, limits, node.field);
          out += value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
        }
      }
      if (out.length > limits.maxOutputBytes) throw new ExpressionError(node.field, `result is larger than ${limits.maxOutputBytes} bytes`);
      return out;
    }
    case 'array': {
      const out: unknown[] = [];
      for (const item of node.items) out.push(await evaluateNode(item, scope, limits));
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) {
        const value = await evaluateNode(v, scope, limits);
        if (value !== undefined) out[k] = value;
      }
      return out;
    }
  }
}

/**
 * Compiles every `{{ … }}` in `value`.
 * @throws ExpressionError naming `field` when an expression does not parse.
 */
export function compileTemplate(value: unknown, field: string, limits: ExpressionLimits = DEFAULT_LIMITS): CompiledTemplate {
  const root = compileNode(value, field, limits);
  return {
    dynamic: root.kind !== 'literal',
    evaluate: (scope) => evaluateNode(root, scope, limits),
  };
}
