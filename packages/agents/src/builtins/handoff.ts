import { AGENT_NAME } from '@baton/workflow';
import { z } from 'zod';
import { defineAgent } from '@baton/agent-sdk';

/** Hands the step to agent `to` with `input` (null when absent): rule-based routing. */
export const handoffAgent = defineAgent({
  name: 'handoff',
  description: "Hands the step off to agent `to` (which must be in the step's `handoffs`) with `input`.",
  input: z.object({ to: z.string().regex(AGENT_NAME, 'must be an agent name'), input: z.unknown().optional(), reason: z.string().optional() }),
  run: (input, ctx) => ctx.handoff(input.to, input.input === undefined ? null : input.input, input.reason),
});
