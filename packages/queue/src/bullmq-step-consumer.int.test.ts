import type { Redis } from 'ioredis';
import { BullmqStepConsumer } from './bullmq-step-consumer';
import type { StepDelivery } from './bullmq-step-consumer-options';
import { BullmqStepQueue } from './bullmq-step-queue';
import { createRedis, redisReady } from './create-redis';
import type { StepJob } from './step-job';
import { stepJobId } from './step-job-id';
import { deleteKeys, eventually, REDIS_URL, testPrefix } from './test-redis';

const job = (over: Partial<StepJob> = {}): StepJob => ({ runId: 'run-1', key: 'k', attempt: 1, agent: 'echo', input: { n: 1 }, context: {}, ...over });

/** A handler whose calls wait until released; what it saw is kept. */
function gate() {
  const seen: Array<{ job: StepJob; delivery: StepDelivery }> = [];
  let active = 0;
  let maxActive = 0;
  const waiting: Array<() => void> = [];
  const handler = async (j: StepJob, delivery: StepDelivery) => {
    seen.push({ job: j, delivery });
    active += 1;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>((resolve) => waiting.push(resolve));
    active -= 1;
    if (j.input === 'reject') throw new Error('handler failed');
  };
  return { seen, handler, releaseAll: () => waiting.splice(0).forEach((r) => r()), get active() { return active; }, get maxActive() { return maxActive; } };
}

