import type { Redis } from 'ioredis';
import type { BullmqStepQueue } from '@baton/queue';
import { createBullmqDispatcher, type StepDispatcher } from '@baton/runtime';

/**
 * The runtime's `StepDispatcher` port over BullMQ: enqueue adds the step jobs, cancel publishes the
 * cancellation so a worker running the attempt aborts its agent. The adapter itself lives in
 * `@baton/runtime` (`createBullmqDispatcher`, which also answers the reconciler's job-presence
 * questions); this is the api's name for it, so every process wires the same one.
 */
export function createStepDispatcher(queue: BullmqStepQueue, redis: Redis, prefix: string): StepDispatcher {
  return createBullmqDispatcher(queue, redis, prefix);
}
