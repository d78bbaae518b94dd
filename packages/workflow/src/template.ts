import jsonata from 'jsonata';
import { BoundedCache } from './bounded-cache';
import { RUN_BYTES_LIMIT, jsonBytes, utf8Bytes, type ByteBudget } from './byte-budget';
import { ExpressionError, LimitExceededError } from './expression-error';
import { describeError, syntaxErrors } from './expression-syntax';
import { LINEAR_REGEX_ENGINE } from './linear-regexp';
import { joinPath, type Problem } from './problem';
import { secretMarker, secretReferences } from './secret-marker';
import { seededRandom } from './seeded-random';
import { splitTemplate } from './split-template';
import { unstorableJson } from './storable-text';

/** Per-evaluation limits: an expression can loop or build huge values, never for long or large. */
export interface ExpressionLimits {
  /** Longest one expression may run, in milliseconds. @defaultValue 100 */
  timeoutMs: number;
  /**
   * Largest total UTF-8 size of the JSON-encoded expression results of one evaluation
   * (`BATON_MAX_EXPRESSION_BYTES`). @defaultValue 16 MiB
   */
  maxOutputBytes: number;
  /** Most items of one sequence an expression builds (JSONata's `sequence` option). @defaultValue 1,000,000 */
  maxSequence?: number;
}

/**
 * Large enough for a value passed on whole (large outputs travel by reference and are seen here as
 * values), small enough that no expression can fill the memory of the process evaluating it, and
 * a quarter of a run's default byte budget (`BATON_MAX_RUN_BYTES`, 64 MiB).
 */
export const DEFAULT_LIMITS: ExpressionLimits = Object.freeze({ timeoutMs: 100, maxOutputBytes: 16 * 1024 * 1024, maxSequence: 1_000_000 });

/** What one evaluation may use, beyond the limits compiled into the template. */
export interface EvaluateOptions {
  /** Limits for this evaluation instead of the compiled ones. */
  limits?: ExpressionLimits;
  /**
   * Bytes shared with other evaluations (those of one engine decision): the JSON size of the value
   * built, literal parts included, is charged to it as it grows, and an evaluation that would pass
   * it fails with a `LimitExceededError`. Once it is spent, no expression runs.
   */
  budget?: ByteBudget;
  /**
   * A list (a `forEach`): the result may hold at most `count` items, and no sequence built on the
   * way may be longer, so that `[1..1000000]` fails before it is built. `limit` names the limit in
   * the error (`BATON_MAX_FOREACH_ITEMS`).
   */
  maxItems?: { count: number; limit: string };
}

/** The variables an expression sees: `$input`, `$steps`, `$context`, `$item`, `$index`, `$run`. */
export interface Scope {
  input?: unknown;
  steps?: Record<string, { output?: unknown; status: string; error?: unknown }>;
  context?: Record<string, unknown>;
  item?: unknown;
  index?: number;
  run?: { id: string };
  /**
   * The time of the decision: `$now()` (ISO 8601) and `$millis()` return it instead of reading the
   * system clock, and `$random()` draws from a generator seeded by it, `run.id`, the field and
   * `index`, so evaluating the same scope twice gives the same result.
   */
  clock?: Date;
}

/**
 * A value with its `{{ … }}` strings compiled once. `evaluate` walks it against a scope:
 * a string that is exactly one expression yields the expression's typed value, a string with
 * expressions inside text yields text (non-strings JSON-encoded, undefined as nothing), anything
 * else is returned as it is. An object drops keys whose value is undefined; an array keeps its
 * length, with null for undefined.
 */
export interface CompiledTemplate {
  /** Whether anything in the value needs evaluating. */
  readonly dynamic: boolean;
  /** The secrets it reads (`$secrets.NAME`): each evaluates to its marker, for the worker to replace. */
  readonly secrets: readonly string[];
  /**
   * @throws ExpressionError naming the field when an expression fails, times out or produces too
   * much; a `LimitExceededError` (one) when a limit of Baton's was what stopped it.
   */
  evaluate(scope: Scope, options?: EvaluateOptions): Promise<unknown>;
}

/** An expression known to parse; JSONata builds it on first use (see `syntaxErrors` for why). */
interface Expression {
  source: string;
  /** The last build, with the options it was built with. */
  built?: { expression: jsonata.Expression; timeoutMs: number; sequence: number };
}

/**
 * A compiled value. `bytes` is the JSON size of what does not depend on the scope: all of a
 * literal; the quotes and text around a `text` node's expressions; brackets, keys and commas.
 */
type Node =
  | { kind: 'literal'; value: unknown; bytes: number }
  | { kind: 'whole'; expr: Expression; field: string; bytes: 0 }
  | { kind: 'text'; parts: (string | Expression)[]; field: string; bytes: number }
  | { kind: 'array'; items: Node[]; bytes: number }
  | { kind: 'object'; entries: [string, Node][]; bytes: number };

