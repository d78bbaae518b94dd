import type { Command } from '@baton/engine';
import type { StepJob } from '@baton/queue';

/** A step job with how BullMQ should hold it. */
export interface QueuedJob {
  job: StepJob;
  priority: number;
  delayMs: number;
}

/**
 * The job of an `enqueue` command of run `runId`: built here only, so that a first enqueue and the
 * reconciler's re-enqueue of the same attempt carry the same job.
 */
export function queuedJob(runId: string, tenant: string, c: Omit<Extract<Command, { type: 'enqueue' }>, 'type'>): QueuedJob {
  const job: StepJob = { runId, key: c.key, attempt: c.attempt, agent: c.agent, input: c.input, timeoutMs: c.timeoutMs, context: c.context, tenant };
  if (c.contextWrite) job.contextWrite = c.contextWrite;
  if (c.secrets) job.secrets = c.secrets;
  if (c.tokenBudget) job.tokenBudget = c.tokenBudget;
  return {
    job,
    priority: c.priority,
    delayMs: c.delayMs,
  };
}
