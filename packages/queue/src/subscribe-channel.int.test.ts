import type { Redis } from 'ioredis';
import { createRedis, redisReady } from './create-redis';
import { subscribeChannel } from './subscribe-channel';
import { eventually, REDIS_URL, testPrefix } from './test-redis';

describe('subscribeChannel', () => {
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

  it('hears its channel only, says when it is down and subscribed again, and is live only while subscribed', async () => {
    const log: string[] = [];
    const sub = subscribeChannel(redis, {
      channel: `${prefix}:things`,
      connectionName: `${prefix}-sub`,
      onMessage: (m) => {
        if (m === 'boom') throw new Error('handler broke');
        log.push(`message ${m}`);
      },
      onSubscribed: () => void log.push('subscribed'),
      onDown: () => void log.push('down'),
      onError: (e) => void log.push(`error ${e.message}`),
    });
    expect(sub.live()).toBe(false);
    await sub.subscribed;
    try {
      expect(sub.live()).toBe(true);
      await redis.publish(`${prefix}:other`, 'x');
      await redis.publish(`${prefix}:things`, 'boom');
      await redis.publish(`${prefix}:things`, 'a');
      await eventually(() => log.includes('message a'));
      expect(log).toEqual(['subscribed', 'error handler broke', 'message a']);

      const list = (await redis.client('LIST')) as string;
      const id = list.split('\n').find((line) => line.includes(`name=${prefix}-sub`))!.match(/id=(\d+)/)![1]!;
      await redis.client('KILL', 'ID', id);
      await eventually(() => log.filter((l) => l === 'subscribed').length === 2);
      expect(log.slice(3)).toContain('down');
      expect(sub.live()).toBe(true);
      await redis.publish(`${prefix}:things`, 'b');
      await eventually(() => log.includes('message b'));
    } finally {
      await sub.close();
      await sub.close();
    }
    expect(sub.live()).toBe(false);
  });

  it('rejects `subscribed` when closed before it could subscribe (Redis unreachable)', async () => {
    const down = createRedis('redis://127.0.0.1:1', 'client');
    down.on('error', () => undefined);
    try {
      const sub = subscribeChannel(down, { channel: `${prefix}:things`, onMessage: () => undefined });
      const settled = sub.subscribed.then(() => 'subscribed', (e: Error) => e.message);
      await sub.close();
      expect(await settled).toBe(`closed before subscribing to ${prefix}:things`);
      expect(sub.live()).toBe(false);
    } finally {
      down.disconnect();
    }
  });
});