/** What compiling a value found besides its nodes, in the order met. */
interface Findings {
  /** Problems found so far, and expressions still to be checked for syntax. */
  checks: (Problem | { path: string; source: string })[];
  /** Fields that mention `$secrets`. */
  secrets: string[];
  /** The secret names read (`$secrets.NAME`). */
  secretNames: Set<string>;
}

const SECRETS = /\$secrets\b/;

// Built expressions by timeout (JSONata fixes it when building) and source. Each holds ~15 KB
// (its syntax tree keeps JSONata's parser alive), hence the small bound.
const built = new BoundedCache<jsonata.Expression>(2_000);

function build(expr: Expression, timeoutMs: number, sequence: number): jsonata.Expression {
  const last = expr.built;
  if (last?.timeoutMs === timeoutMs && last.sequence === sequence) return last.expression;
  const key = `${timeoutMs}\u0000${sequence}\u0000${expr.source}`;
  let hit = built.get(key);
  if (!hit) {
    hit = jsonata(expr.source, { timeout: timeoutMs, stack: 500, sequence, RegexEngine: LINEAR_REGEX_ENGINE });
    built.set(key, hit);
  }
  expr.built = { expression: hit, timeoutMs, sequence };
  return hit;
}

function literal(value: unknown): Node {
  return { kind: 'literal', value, bytes: jsonBytes(value) };
}

function compileString(value: string, field: string, found: Findings): Node {
  const split = splitTemplate(value);
  if (!split.ok) {
    found.checks.push({ path: field, message: split.message });
    return literal(value);
  }
  const parts = split.parts.map((part) => ('text' in part ? part.text : { source: part.expression }));
  const expressions = parts.filter((p): p is Expression => typeof p !== 'string');
  for (const { source } of expressions) found.checks.push({ path: field, source });
  if (expressions.length === 0) return literal(value);
  // `$secrets` is resolved on the worker at execution, never in a stored run: here it yields markers.
  const secretSources = expressions.filter((e) => SECRETS.test(e.source));
  if (secretSources.length > 0) found.secrets.push(field);
  for (const { source } of secretSources) {
    const refs = secretReferences(source);
    if ('problem' in refs) found.checks.push({ path: field, message: refs.problem });
    else for (const name of refs.names) found.secretNames.add(name);
  }
  if (parts.length === 1) return { kind: 'whole', expr: expressions[0]!, field, bytes: 0 };
  const text = parts.reduce((sum: number, p) => sum + (typeof p === 'string' ? jsonBytes(p) - 2 : 0), 2);
  return { kind: 'text', parts, field, bytes: text };
}

/** Brackets and commas of a container of `n` items. */
const punctuation = (n: number): number => 2 + Math.max(0, n - 1);

function compileNode(value: unknown, field: string, found: Findings): Node {
  if (typeof value === 'string') return compileString(value, field, found);
  if (Array.isArray(value)) {
    const items = value.map((item, i) => compileNode(item, joinPath(field, i), found));
    const own = punctuation(items.length);
    if (items.every((n) => n.kind === 'literal')) return { kind: 'literal', value, bytes: items.reduce((sum, n) => sum + n.bytes, own) };
    return { kind: 'array', items, bytes: own };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]): [string, Node] => [k, compileNode(v, joinPath(field, k), found)]);
    const own = entries.reduce((sum, [k]) => sum + jsonBytes(k) + 1, punctuation(entries.length));
    if (entries.every(([, n]) => n.kind === 'literal')) return { kind: 'literal', value, bytes: entries.reduce((sum, [, n]) => sum + n.bytes, own) };
    return { kind: 'object', entries, bytes: own };
  }
  return literal(value);
}

/** Compiles several values at once, checking all their expressions' syntax in one batch. */
function compileAll(
  values: readonly { value: unknown; field: string }[],
): { root: Node; problems: Problem[]; secrets: string[]; secretNames: string[]; parsed: { path: string; source: string }[] }[] {
  const compiled = values.map(({ value, field }) => {
    const found: Findings = { checks: [], secrets: [], secretNames: new Set() };
    return { root: compileNode(value, field, found), found };
  });
  const errors = syntaxErrors(compiled.flatMap(({ found }) => found.checks.flatMap((c) => ('source' in c ? [c.source] : []))));
  return compiled.map(({ root, found }) => ({
    root,
    secrets: found.secrets,
    secretNames: [...found.secretNames],
    parsed: found.checks.flatMap((check) => ('source' in check && !errors.has(check.source) ? [check] : [])),
    problems: found.checks.flatMap((check): Problem[] => {
      if (!('source' in check)) return [check];
      const error = errors.get(check.source);
      return error === undefined ? [] : [{ path: check.path, message: `expression does not parse: ${error}` }];
    }),
  }));
}

