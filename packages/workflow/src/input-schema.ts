import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { BoundedCache } from './bounded-cache';
import { formatPath, type Problem } from './problem';

type Compiled = { validate: ValidateFunction } | { error: string };

// Compiled input schemas by their JSON text.
const cache = new BoundedCache<Compiled>(256);

// Checks schemas against the draft-07 meta-schema, compiled once. It keeps no user schema.
const metaValidator = new Ajv({ logger: false });

function compile(schema: object): Compiled {
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) return hit;
  let compiled: Compiled;
  try {
    metaValidator.validateSchema(schema, true);
    // A fresh compiler per schema: ajv keeps every schema it compiles and refuses a second `$id` it
    // has seen, so a shared one would grow without bound and mix up workflows.
    const ajv = new Ajv({ allErrors: true, logger: false, meta: false, validateSchema: false });
    addFormats(ajv);
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
 * rooted at `input` (`input.ticket.body`, `input.items[2]`). No schema accepts any input.
 */
export function validateInput(schema: object | undefined, input: unknown): Problem[] {
  if (schema === undefined) return [];
  const compiled = compile(schema);
  if ('error' in compiled) return [{ path: 'input', message: `the workflow's input schema is invalid: ${compiled.error}` }];
  if (compiled.validate(input)) return [];
  return compiled.validate.errors!.map((error) => toProblem(error, input));
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
