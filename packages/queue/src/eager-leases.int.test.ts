import type { Redis } from 'ioredis';
import { BullmqStepQueue } from './bullmq-step-queue';
import { createRedis, redisReady } from './create-redis';
import { EagerLeases } from './eager-leases';
import { queueName } from './queue-name';
import { stepJobId } from './step-job-id';
import { deleteKeys, eventually, REDIS_URL, testPrefix } from './test-redis';

const id = (key: string) => stepJobId('run-1', key, 1);

describe('EagerLeases', () => {
  let prefix: string;
  let redis: Redis;
  let queue: BullmqStepQueue;
  let leases: EagerLeases;

  beforeEach(async () => {
    prefix = testPrefix();
    redis = createRedis(REDIS_URL, 'worker');
    await redisReady(redis);
    queue = new BullmqStepQueue({ connection: redis, prefix });
    leases = new EagerLeases({ connection: redis, prefix, leaseMs: 300 });
  });

  afterEach(async () => {
    await queue.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('leases jobs that BullMQ would hand out now; a lease lapses unless renewed, and is dropped once finished', async () => {
    expect(await leases.take('echo', [{ agent: 'echo', jobId: id('a'), priority: 5 }, { agent: 'echo', jobId: id('b'), priority: 5 }], 'worker-1')).toEqual([true, true]);
    expect(await redis.get(`${prefix}:${queueName('echo')}:${id('a')}:eager`)).toBe('worker-1');
    expect(await leases.held([{ agent: 'echo', jobId: id('a') }, { agent: 'echo', jobId: id('c') }])).toEqual([true, false]);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await leases.renew([{ agent: 'echo', jobId: id('a') }], i === 0 ? [{ agent: 'echo', jobId: id('b') }] : []);
    }
    expect(await leases.held([{ agent: 'echo', jobId: id('a') }, { agent: 'echo', jobId: id('b') }])).toEqual([true, false]);
    await eventually(async () => !(await leases.held([{ agent: 'echo', jobId: id('a') }]))[0], 2000);
  });

  it('refuses every job of a paused queue, or of one with a fleet-wide concurrency limit', async () => {
    await queue.pauseAgent('echo');
    expect(await leases.take('echo', [{ agent: 'echo', jobId: id('a'), priority: 10 }], 'w')).toEqual([false]);
    await queue.resumeAgent('echo');
    await queue.setAgentConcurrency({ echo: 3 });
    expect(await leases.take('echo', [{ agent: 'echo', jobId: id('a'), priority: 10 }], 'w')).toEqual([false]);
    await queue.setAgentConcurrency({ echo: undefined });
    expect(await leases.take('echo', [{ agent: 'echo', jobId: id('a'), priority: 10 }], 'w')).toEqual([true]);
  });

  it('refuses a job when a more urgent one waits in the queue; takes one as urgent or more', async () => {
    await queue.enqueue([{ job: { runId: 'other', key: 'x', attempt: 1, agent: 'echo', input: {}, context: {} }, priority: 7, delayMs: 0 }]);
    const taken = await leases.take('echo', [6, 7, 8].map((p) => ({ agent: 'echo', jobId: id(`p${p}`), priority: p })), 'w');
    expect(taken).toEqual([false, true, true]);
  });

  it('a job is unclaimed until a BullMQ delivery holds its lock', async () => {
    expect(await leases.unclaimed('echo', id('a'))).toBe(true);
    await redis.set(`${prefix}:${queueName('echo')}:${id('a')}:lock`, 'another-worker');
    expect(await leases.unclaimed('echo', id('a'))).toBe(false);
  });
});
