import type { Redis } from 'ioredis';
import { createRedis, redisReady } from './create-redis';
import { publishRunEvents, runEventsChannel, subscribeRunEvents, type RunEventMark } from './run-events-channel';
import { eventually, REDIS_URL, testPrefix } from './test-redis';

describe('run-events pub/sub', () => {
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

  it('delivers one batch of marks as one message to the subscribers under the prefix, and only there', async () => {
    const got: RunEventMark[][] = [];
    const other: RunEventMark[][] = [];
    const a = subscribeRunEvents(redis, prefix, (m) => void got.push(m));
    const c = subscribeRunEvents(redis, testPrefix(), (m) => void other.push(m));
    await Promise.all([a.subscribed, c.subscribed]);
    try {
      await publishRunEvents(redis, prefix, [{ runId: 'r1', seq: 3 }, { runId: 'r2', seq: 7 }]);
      await publishRunEvents(redis, prefix, []);
      await eventually(() => got.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(got).toEqual([[{ runId: 'r1', seq: 3 }, { runId: 'r2', seq: 7 }]]);
      expect(other).toEqual([]);
    } finally {
      await Promise.all([a.close(), c.close()]);
    }
  });

  it('reports a malformed message and a throwing handler, and subscribes again after its connection dropped', async () => {
    const errors: string[] = [];
    let subscribed = 0;
    let calls = 0;
    const sub = subscribeRunEvents(redis, prefix, () => {
      calls++;
      throw new Error('handler broke');
    }, { onError: (e) => void errors.push(e.message), onSubscribed: () => void subscribed++, connectionName: `${prefix}-sub` });
    await sub.subscribed;
    try {
      expect(subscribed).toBe(1);
      for (const raw of ['nope', '{}', '[["r", "x"]]']) await redis.publish(runEventsChannel(prefix), raw);
      await publishRunEvents(redis, prefix, [{ runId: 'r', seq: 1 }]);
      await eventually(() => errors.length === 4);
      expect(errors.slice(0, 3).every((m) => m.startsWith('malformed run-events message'))).toBe(true);
      expect(errors[3]).toBe('handler broke');
      expect(calls).toBe(1);
      // Kill the subscriber's connection: it reconnects, subscribes again and says so.
      const list = await redis.client('LIST') as string;
      const id = list.split('\n').find((line) => line.includes(`name=${prefix}-sub`))!.match(/id=(\d+)/)![1]!;
      await redis.client('KILL', 'ID', id);
      await eventually(() => subscribed === 2);
      await publishRunEvents(redis, prefix, [{ runId: 'r', seq: 2 }]);
      await eventually(() => calls === 2);
    } finally {
      await sub.close();
      await sub.close();
    }
  });

  it('answers at once and closes without ever connecting when Redis is unreachable', async () => {
    const down = createRedis('redis://127.0.0.1:1', 'client');
    down.on('error', () => undefined);
    try {
      const sub = subscribeRunEvents(down, prefix, () => undefined);
      const settled = sub.subscribed.then(() => 'subscribed', () => 'failed');
      await sub.close();
      expect(await settled).toBe('failed');
    } finally {
      down.disconnect();
    }
  });
});