/** One call of `evaluate`: the scope as JSONata bindings and what is left of the output budget. */
interface Evaluation {
  input: unknown;
  bindings: Record<string, unknown>;
  limits: ExpressionLimits;
  remaining: number;
  budget?: ByteBudget;
  maxItems?: { count: number; limit: string };
  /** The template's field, for what is charged outside any expression. */
  field: string;
  /** Whether an expression giving no value (undefined) fails the evaluation (`CompileOptions.required`). */
  required: boolean;
}

/** JSONata values that are not JSON: lambdas, built-in functions and regular expressions. */
function jsonOnly(_key: string, value: unknown): unknown {
  if (typeof value === 'function' || (value instanceof Object && ('_jsonata_lambda' in value || '_jsonata_function' in value))) {
    throw new Error('an expression must produce JSON, not a function');
  }
  return value;
}

/** Runs one expression; its result as JSON text, or undefined when it has none. */
async function run(expr: Expression, field: string, ev: Evaluation): Promise<string | undefined> {
  ev.budget?.check(field);
  const { maxItems } = ev;
  const sequence = Math.min(ev.limits.maxSequence ?? DEFAULT_SEQUENCE, maxItems?.count ?? Infinity);
  ev.bindings.pad ??= guardedPad(ev, await BUILTIN_PAD);
  let text: string | undefined;
  try {
    const result: unknown = await build(expr, ev.limits.timeoutMs, sequence).evaluate(ev.input, ev.bindings);
    if (maxItems && Array.isArray(result) && result.length > maxItems.count) throw new Error(TOO_MANY);
    // JSON text also strips JSONata's sequence flags and detaches the result from the scope.
    text = result === undefined ? undefined : JSON.stringify(result, jsonOnly);
  } catch (err) {
    const { code, message, limit } = err as { code?: unknown; message?: unknown; limit?: unknown };
    if (maxItems && (message === TOO_MANY || code === 'D2015')) {
      throw new LimitExceededError(field, `more than ${maxItems.count} items`, maxItems.limit);
    }
    if (code === PAD_TOO_WIDE) throw new LimitExceededError(field, message as string, limit as string);
    throw new ExpressionError(field, describeError(err));
  }
  if (text === undefined) return noValue(expr, field, ev);
  // A UTF-16 length never exceeds the UTF-8 size, so a long text is refused before it is encoded.
  const bytes = text.length > ev.remaining ? text.length : utf8Bytes(text);
  ev.budget?.charge(bytes, field);
  ev.remaining -= bytes;
  if (ev.remaining < 0) throw new LimitExceededError(field, `results are larger than ${ev.limits.maxOutputBytes} bytes`, EXPRESSION_BYTES);
  // Postgres stores no NUL and no lone surrogate (`$split('😀', '')`): refused, never replaced.
  if (unstorableJson(text)) throw new ExpressionError(field, 'the result holds \\u0000 or a lone UTF-16 surrogate, which cannot be stored');
  return text;
}

const SHOWN_SOURCE = 200;

/** Undefined, unless a value is required: then the evaluation fails, saying how to make it optional. */
function noValue(expr: Expression, field: string, ev: Evaluation): undefined {
  if (!ev.required) return undefined;
  const source = expr.source.length > SHOWN_SOURCE ? `${expr.source.slice(0, SHOWN_SOURCE)}…` : expr.source;
  throw new ExpressionError(field, `{{ ${source} }} gave no value; if it may be missing, give a default: {{ ${source} ?? null }}`);
}

/** A JSONata built-in function as an expression sees it. */
interface JsonataFunction {
  implementation: (...args: unknown[]) => unknown;
}

// JSONata's own `$pad`, wrapped below (evaluating `$pad` gives the function with its signature).
const BUILTIN_PAD = jsonata('$pad').evaluate({}) as Promise<JsonataFunction>;
const PAD_TOO_WIDE = 'BATON_PAD_TOO_WIDE';

/**
 * `$pad` refusing, before it builds anything, a width that no result of this evaluation could
 * hold: `$pad("", 50000000)` is a few bytes of expression and 50 MB of string. A refused width is
 * charged to the budget, as a refused result is.
 */
function guardedPad(ev: Evaluation, builtin: JsonataFunction): JsonataFunction {
  const tooWide = (message: string, limit: string) => ({ code: PAD_TOO_WIDE, message, limit });
  return {
    ...builtin,
    // JSONata has checked the arguments against `$pad`'s signature: width is a number.
    implementation: (str: unknown, width: unknown, char?: unknown) => {
      const wide = Math.abs(Math.trunc(width as number));
      if (wide > ev.remaining) throw tooWide(`$pad to ${wide} characters: results are larger than ${ev.limits.maxOutputBytes} bytes`, EXPRESSION_BYTES);
      const { budget } = ev;
      if (budget && budget.used + wide > budget.limit) {
        budget.used += wide;
        throw tooWide(`$pad to ${wide} characters: the run would hold more than ${budget.limit} bytes`, RUN_BYTES_LIMIT);
      }
      return builtin.implementation(str, width, char);
    },
  };
}

