import { randomUUID } from 'node:crypto';
import { KyselyRunQueries, KyselyRunStore, createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { AgentRegistry, createRedis } from '@baton/queue';
import { Runtime } from '@baton/runtime';
import { createLogger, createMetrics } from '@baton/telemetry';
import type { Redis } from 'ioredis';
import { loadConfig } from './config';
import { createApp } from './create-app';
import { createReadiness } from './readiness';
import { startApi, type RunningApi } from './start-api';

jest.setTimeout(30_000);

const KEY = `test-admin-key-${randomUUID()}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `baton-api-test-${randomUUID().slice(0, 8)}`;

let database: TestDatabase;
let db: Db;
let redis: Redis;
let api: RunningApi;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_api' });
  db = createDb({ url: database.url, poolSize: 2 });
  redis = createRedis(REDIS_URL, 'worker'); // waits for the connection instead of failing at once
  // No workers run here: register `echo` as a worker would, so workflows naming it are valid.
  await new AgentRegistry({ connection: redis, prefix }).register('test-worker', [{ name: 'echo', description: 'returns its input' }], 60_000);
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL, BATON_QUEUE_PREFIX: prefix, BATON_ADMIN_KEY: KEY, DB_POOL_SIZE: '4',
  });
  api = await startApi(config, createLogger({ service: 'api-test', silent: true }));
  base = `http://127.0.0.1:${api.port}`;
});

afterAll(async () => {
  await api?.close();
  await db?.destroy();
  await database?.drop();
  if (redis) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
});

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
  body: any;
}

async function call(method: string, path: string, options: { body?: unknown; raw?: string; type?: string; headers?: Record<string, string>; key?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== null) headers['X-API-Key'] = options.key ?? KEY;
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    body = options.raw ?? JSON.stringify(options.body);
    headers['Content-Type'] = options.type ?? 'application/json';
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

const workflow = (name: string) => ({
  name,
  input: { type: 'object', required: ['ticket'], properties: { ticket: { type: 'object', required: ['body'] } } },
  steps: [
    { id: 'classify', agent: 'echo', input: { text: '{{ $input.ticket.body }}' } },
    { id: 'reply', agent: 'echo', needs: ['classify'], input: { label: '{{ $steps.classify.output.text }}' } },
  ],
});
const input = { ticket: { body: 'my printer is on fire' } };

const expectError = (res: Answer, status: number, code: string) => {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.body.error).toEqual({ code, message: expect.any(String), details: expect.any(Array) });
};

