import { z } from 'zod';
import { defineAgent } from '@baton/agent-sdk';

/** Returns its input, whatever it is. */
export const echoAgent = defineAgent({
  name: 'echo',
  description: 'Returns its input.',
  input: z.unknown(),
  run: (input) => input,
});
