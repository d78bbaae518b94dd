import type { Redis } from 'ioredis';
import { cancelChannel, publishCancel, subscribeCancel, type CancelMessage } from './cancel';
import { createRedis, redisReady } from './create-redis';
import { eventually, REDIS_URL, testPrefix } from './test-redis';

describe('cancel pub/sub', () => {
  let prefix: string;
  let redis: Redis;

  beforeEach(async () => {
    prefix = testPrefix();
    redis = createRedis(REDIS_URL, 'client');
    await redisReady(redis);
  });
  afterEach(() => {
    redis.disconnect();
  });

  it('delivers a cancellation to every subscriber under the prefix, and only there', async () => {
    const got: CancelMessage[] = [];
    const other: CancelMessage[] = [];
    const a = await subscribeCancel(redis, prefix, (m) => void got.push(m));
    const b = await subscribeCancel(redis, prefix, (m) => void got.push(m));
    const c = await subscribeCancel(redis, testPrefix(), (m) => void other.push(m));
    try {
      expect(await publishCancel(redis, prefix, { runId: 'run-1', key: 'notify[3]>handoff:1', attempt: 2 })).toBe(2);
      await eventually(() => got.length === 2);
      expect(got).toEqual([
        { runId: 'run-1', key: 'notify[3]>handoff:1', attempt: 2 },
        { runId: 'run-1', key: 'notify[3]>handoff:1', attempt: 2 },
      ]);
      expect(other).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
    expect(await publishCancel(redis, prefix, { runId: 'run-1', key: 'k', attempt: 1 })).toBe(0);
  });

  it('reports malformed messages and failing handlers instead of throwing', async () => {
    const errors: Error[] = [];
    const got: CancelMessage[] = [];
    const sub = await subscribeCancel(
      redis,
      prefix,
      async (m) => {
        if (m.key === 'boom') throw new Error('handler failed');
        got.push(m);
      },
      { onError: (e) => errors.push(e) },
    );
    try {
      await redis.publish(cancelChannel(prefix), 'not json');
      await redis.publish(cancelChannel(prefix), JSON.stringify({ runId: 'r' }));
      await redis.publish(cancelChannel(prefix), 'null');
      await publishCancel(redis, prefix, { runId: 'r', key: 'boom', attempt: 1 });
      await publishCancel(redis, prefix, { runId: 'r', key: 'ok', attempt: 1 });
      await eventually(() => got.length === 1 && errors.length === 4);
      expect(errors.map((e) => e.message)).toEqual([
        'malformed cancel message: not json',
        'malformed cancel message: {"runId":"r"}',
        'malformed cancel message: null',
        'handler failed',
      ]);
    } finally {
      await sub.close();
      await sub.close();
    }
  });
});
