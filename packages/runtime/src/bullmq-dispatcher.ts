import type { Redis } from 'ioredis';
import { EagerLeases, publishCancel, publishRunEvents, stepJobId, type BullmqStepQueue } from '@baton/queue';
import type { JobPresence } from './reconciler';
import type { StepDispatcher } from './step-dispatcher';

const HELD = new Set(['waiting', 'delayed', 'prioritized', 'active', 'waiting-children']);

/**
 * The runtime's ports over BullMQ and Redis pub/sub. A step a worker runs eagerly (without a BullMQ
 * job, see `EagerLeases`) counts as held while its lease lives, and is told to abort as a running job is.
 */
export function createBullmqDispatcher(queue: BullmqStepQueue, redis: Redis, prefix: string): StepDispatcher & JobPresence {
  const leases = new EagerLeases({ connection: redis, prefix });
  return {
    enqueue: (jobs) => queue.enqueue(jobs),
    announce: (marks) => publishRunEvents(redis, prefix, marks),
    async cancel(targets) {
      // A waiting job is removed; a running one is told to abort (pub/sub reaches its worker).
      await Promise.all(
        targets.map(async (t) => {
          const jobId = t.agent ? stepJobId(t.runId, t.key, t.attempt) : '';
          const removed = t.agent ? await queue.removeJob(t.agent, jobId).catch(() => false) : false;
          // No BullMQ job may still mean a worker runs it eagerly.
          const eager = removed && t.agent ? (await leases.held([{ agent: t.agent, jobId }]).catch(() => [true]))[0] : false;
          if (!removed || eager) await publishCancel(redis, prefix, t);
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
      const inQueue = steps.map((s) => HELD.has(states.get(stepJobId(s.runId, s.key, s.attempt)) ?? 'missing'));
      const others = steps.filter((_, i) => !inQueue[i]);
      const leased = await leases.held(others.map((s) => ({ agent: s.agent, jobId: stepJobId(s.runId, s.key, s.attempt) })));
      let next = 0;
      return inQueue.map((held) => held || leased[next++]!);
    },
    async release(step) {
      await queue.removeJob(step.agent, stepJobId(step.runId, step.key, step.attempt));
    },
  };
}