const DEFAULT_SEQUENCE = 1_000_000;
const TOO_MANY = 'too many items';
/** The configuration variable behind `maxOutputBytes`, named in its errors. */
const EXPRESSION_BYTES = 'BATON_MAX_EXPRESSION_BYTES';

async function evaluateNode(node: Node, ev: Evaluation): Promise<unknown> {
  if (node.bytes > 0) ev.budget?.charge(node.bytes, 'field' in node ? node.field : ev.field);
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'whole': {
      const text = await run(node.expr, node.field, ev);
      return text === undefined ? undefined : JSON.parse(text);
    }
    case 'text': {
      let out = '';
      for (const part of node.parts) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        const text = await run(part, node.field, ev);
        if (text !== undefined) out += text.startsWith('"') ? (JSON.parse(text) as string) : text;
      }
      return out;
    }
    case 'array': {
      const out: unknown[] = [];
      for (const item of node.items) out.push((await evaluateNode(item, ev)) ?? null);
      return out;
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) {
        const value = await evaluateNode(v, ev);
        // Defined, not assigned: a key `__proto__` is data, not the object's prototype.
        if (value !== undefined) Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

function bindings(scope: Scope, secrets: Record<string, string> | undefined, field: string): Record<string, unknown> {
  return {
    ...(secrets ? { secrets } : {}),
    input: scope.input,
    steps: scope.steps ?? {},
    context: scope.context ?? {},
    item: scope.item,
    index: scope.index,
    run: scope.run,
    ...(scope.clock ? clockBindings(scope.clock, scope, field) : {}),
  };
}

/** `$now()`, `$millis()` and `$random()` of a decision: the same scope evaluated again gives the same values. */
function clockBindings(clock: Date, scope: Scope, field: string): Record<string, () => unknown> {
  const iso = clock.toISOString();
  const ms = clock.getTime();
  const random = seededRandom(() => `${scope.run?.id ?? ''}\u0000${iso}\u0000${field}\u0000${scope.index ?? ''}`);
  return { now: () => iso, millis: () => ms, random };
}

/** How a template treats an expression with no value. */
export interface CompileOptions {
  /**
   * An expression that gives no value (undefined) fails the evaluation with an `ExpressionError`
   * naming the field, instead of leaving the key out (a step's `input`, `when` and `forEach`).
   * An optional value says so with a default: `{{ $input.cc ?? null }}`. @defaultValue false
   */
  required?: boolean;
}

/**
 * Compiles every `{{ … }}` in `value`; `$secrets.NAME` evaluates to the secret's marker (`secretMarker`).
 * @throws ExpressionError naming the field (`steps[1].input.to`) when an expression does not parse.
 */
export function compileTemplate(value: unknown, field: string, limits: ExpressionLimits = DEFAULT_LIMITS, { required = false }: CompileOptions = {}): CompiledTemplate {
  const { root, problems, secretNames } = compileAll([{ value, field }])[0]!;
  const first = problems[0];
  if (first) throw new ExpressionError(first.path, first.message);
  const markers = secretNames.length === 0 ? undefined : Object.fromEntries(secretNames.map((name) => [name, secretMarker(name)]));
  return {
    dynamic: root.kind !== 'literal',
    secrets: secretNames,
    evaluate: (scope, options = {}) => {
      const use = options.limits ?? limits;
      return evaluateNode(root, {
        input: scope.input ?? {}, bindings: bindings(scope, markers, field), limits: use, remaining: use.maxOutputBytes, budget: options.budget, maxItems: options.maxItems, field, required,
      });
    },
  };
}

/** What validation needs to know about a template, found without throwing. */
export interface TemplateReport {
  /** Every expression that does not parse, and every `{{` left open. */
  problems: Problem[];
  /** Fields that mention `$secrets` (resolved on the worker). */
  secrets: string[];
  /** Whether the value is a string that is exactly one `{{ … }}` expression. */
  expression: boolean;
  /** The expressions that parse, with the field each stands in. */
  expressions: { path: string; source: string }[];
}

/** Reports on several values at once (their expressions are checked in one batch), in order. */
export function inspectTemplates(values: readonly { value: unknown; field: string }[]): TemplateReport[] {
  return compileAll(values).map(({ root, problems, secrets, parsed }) => ({ problems, secrets, expression: root.kind === 'whole', expressions: parsed }));
}
