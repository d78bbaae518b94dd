import type { Redis } from 'ioredis';
import { AgentRegistry, agentRegistryChannel } from './agent-registry';
import { subscribeChannel } from './subscribe-channel';
import { createRedis, redisReady } from './create-redis';
import { deleteKeys, eventually, REDIS_URL, testPrefix } from './test-redis';

const echo = { name: 'echo', description: 'returns its input' };
const delay = { name: 'delay', description: 'waits' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('AgentRegistry', () => {
  let prefix: string;
  let redis: Redis;
  let registry: AgentRegistry;

  beforeEach(async () => {
    prefix = testPrefix();
    redis = createRedis(REDIS_URL, 'client');
    registry = new AgentRegistry({ connection: redis, prefix });
    await redisReady(redis);
  });
  afterEach(async () => {
    try {
      await deleteKeys(redis, prefix);
    } finally {
      redis.disconnect();
    }
  });

  it('says on its channel when a worker or an agent comes or goes, and not on a mere heartbeat', async () => {
    const heard: string[] = [];
    const sub = subscribeChannel(redis, { channel: agentRegistryChannel(prefix), onMessage: (m) => void heard.push(m) });
    await sub.subscribed;
    try {
      await registry.register('w1', [echo], 10_000);
      await registry.register('w1', [echo], 10_000); // heartbeat
      await registry.register('w2', [echo], 10_000); // a new worker
      await registry.register('w2', [echo, delay], 10_000); // a new agent
      await registry.unregister('w1');
      await eventually(() => heard.length === 4);
      await sleep(50);
      expect(heard).toEqual(['registered', 'registered', 'registered', 'unregistered']);
    } finally {
      await sub.close();
    }
  });

  it('is empty at first', async () => {
    expect(await registry.list()).toEqual([]);
    expect(await registry.known()).toEqual(new Set());
  });

  it('counts the workers serving each agent', async () => {
    const before = Date.now();
    await registry.register('w1', [echo, delay], 10_000);
    await registry.register('w2', [echo], 10_000);
    await registry.register('w2', [echo], 10_000); // a heartbeat, not a new worker
    const list = await registry.list();
    expect(list.map(({ name, description, workers }) => ({ name, description, workers }))).toEqual([
      { name: 'delay', description: 'waits', workers: 1 },
      { name: 'echo', description: 'returns its input', workers: 2 },
    ]);
    for (const agent of list) {
      expect(Date.parse(agent.lastSeenAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(agent.lastSeenAt)).toBeLessThanOrEqual(Date.now() + 1000);
    }
    expect(await registry.known()).toEqual(new Set(['echo', 'delay']));
  });

  it('stops counting a worker whose heartbeat is older than its ttl, but keeps the agent known', async () => {
    await registry.register('w1', [echo], 150);
    await registry.register('w2', [echo], 10_000);
    await registry.register('w3', [delay], 150);
    await sleep(250);
    expect((await registry.list()).map(({ name, workers, status }) => ({ name, workers, status }))).toEqual([
      { name: 'delay', workers: 0, status: 'offline' },
      { name: 'echo', workers: 1, status: 'online' },
    ]);
    expect(await registry.known()).toEqual(new Set(['echo', 'delay']));
    // Heartbeats bring a worker back.
    await registry.register('w3', [delay], 150);
    expect((await registry.list()).find((a) => a.name === 'delay')?.workers).toBe(1);
  });

  it('forgets a worker at once on unregister', async () => {
    await registry.register('w1', [echo, delay], 10_000);
    await registry.register('w2', [echo], 10_000);
    await registry.unregister('w1');
    await registry.unregister('never-registered');
    expect((await registry.list()).map(({ name, workers }) => ({ name, workers }))).toEqual([
      { name: 'delay', workers: 0 },
      { name: 'echo', workers: 1 },
    ]);
  });

  it('keeps every key under the prefix', async () => {
    await registry.register('w1', [echo], 10_000);
    await registry.register('w1', [], 10_000);
    const keys = await redis.keys('*');
    expect(keys.filter((k) => k.includes(':registry:') && !k.startsWith(`${prefix}:`) && k.includes('w1'))).toEqual([]);
    expect((await redis.keys(`${prefix}:*`)).length).toBeGreaterThan(0);
  });

  it('refuses a ttl that is not a positive integer', async () => {
    await expect(registry.register('w1', [echo], 0)).rejects.toThrow(RangeError);
  });
});
