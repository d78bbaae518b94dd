// Several api instances behave as one: every request of this test goes to the next of two
// instances in turn, and what one instance did is what the other sees: runs, idempotency keys,
// templates and their cache, API keys and their revocation, rate limits, and live events; and each
// instance's caches (templates, API keys, agents) forget at once what another instance changed.
import { loadConfig, startApi, type RunningApi } from '@baton/app-api';
import { AgentRegistry } from '@baton/queue';
import { createLogger } from '@baton/telemetry';
import { BatonHarness } from '../testing/baton-harness';

const ADMIN = 'admin-key-for-the-many-apis-test';

jest.setTimeout(60_000);

describe('two api instances, requests alternating between them', () => {
  let baton: BatonHarness;
  let second: RunningApi;
  let turn = 0;
  const bases = () => [baton.url, `http://127.0.0.1:${second.port}`];
  /** Sends to the next instance in turn, and says which one answered. */
  const call = async (method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}) => {
    const base = bases()[turn++ % 2]!;
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, base, headers: res.headers };
  };

  /** Polls the run, alternating too, until it is final. */
  const finished = async (id: string) => {
    for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      const run = await call('GET', `/v1/runs/${id}`, ADMIN);
      if (['succeeded', 'failed', 'cancelled'].includes(run.body?.status)) return run.body as { status: string; steps: Array<{ output?: unknown }> };
    }
    throw new Error(`run ${id} did not finish`);
  };

  beforeAll(async () => {
    baton = await BatonHarness.start({ env: { BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: 'pepper-for-the-many-apis-test-0123456789' } });
    second = await startApi(loadConfig(baton.env), createLogger({ level: 'error', service: 'api-2', silent: true }));
  });
  afterAll(async () => {
    await second?.close();
    await baton?.close();
  });

  test('runs, idempotency keys and live events', async () => {
    const workflow = { name: 'pair', steps: [{ id: 'a', agent: 'echo' }, { id: 'pause', agent: 'delay', needs: ['a'], input: { ms: 300 } }, { id: 'b', agent: 'echo', needs: ['pause'] }] };
    const first = await call('POST', '/v1/runs', ADMIN, { workflow, input: { n: 1 } }, { 'idempotency-key': 'pair-1' });
    const again = await call('POST', '/v1/runs', ADMIN, { workflow, input: { n: 1 } }, { 'idempotency-key': 'pair-1' });
    expect(first.base).not.toBe(again.base);
    expect(first.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect((await call('POST', '/v1/runs', ADMIN, { workflow, input: { n: 2 } }, { 'idempotency-key': 'pair-1' })).status).toBe(409);

    // Followed live on the instance that did not take the submission, to the end.
    const sse = await fetch(`${again.base}/v1/runs/${first.body.id}/events`, { headers: { authorization: `Bearer ${ADMIN}`, accept: 'text/event-stream' }, signal: AbortSignal.timeout(20_000) });
    const types = (await sse.text()).split('\n').filter((l) => l.startsWith('event: ')).map((l) => l.slice(7));
    expect(types.at(-1)).toBe('run.succeeded');
    expect(types.filter((t) => t === 'step.succeeded')).toHaveLength(3);
    for (let i = 0; i < 2; i++) expect((await call('GET', `/v1/runs/${first.body.id}`, ADMIN)).body.status).toBe('succeeded');
    const listed = await call('GET', '/v1/runs?limit=5', ADMIN);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toContain(first.body.id);
  });

  test('a template changed on one instance runs in its new version from the other', async () => {
    expect((await call('PUT', '/v1/templates/greet', ADMIN, { name: 'greet', steps: [{ id: 'hi', agent: 'echo', input: { v: 1 } }] })).status).toBe(201);
    const v1 = await call('POST', '/v1/runs', ADMIN, { template: 'greet' });
    expect((await finished(v1.body.id)).steps[0]!.output).toEqual({ v: 1 });
    expect((await call('GET', '/v1/templates/greet', ADMIN)).body.version).toBe(1);
    expect((await call('PUT', '/v1/templates/greet', ADMIN, { name: 'greet', steps: [{ id: 'hi', agent: 'echo', input: { v: 2 } }] })).body.version).toBe(2);
    for (let i = 0; i < 2; i++) {
      const run = await call('POST', '/v1/runs', ADMIN, { template: 'greet' });
      expect((await finished(run.body.id)).steps[0]!.output).toEqual({ v: 2 });
    }
  });

  test('an API key works on both, its rate limit is one budget across both, and deleting it on one stops it on the other at once', async () => {
    const created = await call('POST', '/v1/api-keys', ADMIN, { name: 'shared', role: 'viewer', rateLimitPerMinute: 6 });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const seen: Array<[string, number]> = [];
    for (let i = 0; i < 8; i++) {
      const res = await call('GET', '/v1/runs?limit=1', key);
      seen.push([res.base, res.status]);
    }
    // Six requests pass, three on each instance; the seventh and eighth are refused, one on each.
    expect(seen.map(([, status]) => status)).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    expect(new Set(seen.filter(([, s]) => s === 429).map(([base]) => base)).size).toBe(2);

    const probe = await call('POST', '/v1/api-keys', ADMIN, { name: 'probe', role: 'viewer' });
    const probeKey = probe.body.key as string;
    expect((await call('GET', '/v1/runs?limit=1', probeKey)).status).toBe(200);
    expect((await call('GET', '/v1/runs?limit=1', probeKey)).status).toBe(200); // cached on both now
    const deletedOn = turn % 2;
    expect((await call('DELETE', `/v1/api-keys/${probe.body.id}`, ADMIN)).status).toBe(204);
    const after = await call('GET', '/v1/runs?limit=1', probeKey);
    expect(after.base).toBe(bases()[(deletedOn + 1) % 2]);
    expect(after.status).toBe(401);
  });

  describe('caches, instance by instance', () => {
    /** Sends to one instance (0: the harness's, 1: the second). */
    const on = async (instance: number, method: string, path: string, key: string, body?: unknown) => {
      const res = await fetch(`${bases()[instance]}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text && res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
    };
    /** `baton_cache_hits_total` and `baton_cache_misses_total` of one cache, from an instance's /metrics. */
    const counts = async (instance: number, cache: string) => {
      const text = (await on(instance, 'GET', '/metrics', ADMIN)).body as string;
      const value = (series: string) => Number(new RegExp(`^${series}\\{cache="${cache}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      return { hits: value('baton_cache_hits_total'), misses: value('baton_cache_misses_total') };
    };

    test('a template version put on one is what the other starts at once; its caches count hits and misses', async () => {
      const tpl = (v: number) => ({ name: 'cached', steps: [{ id: 'hi', agent: 'echo', input: { v } }] });
      expect((await on(0, 'PUT', '/v1/templates/cached', ADMIN, tpl(1))).status).toBe(201);
      const before = await counts(1, 'template_latest');
      const versionsBefore = await counts(1, 'templates');
      for (let i = 0; i < 3; i++) expect((await on(1, 'POST', '/v1/runs', ADMIN, { template: 'cached' })).status).toBe(202);
      // The first start reads the latest version and the version itself; the next two read neither.
      expect(await counts(1, 'template_latest')).toEqual({ hits: before.hits + 2, misses: before.misses + 1 });
      expect(await counts(1, 'templates')).toEqual({ hits: versionsBefore.hits + 2, misses: versionsBefore.misses + 1 });

      expect((await on(0, 'PUT', '/v1/templates/cached', ADMIN, tpl(2))).body.version).toBe(2);
      const run = await on(1, 'POST', '/v1/runs', ADMIN, { template: 'cached' });
      expect((await finished(run.body.id)).steps[0]!.output).toEqual({ v: 2 });
      expect((await counts(1, 'template_latest')).misses).toBe(before.misses + 2);
    });

    test('a key deleted on one is refused by the other at once; its cache counts hits and misses', async () => {
      const created = await on(0, 'POST', '/v1/api-keys', ADMIN, { name: 'cached-key', role: 'viewer' });
      const key = created.body.key as string;
      const before = await counts(1, 'api_keys');
      for (let i = 0; i < 3; i++) expect((await on(1, 'GET', '/v1/runs?limit=1', key)).status).toBe(200);
      expect(await counts(1, 'api_keys')).toEqual({ hits: before.hits + 2, misses: before.misses + 1 });
      expect((await on(0, 'DELETE', `/v1/api-keys/${created.body.id}`, ADMIN)).status).toBe(204);
      expect((await on(1, 'GET', '/v1/runs?limit=1', key)).status).toBe(401);
      expect((await counts(1, 'api_keys')).misses).toBe(before.misses + 2);
    });

    test('an agent a new worker registers is known to every instance at once', async () => {
      const workflow = { name: 'shouting', steps: [{ id: 's', agent: 'shout' }] };
      // Instance 1 reads (and keeps) the known agents: shout is not among them yet.
      expect((await on(1, 'POST', '/v1/runs', ADMIN, { workflow })).body.error.code).toBe('VALIDATION_FAILED');
      const before = await counts(1, 'agents');
      await new AgentRegistry({ connection: baton.redis, prefix: baton.prefix }).register('shouting-worker', [{ name: 'shout', description: 'shouts' }], 60_000);
      expect((await on(1, 'POST', '/v1/runs', ADMIN, { workflow })).status).toBe(202);
      expect((await counts(1, 'agents')).misses).toBe(before.misses + 1);
      const listed = (await on(1, 'GET', '/v1/agents', ADMIN)).body.items as Array<{ name: string; workers: number }>;
      expect(listed.find((a) => a.name === 'shout')).toMatchObject({ workers: 1 });
    });
  });
});
