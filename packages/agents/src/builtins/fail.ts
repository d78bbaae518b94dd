import { z } from 'zod';
import { defineAgent } from '@baton/agent-sdk';

/**
 * Fails with `message` (retryably, to exercise retries); with `untilAttempt: n` it fails attempts
 * before n and then returns its input.
 */
export const failAgent = defineAgent({
  name: 'fail',
  description: 'Fails with `message`; with `untilAttempt: n` it fails the attempts before n, then returns its input.',
  input: z.object({ message: z.string().optional(), untilAttempt: z.number().int().min(1).optional() }).passthrough(),
  run: (input, ctx) => {
    if (input.untilAttempt !== undefined && ctx.attempt >= input.untilAttempt) return input;
    throw new Error(input.message ?? 'failed by the fail agent');
  },
});
