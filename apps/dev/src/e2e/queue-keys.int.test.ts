// Why infra/k8s scales workers on Prometheus's baton_queue_jobs and not on KEDA's Redis list
// scaler: against the real Redis, a queued step job of Baton waits in `<prefix>:agent.<name>:prioritized`
// (a sorted set), and the `…:wait` list that scaler measures with LLEN stays empty.
import { randomUUID } from 'node:crypto';
import { BullmqStepQueue, createRedis, queueName } from '@baton/queue';
import type { Redis } from 'ioredis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `qkeys-${randomUUID().slice(0, 8)}`;
let redis: Redis;
let queue: BullmqStepQueue;

beforeAll(() => {
  redis = createRedis(REDIS_URL, 'worker');
  queue = new BullmqStepQueue({ connection: redis, prefix });
});

afterAll(async () => {
  await queue.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

test('a waiting step job is in the prioritized set, whatever its priority, and the wait list is empty', async () => {
  const job = (n: number) => ({ runId: randomUUID(), key: `s${n}`, attempt: 1, agent: 'echo', input: {}, context: {} });
  await queue.enqueue([{ job: job(1), priority: 5, delayMs: 0 }, { job: job(2), priority: 1, delayMs: 0 }, { job: job(3), priority: 10, delayMs: 0 }]);
  const key = `${prefix}:${queueName('echo')}`;
  expect(key).toBe(`${prefix}:agent.echo`);
  expect(await redis.zcard(`${key}:prioritized`)).toBe(3);
  expect(await redis.llen(`${key}:wait`)).toBe(0);
});
