import type { z } from 'zod';
import { BatonError } from '@baton/core';
import { formatPath, underField } from './problem-path';

/**
 * Parses a body or query with a zod schema.
 * @throws BatonError VALIDATION_FAILED listing every problem, paths under `field` when given.
 */
export function parseRequest<S extends z.ZodTypeAny>(schema: S, value: unknown, what: string, field?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.output<S>;
  const details = result.error.issues.flatMap((issue) => {
    const base = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: place(field, base ? `${base}.${key}` : key), message: 'unknown field' }));
    }
    return [{ path: place(field, base), message: issue.message }];
  });
  throw new BatonError('VALIDATION_FAILED', `invalid ${what}`, details);
}

const place = (field: string | undefined, path: string): string => (field ? underField(field, path) : path);
