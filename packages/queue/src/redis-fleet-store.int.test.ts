import type { Redis } from 'ioredis';
import { createRedis, redisReady } from './create-redis';
import { RedisFleetStore } from './redis-fleet-store';
import { redisEvictionPolicy } from './redis-eviction-policy';
import { deleteKeys, REDIS_URL, testPrefix } from './test-redis';

describe('RedisFleetStore', () => {
  let prefix: string;
  let redis: Redis;

  beforeEach(async () => {
    prefix = testPrefix();
    redis = createRedis(REDIS_URL, 'client');
    await redisReady(redis);
  });
  afterEach(async () => {
    try {
      await deleteKeys(redis, prefix);
    } finally {
      redis.disconnect();
    }
  });

  it('adds the deltas of several processes, integers and fractions, in one hash per prefix', async () => {
    const a = new RedisFleetStore(redis, prefix);
    const b = new RedisFleetStore(redis, prefix);
    await a.add(new Map([['steps\tagent="echo"\t', 2], ['wait\tagent="echo"\tsum', 0.25]]));
    await b.add(new Map([['steps\tagent="echo"\t', 3], ['wait\tagent="echo"\tsum', 0.5]]));
    await b.add(new Map());
    expect(await a.totals()).toEqual({ 'steps\tagent="echo"\t': '5', 'wait\tagent="echo"\tsum': '0.75' });
    expect(await new RedisFleetStore(redis, testPrefix()).totals()).toEqual({});
  });

  it('adds a flush of 2,000 fields (one EVAL)', async () => {
    const store = new RedisFleetStore(redis, prefix);
    await store.add(new Map(Array.from({ length: 2000 }, (_, i) => [`f${i}`, i] as [string, number])));
    const totals = await store.totals();
    expect(Object.keys(totals)).toHaveLength(2000);
    expect(totals.f1999).toBe('1999');
  });
});

describe('redisEvictionPolicy', () => {
  it('reads the policy with CONFIG GET', async () => {
    const redis = createRedis(REDIS_URL, 'client');
    try {
      await redisReady(redis);
      const [, expected] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
      expect(await redisEvictionPolicy(redis)).toBe(expected);
    } finally {
      redis.disconnect();
    }
  });

  it('falls back to INFO memory when CONFIG is refused (renamed or disabled)', async () => {
    const redis = createRedis(REDIS_URL, 'client');
    try {
      await redisReady(redis);
      const refusing = { config: () => Promise.reject(new Error("ERR unknown command 'CONFIG'")), info: (section: string) => redis.info(section) };
      expect(await redisEvictionPolicy(refusing as never)).toBe(/maxmemory_policy:(\S+)/.exec(await redis.info('memory'))![1]);
    } finally {
      redis.disconnect();
    }
  });
});
