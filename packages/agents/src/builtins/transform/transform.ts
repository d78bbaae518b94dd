import jsonata from 'jsonata';
import { z } from 'zod';
import { LINEAR_REGEX_ENGINE } from '@baton/workflow';
import { defineAgent, NonRetryableError } from '@baton/agent-sdk';

/**
 * Bounds on one evaluation: wall time (ms), recursion depth, sequence length; and regular
 * expressions that match in linear time, since JSONata checks the time only between its steps and
 * a backtracking match is one step (26 characters against `/(a+)+$/` ran 4.9 s).
 */
const LIMITS = { timeout: 1000, stack: 500, sequence: 1_000_000, RegexEngine: LINEAR_REGEX_ENGINE };

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