describe('BullmqStepConsumer', () => {
  let prefix: string;
  let client: Redis;
  let workerRedis: Redis;
  let queue: BullmqStepQueue;
  const consumers: BullmqStepConsumer[] = [];

  beforeEach(async () => {
    prefix = testPrefix();
    client = createRedis(REDIS_URL, 'client');
    workerRedis = createRedis(REDIS_URL, 'worker');
    queue = new BullmqStepQueue({ connection: client, prefix });
    await redisReady(client);
  });

  afterEach(async () => {
    try {
      await Promise.all(consumers.splice(0).map((c) => c.forceClose()));
      await queue.close();
      await deleteKeys(workerRedis, prefix);
    } finally {
      client.disconnect();
      workerRedis.disconnect();
    }
  });

  const consume = (options: { agents: string[]; handler: (j: StepJob, d: StepDelivery) => Promise<void>; concurrency?: number; lockMs?: number; onLost?: (j: StepJob) => void; onError?: (e: Error, agent: string) => void }) => {
    const consumer = new BullmqStepConsumer({ connection: workerRedis, prefix, ...options });
    consumers.push(consumer);
    return consumer;
  };

  it("hands each agent's jobs to the handler with their delivery, when they became ready", async () => {
    const g = gate();
    consume({ agents: ['echo', 'delay'], handler: g.handler });
    await queue.enqueue([
      { job: job({ key: 'now' }), priority: 5, delayMs: 0 },
      { job: job({ key: 'later', agent: 'delay' }), priority: 5, delayMs: 200 },
      { job: job({ key: 'other', agent: 'fail' }), priority: 5, delayMs: 0 },
    ]);
    await eventually(() => g.seen.length === 2);
    g.releaseAll();
    const byKey = new Map(g.seen.map((s) => [s.job.key, s]));
    expect([...byKey.keys()].sort()).toEqual(['later', 'now']);
    for (const [key, agent, delay] of [['now', 'echo', 0], ['later', 'delay', 200]] as const) {
      const added = await queue.queue(agent).getJob(stepJobId('run-1', key, 1));
      expect(byKey.get(key)!.delivery).toMatchObject({ jobId: stepJobId('run-1', key, 1), readyAt: added!.timestamp + delay });
      expect(byKey.get(key)!.job).toMatchObject({ runId: 'run-1', key, input: { n: 1 } });
    }
    expect(await queue.queue('fail').getJobCountByTypes('prioritized')).toBe(1);
  });

  it('runs at most `concurrency` jobs of a queue at once', async () => {
    const g = gate();
    consume({ agents: ['echo'], handler: g.handler, concurrency: 2 });
    await queue.enqueue(['a', 'b', 'c'].map((key) => ({ job: job({ key }), priority: 5, delayMs: 0 })));
    await eventually(() => g.active === 2);
    g.releaseAll();
    await eventually(() => g.seen.length === 3);
    g.releaseAll();
    expect(g.maxActive).toBe(2);
  });

  it('completes a job whose handler resolves and fails one whose handler rejects, without retrying it', async () => {
    const g = gate();
    consume({ agents: ['echo'], handler: g.handler });
    await queue.enqueue([{ job: job({ key: 'ok' }), priority: 5, delayMs: 0 }, { job: job({ key: 'bad', input: 'reject' }), priority: 5, delayMs: 0 }]);
    await eventually(() => g.seen.length === 2);
    g.releaseAll();
    const ids = [stepJobId('run-1', 'ok', 1), stepJobId('run-1', 'bad', 1)];
    await eventually(async () => [...(await queue.jobStates({ echo: ids })).values()].join() === 'completed,failed');
    expect(g.seen.length).toBe(2);
  });

  it('close waits for the active jobs; forceClose does not', async () => {
    const g = gate();
    const consumer = consume({ agents: ['echo'], handler: g.handler });
    await queue.enqueue([{ job: job(), priority: 5, delayMs: 0 }]);
    await eventually(() => g.active === 1);
    let closed = false;
    const closing = consumer.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    g.releaseAll();
    await closing;
    expect((await queue.jobStates({ echo: [stepJobId('run-1', 'k', 1)] })).get(stepJobId('run-1', 'k', 1))).toBe('completed');

    const h = gate();
    const forced = consume({ agents: ['echo'], handler: h.handler });
    await queue.enqueue([{ job: job({ key: 'stuck' }), priority: 5, delayMs: 0 }]);
    await eventually(() => h.active === 1);
    await forced.forceClose();
    expect(h.active).toBe(1);
    h.releaseAll();
  });

  it('a job whose worker stopped renewing its lock fails as lost on another; its first delivery no longer owns it once another holds it', async () => {
    const first = gate();
    const stopped = consume({ agents: ['echo'], handler: first.handler, lockMs: 600 });
    await queue.enqueue([{ job: job({ key: 'lost' }), priority: 5, delayMs: 0 }]);
    await eventually(() => first.active === 1);
    const stale = first.seen[0]!.delivery;
    expect(await stale.owned()).toBe(true);
    await stopped.forceClose(); // its handler still runs, but nothing renews the lock now, as in a paused process
    const lost: StepJob[] = [];
    const second = gate();
    consume({ agents: ['echo'], handler: second.handler, lockMs: 600, onLost: (j) => lost.push(j) });
    const id = stepJobId('run-1', 'lost', 1);
    await eventually(() => lost.length === 1, 5000);
    expect(lost[0]).toMatchObject({ runId: 'run-1', key: 'lost', attempt: 1 });
    expect((await queue.jobStates({ echo: [id] })).get(id)).toBe('failed');
    expect(second.seen).toHaveLength(0); // BullMQ failed it without running it
    expect(await stale.owned()).toBe(true); // nobody holds it: a late result may still be the first
    // What the reconciler does with a lost attempt: the same job again, taken by the live consumer.
    await queue.removeJob('echo', id);
    await queue.enqueue([{ job: job({ key: 'lost' }), priority: 5, delayMs: 0 }]);
    await eventually(() => second.active === 1);
    expect(await stale.owned()).toBe(false);
    expect(await second.seen[0]!.delivery.owned()).toBe(true);
    second.releaseAll();
    first.releaseAll();
  });

  it('reports the errors of a queue with its agent', async () => {
    const errors: Array<[string, string]> = [];
    const broken = createRedis('redis://127.0.0.1:1', 'worker');
    try {
      const consumer = new BullmqStepConsumer({ connection: broken, prefix, agents: ['echo'], handler: async () => undefined, onError: (e, agent) => errors.push([agent, e.message]) });
      await eventually(() => errors.length > 0);
      expect(errors[0]![0]).toBe('echo');
      await consumer.forceClose();
    } finally {
      broken.disconnect();
    }
  });
});
