import { BullmqStepQueue } from './bullmq-step-queue';
import { createRedis, redisReady } from './create-redis';
import { REDIS_URL } from './test-redis';

describe('createRedis', () => {
  it('connects a client and a worker connection', async () => {
    const client = createRedis(REDIS_URL, 'client', { connectionName: 'baton-test' });
    const worker = createRedis(REDIS_URL, 'worker');
    await redisReady(client);
    expect(await client.ping()).toBe('PONG');
    expect(await worker.ping()).toBe('PONG');
    expect(worker.options.maxRetriesPerRequest).toBeNull();
    expect(await client.client('GETNAME')).toBe('baton-test');
    await Promise.all([client.quit(), worker.quit()]);
  });

  it('fails fast, without crashing, when Redis is unreachable', async () => {
    const errors: Error[] = [];
    const client = createRedis('redis://127.0.0.1:1', 'client', { onError: (e) => errors.push(e) });
    const queue = new BullmqStepQueue({ connection: client, prefix: 'unreachable' });
    try {
      const started = Date.now();
      await expect(client.ping()).rejects.toThrow();
      const job = { runId: 'r', key: 'k', attempt: 1, agent: 'echo', input: null, context: {} };
      await expect(queue.enqueue([{ job, priority: 5, delayMs: 0 }])).rejects.toThrow(/not available/);
      await expect(queue.jobStates({ echo: ['x'] })).rejects.toThrow(/not available/);
      await expect(queue.removeJob('echo', 'x')).rejects.toThrow(/not available/);
      await expect(redisReady(client, 100)).rejects.toThrow(/not ready after 100 ms/);
      expect(Date.now() - started).toBeLessThan(1000);
      // It keeps trying to reconnect, reporting errors instead of throwing them.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(errors.length).toBeGreaterThan(0);
      expect(client.status).not.toBe('end');
    } finally {
      await queue.close();
      client.disconnect();
    }
  });
});
