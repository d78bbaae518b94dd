import Ajv, { type ErrorObject, type FuncKeywordDefinition, type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import addFormats from 'ajv-formats';
import { BoundedCache } from './bounded-cache';
import { useLinearFormats } from './linear-formats';
import { LinearRegExp } from './linear-regexp';
import { formatPath, type Problem } from './problem';

export interface InputLimits {
  /**
   * Most items of any one array in a run's input (`BATON_MAX_INPUT_ARRAY_ITEMS`), checked before the
   * schema: a schema's checks are linear in the input, so the input's size bounds their cost.
   * @defaultValue DEFAULT_MAX_INPUT_ARRAY_ITEMS
   */
  maxArrayItems?: number;
}

/** As many items as a `forEach` may have (`BATON_MAX_FOREACH_ITEMS`'s default). */
export const DEFAULT_MAX_INPUT_ARRAY_ITEMS = 10_000;

/** `pattern` and `patternProperties` run on the linear engine; a lookaround or backreference does not compile. */
const linearRegExp: RegExpEngine = Object.assign((pattern: string, flags: string) => new LinearRegExp(pattern, flags), { code: 'LinearRegExp' });

/** Objects with their keys sorted, for `JSON.stringify`: most already are (one key, or written in order). */
function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! < keys[i]!;
  if (sorted) return value;
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) out[key] = (value as Record<string, unknown>)[key];
  return out;
}

/**
 * A key equal for two items exactly when they are equal in JSON Schema's sense: JSON text with
 * sorted keys, or for a string or number (the common case) the value with its type, unencoded.
 */
function canonical(value: unknown): string {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number') return `n${value}`;
  return `j${JSON.stringify(value, sortedKeys)}`;
}

/** ajv's `uniqueItems` check, in linear time, with ajv's message. */
const unique = Object.assign(
  (wanted: boolean, data: unknown[]): boolean => {
    if (!wanted) return true;
    const seen = new Map<string, number>();
    for (let i = 0; i < data.length; i++) {
      const key = canonical(data[i]);
      const j = seen.get(key);
      if (j !== undefined) {
        unique.errors = [{ keyword: 'uniqueItems', message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`, params: { i, j } }];
        return false;
      }
      seen.set(key, i);
    }
    return true;
  },
  { errors: [] as Partial<ErrorObject>[] },
);

/** ajv's own compares every pair of items that are objects or arrays: 20,000 items took 2.5 s. */
const uniqueItems: FuncKeywordDefinition = { keyword: 'uniqueItems', type: 'array', schemaType: 'boolean', errors: true, validate: unique };

type Compiled = { validate: ValidateFunction } | { error: string };

// Compiled input schemas by their JSON text.
const cache = new BoundedCache<Compiled>(256);

// Checks schemas against the draft-07 meta-schema, compiled once. It keeps no user schema.
const metaValidator = new Ajv({ logger: false });

function compile(schema: object, useDefaults = false): Compiled {
  const key = `${useDefaults ? 'd' : 'v'}${JSON.stringify(schema)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let compiled: Compiled;
  try {
    metaValidator.validateSchema(schema, true);
    // A fresh compiler per schema: ajv keeps every schema it compiles and refuses a second `$id` it
    // has seen, so a shared one would grow without bound and mix up workflows.
    const ajv = new Ajv({ allErrors: true, useDefaults, logger: false, meta: false, validateSchema: false, code: { regExp: linearRegExp } });
    addFormats(ajv);
    useLinearFormats(ajv);
    ajv.removeKeyword('uniqueItems');
    ajv.addKeyword(uniqueItems);
    compiled = { validate: ajv.compile(schema) };
  } catch (err) {
    compiled = { error: (err as Error).message };
  }
  cache.set(key, compiled);
  return compiled;
}

/** Why `schema` is not a usable JSON Schema (draft-07, strict: unknown keywords are refused), or undefined. */
export function inputSchemaError(schema: object): string | undefined {
  const compiled = compile(schema);
  return 'error' in compiled ? compiled.error : undefined;
}

/**
 * Checks a run's input against a workflow's `input` schema, reporting every violation with a path
 * rooted at `input` (`input.ticket.body`, `input.items[2]`). No schema accepts any input within
 * `limits`; an input past them is not checked against the schema.
 */
export function validateInput(schema: object | undefined, input: unknown, limits: InputLimits = {}): Problem[] {
  const tooLong = longArrays(input, limits.maxArrayItems ?? DEFAULT_MAX_INPUT_ARRAY_ITEMS);
  if (tooLong.length > 0) return tooLong;
  if (schema === undefined) return [];
  const compiled = compile(schema);
  if ('error' in compiled) return [{ path: 'input', message: `the workflow's input schema is invalid: ${compiled.error}` }];
  if (compiled.validate(input)) return [];
  return compiled.validate.errors!.map((error) => toProblem(error, input));
}

/**
 * A copy of `input` with the `default`s of `schema` filled in where the input leaves a property out
 * (ajv's `useDefaults`); `input` itself is not changed. Call it on an input `validateInput` accepted.
 */
export function withInputDefaults(schema: object | undefined, input: unknown): unknown {
  if (schema === undefined || input === null || typeof input !== 'object') return input;
  const compiled = compile(schema, true);
  if ('error' in compiled) return input;
  const copy = structuredClone(input);
  compiled.validate(copy);
  return copy;
}

function toProblem(error: ErrorObject, input: unknown): Problem {
  const at = segments(error.instancePath, input);
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  switch (error.keyword) {
    case 'required':
      return { path: formatPath([...at, params.missingProperty!], 'input'), message: 'is required' };
    case 'additionalProperties':
      return { path: formatPath([...at, params.additionalProperty!], 'input'), message: 'is not allowed' };
    case 'enum':
      return { path: formatPath(at, 'input'), message: `must be one of ${params.allowedValues!.map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { path: formatPath(at, 'input'), message: error.message as string };
  }
}

/** A JSON pointer into `data` as path segments: numbers where the value there is an array. */
function segments(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  let node = data;
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      const segment = Array.isArray(node) ? Number(key) : key;
      node = (node as Record<string, unknown>)[key];
      return segment;
    });
}

/** Where `input` holds an array of more than `max` items (at most 20 places). */
function longArrays(input: unknown, max: number): Problem[] {
  const problems: Problem[] = [];
  // Depth first; `at` is the path of the node last taken, which holds that of the next one's parent.
  const pending: { value: object; key: string | number; depth: number }[] = [];
  const push = (value: unknown, key: string | number, depth: number) => {
    if (value !== null && typeof value === 'object') pending.push({ value, key, depth });
  };
  const at: (string | number)[] = [];
  push(input, '', 0);
  while (pending.length > 0 && problems.length < 20) {
    const { value, key, depth } = pending.pop()!;
    at.length = Math.max(0, depth - 1);
    if (depth > 0) at.push(key);
    if (Array.isArray(value)) {
      if (value.length > max) problems.push({ path: formatPath(at, 'input'), message: `has ${value.length} items, more than ${max} (BATON_MAX_INPUT_ARRAY_ITEMS)` });
      else for (let i = 0; i < value.length; i++) push(value[i], i, depth + 1);
    } else {
      for (const k of Object.keys(value)) push((value as Record<string, unknown>)[k], k, depth + 1);
    }
  }
  return problems;
}