describe('POST /v1/runs', () => {
  it('accepts a run: 202 with id, status and links', async () => {
    const res = await call('POST', '/v1/runs', { body: { workflow: workflow('submit'), input, priority: 7 } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'queued',
      links: { self: `/v1/runs/${res.body.id}`, events: `/v1/runs/${res.body.id}/events` },
    });
    expect(res.headers.get('location')).toBe(`/v1/runs/${res.body.id}`);
  });

  it('lists every problem of a workflow, with paths under workflow', async () => {
    const res = await call('POST', '/v1/runs', {
      body: {
        workflow: {
          name: 'broken',
          steps: [
            { id: 'a', agent: 'echo', needs: ['c'] },
            { id: 'a', agent: 'echo' },
            { id: 'b', agent: 'nobody', needs: ['ghost'] },
            { id: 'c', agent: 'echo', needs: ['a'] },
          ],
        },
      },
    });
    expectError(res, 400, 'VALIDATION_FAILED');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining([
      'workflow.steps[1].id', // duplicate id
      'workflow.steps[2].agent', // unknown agent
      'workflow.steps[2].needs[0]', // unknown need
    ]));
    expect(res.body.error.details).toEqual(expect.arrayContaining([
      { path: expect.stringMatching(/^workflow\.steps\[\d\]\.needs$/), message: expect.stringContaining('cycle') },
    ]));
  });

  it('validates the input against the workflow input schema', async () => {
    const res = await call('POST', '/v1/runs', { body: { workflow: workflow('input-check'), input: { ticket: {} } } });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([{ path: 'input.ticket.body', message: 'is required' }]);
  });

  it('refuses unknown fields, a bad priority and a template (not built yet)', async () => {
    const unknown = await call('POST', '/v1/runs', { body: { workflow: workflow('x'), input, colour: 'red', priority: 11 } });
    expectError(unknown, 400, 'VALIDATION_FAILED');
    expect(unknown.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['colour', 'priority']);
    expectError(await call('POST', '/v1/runs', { body: { template: 'triage', input } }), 404, 'TEMPLATE_NOT_FOUND');
    expectError(await call('POST', '/v1/runs', { body: { input } }), 400, 'VALIDATION_FAILED');
  });

  it('refuses \\u0000 anywhere in the body before it reaches Postgres', async () => {
    const res = await call('POST', '/v1/runs', { raw: JSON.stringify({ workflow: workflow('nul'), input: { ticket: { body: 'a\u0000b' } } }) });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([{ path: 'input.ticket.body', message: expect.any(String) }]);
  });

  it('refuses a body nested deeper than 64 levels with a 400, and stays up', async () => {
    const deep = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    const res = await call('POST', '/v1/runs', { raw: `{"workflow":${JSON.stringify(workflow('deep'))},"input":${deep}}` });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('answers 413 over the 1 MiB body limit, 415 for text/plain and 400 for invalid JSON', async () => {
    expectError(await call('POST', '/v1/runs', { body: { workflow: workflow('big'), input: { ticket: { body: 'x'.repeat(1_100_000) } } } }), 413, 'PAYLOAD_TOO_LARGE');
    expectError(await call('POST', '/v1/runs', { raw: 'hello', type: 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await call('POST', '/v1/runs', { raw: '{"workflow": ' }), 400, 'INVALID_JSON');
  });

  it('answers 401 without a key or with a wrong one', async () => {
    expectError(await call('POST', '/v1/runs', { body: { workflow: workflow('x'), input }, key: null }), 401, 'UNAUTHENTICATED');
    expectError(await call('GET', '/v1/runs', { key: 'not-the-key' }), 401, 'UNAUTHENTICATED');
    expectError(await call('GET', '/metrics', { key: null }), 401, 'UNAUTHENTICATED');
  });
});

describe('idempotency', () => {
  it('returns the same run for the same key and body (200), and 409 for another body', async () => {
    const key = randomUUID();
    const body = { workflow: workflow('idem'), input };
    const first = await call('POST', '/v1/runs', { body, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(202);
    // the same body with its keys in another order is the same body
    const again = await call('POST', '/v1/runs', { body: { input, workflow: workflow('idem') }, headers: { 'Idempotency-Key': key } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const other = await call('POST', '/v1/runs', { body: { ...body, priority: 9 }, headers: { 'Idempotency-Key': key } });
    expectError(other, 409, 'IDEMPOTENCY_CONFLICT');
  });

  it('makes exactly one run of 8 concurrent duplicates', async () => {
    const key = randomUUID();
    const name = `concurrent-${randomUUID().slice(0, 8)}`;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call('POST', '/v1/runs', { body: { workflow: workflow(name), input }, headers: { 'Idempotency-Key': key } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const { count } = await db.kysely.selectFrom('runs').select((eb) => eb.fn.countAll<string>().as('count')).where('workflow_name', '=', name).executeTakeFirstOrThrow();
    expect(Number(count)).toBe(1);
  });

  it('refuses an empty or over-long key', async () => {
    const long = 'k'.repeat(201);
    expectError(await call('POST', '/v1/runs', { body: { workflow: workflow('idem'), input }, headers: { 'Idempotency-Key': long } }), 400, 'VALIDATION_FAILED');
  });
});

describe('GET /v1/runs/:id', () => {
  it('shows the run with its steps queued and pending', async () => {
    const { body: submitted } = await call('POST', '/v1/runs', { body: { workflow: workflow('show'), input } });
    const res = await call('GET', `/v1/runs/${submitted.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: submitted.id,
      status: 'queued',
      workflow: 'show',
      input,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      steps: [
        { id: 'classify', key: 'classify', status: 'queued', agent: 'echo', attempts: 1, attemptLog: [{ attempt: 1 }] },
        { id: 'reply', key: 'reply', status: 'pending', agent: 'echo', attempts: 0, attemptLog: [] },
      ],
    });
  });

  it('answers 404 for an unknown or malformed id', async () => {
    expectError(await call('GET', `/v1/runs/${randomUUID()}`), 404, 'RUN_NOT_FOUND');
    expectError(await call('GET', '/v1/runs/not-a-uuid'), 404, 'RUN_NOT_FOUND');
    expectError(await call('GET', "/v1/runs/1'%20OR%201=1"), 404, 'RUN_NOT_FOUND');
  });

  it('answers 404 for an unknown route, in the error shape', async () => {
    expectError(await call('GET', '/v1/nothing-here'), 404, 'NOT_FOUND');
  });
});

describe('GET /v1/runs', () => {
  it('pages through runs with an opaque cursor, newest first', async () => {
    const name = `page-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call('POST', '/v1/runs', { body: { workflow: workflow(name), input } })).body.id);
    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | undefined;
    do {
      const res = await call('GET', `/v1/runs?template=${name}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(res.body.items.length);
      for (const item of res.body.items) {
        expect(item).toEqual({ id: expect.any(String), status: 'queued', workflow: name, createdAt: expect.any(String) });
        seen.push(item.id);
      }
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([2, 2, 1]);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status and refuses bad parameters', async () => {
    const res = await call('GET', '/v1/runs?status=succeeded&limit=200');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    expect(res.body.nextCursor).toBeUndefined();
    for (const query of ['limit=201', 'limit=0', 'limit=abc', 'status=sleeping', 'cursor=garbage!', `cursor=${Buffer.from('{}').toString('base64url')}`, 'limit=1&limit=2']) {
      expectError(await call('GET', `/v1/runs?${query}`), 400, 'VALIDATION_FAILED');
    }
  });
});

describe('POST /v1/runs/:id/cancel', () => {
  it('cancels a live run (202), then a second cancel is 409 RUN_FINISHED', async () => {
    const { body: submitted } = await call('POST', '/v1/runs', { body: { workflow: workflow('cancel-me'), input } });
    const res = await call('POST', `/v1/runs/${submitted.id}/cancel`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: submitted.id, status: 'cancelled' });
    const run = await call('GET', `/v1/runs/${submitted.id}`);
    expect(run.body.status).toBe('cancelled');
    expect(run.body.finishedAt).toEqual(expect.any(String));
    const again = await call('POST', `/v1/runs/${submitted.id}/cancel`);
    expectError(again, 409, 'RUN_FINISHED');
    expect(again.body.error.message).toBe('run is already cancelled');
  });

  it('answers 404 for an unknown or malformed id', async () => {
    expectError(await call('POST', `/v1/runs/${randomUUID()}/cancel`), 404, 'RUN_NOT_FOUND');
    expectError(await call('POST', '/v1/runs/nope/cancel'), 404, 'RUN_NOT_FOUND');
  });
});

describe('workflows, agents and operations', () => {
  it('validates a workflow without running it', async () => {
    expect(await call('POST', '/v1/workflows/validate', { body: { workflow: workflow('ok') } })).toMatchObject({ status: 200, body: { valid: true } });
    const bad = await call('POST', '/v1/workflows/validate', { body: { workflow: { name: 'bad', steps: [] } } });
    expectError(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.error.details[0].path).toBe('workflow.steps');
  });

  it('lists the registered agents', async () => {
    const res = await call('GET', '/v1/agents');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([{ name: 'echo', description: 'returns its input', workers: 1, status: 'online', lastSeenAt: expect.any(String) }]);
  });

  it('answers /healthz and /readyz without credentials', async () => {
    expect(await call('GET', '/healthz', { key: null })).toMatchObject({ status: 200, body: { status: 'ok' } });
    const check = { ok: true, latencyMs: expect.any(Number) };
    expect(await call('GET', '/readyz', { key: null })).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { redis: check, redisEvictionPolicy: check, postgres: check, migrations: check } },
    });
  });

  it('serves Prometheus metrics labelled by route template', async () => {
    const res = await call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(res.body).toMatch(/baton_http_requests_total\{method="GET",route="\/v1\/runs\/:id",status="200"\} \d+/);
    expect(res.body).toMatch(/baton_http_requests_total\{method="POST",route="\/v1\/runs",status="202"\} \d+/);
  });
});

describe('when a dependency is down', () => {
  it('starts without Redis, answers 503 where it is needed and says so in /readyz', async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:1', BATON_QUEUE_PREFIX: prefix });
    const down = await startApi(config, createLogger({ service: 'api-test', silent: true }), { redisWaitMs: 200 });
    try {
      const url = `http://127.0.0.1:${down.port}`;
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { checks: Record<string, { ok: boolean }>; error: { code: string; details: Array<{ path: string }> } };
      expect(body.error.code).toBe('UNAVAILABLE');
      // Redis unreachable: its policy cannot be read either; Postgres is fine.
      expect(body.error.details.map((d) => d.path)).toEqual(['redis', 'redisEvictionPolicy']);
      expect(body.checks.postgres!.ok).toBe(true);
      const submit = await fetch(`${url}/v1/runs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ workflow: workflow('x'), input }) });
      expect(submit.status).toBe(503);
      expect(((await submit.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');
      // reading runs needs only Postgres
      expect((await fetch(`${url}/v1/runs`)).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  it('answers 503 when Postgres is unreachable', async () => {
    const logger = createLogger({ service: 'api-test', silent: true });
    const deadDb = createDb({ url: 'postgres://postgres@127.0.0.1:1/none', poolSize: 1 });
    const app = createApp({
      runtime: new Runtime({ store: new KyselyRunStore(deadDb.kysely), dispatcher: { enqueue: async () => undefined, cancel: async () => undefined, withdraw: async () => undefined }, logger }),
      queries: new KyselyRunQueries(deadDb.kysely),
      agents: new AgentRegistry({ connection: redis, prefix }),
      readiness: createReadiness(redis, deadDb),
      logger,
      metrics: createMetrics({ defaultMetrics: false }),
      config: { bodyLimit: '1mb' },
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const list = await fetch(`${url}/v1/runs`);
      expect(list.status).toBe(503);
      expect(await list.text()).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      const submit = await fetch(`${url}/v1/runs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ workflow: workflow('x'), input }) });
      expect(submit.status).toBe(503);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      const text = await ready.text();
      expect(text).not.toMatch(/127\.0\.0\.1|postgres:\/\//);
      expect((JSON.parse(text) as { error: { details: unknown } }).error.details).toEqual([
        { path: 'postgres', message: expect.any(String) },
        { path: 'migrations', message: expect.any(String) },
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await deadDb.destroy();
    }
  });
});
