import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BullmqSchedule } from './bullmq-schedule';
import { createRedis } from './create-redis';
import { deleteKeys, eventually, REDIS_URL, testPrefix } from './test-redis';

describe('BullmqSchedule', () => {
  let prefix: string;
  let redis: Redis;

  beforeEach(() => {
    prefix = testPrefix();
    redis = createRedis(REDIS_URL, 'worker');
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('runs the task on its ticks, from one scheduler however often it is ensured', async () => {
    const schedule = new BullmqSchedule({ connection: redis, prefix, name: 'reconcile', everyMs: 200 });
    let ticks = 0;
    await schedule.ensure();
    await schedule.ensure();
    schedule.run(async () => void (ticks += 1));
    await eventually(() => ticks >= 2);
    const queue = new Queue('system.reconcile', { connection: redis, prefix });
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(['reconcile']);
    await schedule.close();
    await schedule.ensure(); // a no-op once closed
    expect(() => schedule.run(async () => undefined)).toThrow(/closed/);
    expect((await queue.getJobSchedulers()).map((s) => s.every)).toEqual([200]);
    await queue.close();
  });

  it('reports a task that fails', async () => {
    const errors: string[] = [];
    const schedule = new BullmqSchedule({ connection: redis, prefix, name: 'reconcile', everyMs: 200, onError: (e) => errors.push(e.message) });
    await schedule.ensure();
    schedule.run(() => Promise.reject(new Error('postgres is away')));
    await eventually(() => errors.includes('postgres is away'));
    await schedule.close(true);
  });
});
