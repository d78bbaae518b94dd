import type { Redis } from 'ioredis';
import { publishCancel, publishRunEvents, stepJobId, type BullmqStepQueue } from '@baton/queue';
import type { JobPresence } from './reconciler';
import type { StepDispatcher } from './step-dispatcher';

const HELD = new Set(['waiting', 'delayed', 'prioritized', 'active', 'waiting-children']);

/** The runtime's ports over BullMQ and Redis pub/sub. */
export function createBullmqDispatcher(queue: BullmqStepQueue, redis: Redis, prefix: string): StepDispatcher & JobPresence {
  return {
    enqueue: (jobs) => queue.enqueue(jobs),
    announce: (marks) => publishRunEvents(redis, prefix, marks),
    async cancel(targets) {
      // A waiting job is removed; a running one is told to abort (pub/sub reaches its worker).
      await Promise.all(
        targets.map(async (t) => {
          const removed = t.agent ? await queue.removeJob(t.agent, stepJobId(t.runId, t.key, t.attempt)).catch(() => false) : false;
          if (!removed) await publishCancel(redis, prefix, t);
        }),
      );
    },
    async withdraw(targets) {
      // Queue.remove leaves a job a worker holds (locked) alone: that attempt runs and reports.
      await Promise.all(targets.map((t) => queue.removeJob(t.agent, stepJobId(t.runId, t.key, t.attempt))));
    },
    async held(steps) {
      const byAgent = new Map<string, string[]>();
      for (const s of steps) {
        const ids = byAgent.get(s.agent) ?? [];
        ids.push(stepJobId(s.runId, s.key, s.attempt));
        byAgent.set(s.agent, ids);
      }
      const states = await queue.jobStates(byAgent);
      return steps.map((s) => HELD.has(states.get(stepJobId(s.runId, s.key, s.attempt)) ?? 'missing'));
    },
    async release(step) {
      await queue.removeJob(step.agent, stepJobId(step.runId, step.key, step.attempt));
    },
  };
}
