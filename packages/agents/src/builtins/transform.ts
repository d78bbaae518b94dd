import jsonata from 'jsonata';
import { z } from 'zod';
import { defineAgent } from '../agent';
import { NonRetryableError } from '../non-retryable-error';

/** Bounds on one evaluation: wall time (ms), recursion depth, sequence length. */
const LIMITS = { timeout: 1000, stack: 500, sequence: 1_000_000 };

const explain = (error: unknown): string => {
  const { message, position } = error as { message?: unknown; position?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return typeof position === 'number' ? `${text} (at ${position})` : text;
};

/**
 * The JSONata `expression` over `data`. The same expression over the same data fails the same way,
 * so its errors (syntax, evaluation, the time limit) are not retried.
 */
export const transformAgent = defineAgent({
  name: 'transform',
  description: 'Evaluates the JSONata `expression` over `data`.',
  input: z.object({ expression: z.string().min(1), data: z.unknown().optional() }),
  run: async (input) => {
    let expression: jsonata.Expression;
    try {
      expression = jsonata(input.expression, LIMITS);
    } catch (error) {
      throw new NonRetryableError(`invalid expression: ${explain(error)}`, { cause: error });
    }
    try {
      return (await expression.evaluate(input.data)) as unknown;
    } catch (error) {
      throw new NonRetryableError(`expression failed: ${explain(error)}`, { cause: error });
    }
  },
});
