// Baton on a Redis Cluster of three masters: REDIS_URL lists the nodes, BATON_QUEUE_PREFIX is a
// hash tag, so every key of every queue lands on one slot. A chain, a fan-out, and every node
// flushed with runs in flight.
import { randomUUID } from 'node:crypto';
import { BatonHarness } from '../testing/baton-harness';
import { startRedisCluster } from '../testing/ephemeral-services';

jest.setTimeout(120_000);

describe('on a Redis Cluster', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  let baton: BatonHarness;
  const tag = `{c${randomUUID().slice(0, 8)}}`;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    baton = await BatonHarness.start({ redisUrl: cluster.url, workers: 2, env: { BATON_QUEUE_PREFIX: tag } });
  });
  afterAll(async () => {
    await baton?.close();
    await cluster?.shutdown();
  });

  test('a chain runs, and every Baton key sits on the one node that owns the tag\'s slot', async () => {
    const id = await baton.submit({ name: 'chain', steps: [{ id: 'a', agent: 'echo' }, { id: 'b', agent: 'echo', needs: ['a'], input: { from: '{{ $steps.a.output }}' } }, { id: 'c', agent: 'echo', needs: ['b'] }] }, { n: 1 });
    const run = await baton.waitFor(id);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const keysPerNode = cluster.ports.map((port) => Number(cluster.cli(port, 'dbsize').trim()));
    expect(keysPerNode.filter((n) => n > 0)).toHaveLength(1);
    const slot = cluster.cli(cluster.ports[0]!, 'cluster', 'keyslot', `${tag}:anything`).trim();
    const owner = cluster.ports[keysPerNode.findIndex((n) => n > 0)]!;
    expect(Number(cluster.cli(owner, 'cluster', 'countkeysinslot', slot).trim())).toBe(keysPerNode.reduce((a, b) => a + b, 0));
  });

  test('a fan-out of 200 items', async () => {
    const items = Array.from({ length: 200 }, (_, i) => i);
    const id = await baton.submit({
      name: 'fanout',
      steps: [
        { id: 'each', agent: 'echo', forEach: '{{ $input.items }}', input: { n: '{{ $item }}' } },
        { id: 'sum', agent: 'transform', needs: ['each'], input: { expression: '$sum($.n)', data: '{{ $steps.each.output }}' } },
      ],
    }, { items });
    const run = await baton.waitFor(id, { timeoutMs: 60_000 });
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.key === 'sum')?.output).toBe(199 * 100);
  });

  test('pub/sub on the cluster: live events reach an SSE stream, and a cancel reaches the running step', async () => {
    const id = await baton.submit({ name: 'long', steps: [{ id: 'a', agent: 'echo' }, { id: 'nap', agent: 'delay', needs: ['a'], input: { ms: 60_000 } }] });
    const stream = fetch(`${baton.url}/v1/runs/${id}/events`, { headers: { accept: 'text/event-stream' }, signal: AbortSignal.timeout(30_000) }).then((r) => r.text());
    await baton.waitFor(id, { status: 'running' });
    for (const end = Date.now() + 15_000; !(await baton.run(id)).steps.some((s) => s.key === 'nap' && s.status === 'running');) {
      if (Date.now() > end) throw new Error('the delay step never ran');
      await new Promise((r) => setTimeout(r, 50));
    }
    const started = Date.now();
    expect((await baton.request('POST', `/v1/runs/${id}/cancel`)).status).toBe(202);
    expect((await baton.waitFor(id)).status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(10_000);
    const types = (await stream).split('\n').filter((l) => l.startsWith('event: ')).map((l) => l.slice(7));
    expect(types).toContain('step.started');
    expect(types.at(-1)).toBe('run.cancelled');
  });

  test('every node flushed with runs in flight: every run completes', async () => {
    const slow = { name: 'slow', steps: [{ id: 'a', agent: 'echo' }, { id: 'wait', agent: 'delay', needs: ['a'], input: { ms: 1500 } }, { id: 'c', agent: 'echo', needs: ['wait'] }] };
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await baton.submit(slow, { i }));
    await new Promise((r) => setTimeout(r, 500));
    for (const port of cluster.ports) expect(cluster.cli(port, 'flushall').trim()).toBe('OK');
    for (const id of ids) expect((await baton.waitFor(id, { timeoutMs: 60_000 })).status).toBe('succeeded');
  });
});
