import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineAgent } from '@baton/agent-sdk';

/** The longest timer Node honours (about 24.8 days). */
const MAX_DELAY_MS = 2_147_483_647;

/** Waits `ms`, then returns `value` (or its whole input). An abort clears the timer at once. */
export const delayAgent = defineAgent({
  name: 'delay',
  description: 'Waits `ms` milliseconds, then returns `value` (or its input).',
  input: z.object({ ms: z.number().int().min(0).max(MAX_DELAY_MS), value: z.unknown().optional() }).passthrough(),
  run: async (input, ctx) => {
    await sleep(input.ms, undefined, { signal: ctx.signal });
    return input.value !== undefined ? input.value : input;
  },
});
