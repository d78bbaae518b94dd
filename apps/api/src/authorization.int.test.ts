// Who may do what, through HTTP: the api's guards and the cancel rule ask @baton/auth's `can`.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Authenticator, Principal } from '@baton/auth';
import { KyselyRunQueries, KyselyRunStore, createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { AgentRegistry, createRedis } from '@baton/queue';
import { Runtime } from '@baton/runtime';
import { createLogger, createMetrics } from '@baton/telemetry';
import type { Redis } from 'ioredis';
import { createApp } from './create-app';
import { createReadiness } from './readiness';

jest.setTimeout(30_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `baton-authz-test-${randomUUID().slice(0, 8)}`;

// Each key is a caller; the key is also its subject.
const CALLERS: Record<string, Omit<Principal, 'subject'>> = {
  alice: { tenant: 't1', role: 'submitter' },
  bob: { tenant: 't1', role: 'submitter' },
  olga: { tenant: 't1', role: 'operator' },
  vera: { tenant: 't1', role: 'viewer' },
  tom: { tenant: 't2', role: 'submitter' },
  otto: { tenant: 't2', role: 'operator' },
};
type Caller = keyof typeof CALLERS;
const byKey: Authenticator = {
  authenticate: async (key) => (key !== undefined && CALLERS[key] ? { ...CALLERS[key], subject: key } : undefined),
};

let database: TestDatabase;
let db: Db;
let redis: Redis;
let server: Server;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_authz' });
  db = createDb({ url: database.url, poolSize: 2 });
  redis = createRedis(REDIS_URL, 'worker');
  const agents = new AgentRegistry({ connection: redis, prefix });
  await agents.register('test-worker', [{ name: 'echo', description: 'returns its input' }], 60_000);
  const logger = createLogger({ service: 'authz-test', silent: true });
  const app = createApp({
    // Nothing is enqueued for real: these tests are about who may act, not about running steps.
    runtime: new Runtime({ store: new KyselyRunStore(db.kysely), dispatcher: { enqueue: async () => undefined, cancel: async () => undefined, withdraw: async () => undefined }, logger }),
    queries: new KyselyRunQueries(db.kysely),
    agents,
    readiness: createReadiness(redis, db),
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    config: { bodyLimit: '1mb', adminKey: undefined },
    authenticator: byKey,
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  await db?.destroy();
  await database?.drop();
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

async function call(as: Caller, method: string, path: string, body?: unknown): Promise<{ status: number; code?: string; id?: string }> {
  const headers: Record<string, string> = { 'X-API-Key': as };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const parsed = text.startsWith('{') ? (JSON.parse(text) as { id?: string; error?: { code: string } }) : {};
  return { status: res.status, code: parsed.error?.code, id: parsed.id };
}

const workflow = { name: 'authz', steps: [{ id: 'a', agent: 'echo', input: { text: 'hi' } }] };

async function submitAs(caller: Caller): Promise<string> {
  const res = await call(caller, 'POST', '/v1/runs', { workflow });
  expect(res.status).toBe(202);
  return res.id as string;
}

it('lets each role through the routes of API.md, and no further', async () => {
  const run = await submitAs('alice');
  const cases: Array<[Caller, string, string, unknown, number]> = [
    ['vera', 'POST', '/v1/runs', { workflow }, 403],
    ['olga', 'POST', '/v1/runs', { workflow }, 403],
    ['vera', 'GET', `/v1/runs/${run}`, undefined, 200],
    ['bob', 'GET', `/v1/runs/${run}`, undefined, 200],
    ['vera', 'GET', '/v1/runs', undefined, 200],
    ['vera', 'GET', '/v1/agents', undefined, 200],
    ['vera', 'GET', '/metrics', undefined, 200],
    ['vera', 'POST', '/v1/workflows/validate', { workflow }, 403],
    ['alice', 'POST', '/v1/workflows/validate', { workflow }, 200],
    ['olga', 'POST', '/v1/workflows/validate', { workflow }, 200],
    ['alice', 'POST', `/v1/runs/${run}/retry`, undefined, 403],
    ['vera', 'POST', `/v1/runs/${run}/cancel`, undefined, 403],
    // An operator passes the guard; the run is not failed, so the retry itself is refused.
    ['olga', 'POST', `/v1/runs/${run}/retry`, undefined, 409],
  ];
  const answers = [];
  for (const [caller, method, path, body] of cases) answers.push((await call(caller, method, path, body)).status);
  expect(answers).toEqual(cases.map((c) => c[4]));
});

it('lets a submitter cancel only its own runs, and an operator any run of its tenant', async () => {
  const alices = await submitAs('alice');
  expect(await call('bob', 'POST', `/v1/runs/${alices}/cancel`)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  expect(await call('alice', 'POST', `/v1/runs/${alices}/cancel`)).toMatchObject({ status: 202 });

  const bobs = await submitAs('bob');
  expect(await call('olga', 'POST', `/v1/runs/${bobs}/cancel`)).toMatchObject({ status: 202 });
});

it('shows another tenant\'s runs to nobody: a 404, never a 403', async () => {
  const alices = await submitAs('alice');
  for (const caller of ['tom', 'otto'] as const) {
    expect(await call(caller, 'GET', `/v1/runs/${alices}`)).toMatchObject({ status: 404, code: 'RUN_NOT_FOUND' });
    expect(await call(caller, 'POST', `/v1/runs/${alices}/cancel`)).toMatchObject({ status: 404, code: 'RUN_NOT_FOUND' });
  }
  expect(await call('otto', 'POST', `/v1/runs/${alices}/retry`)).toMatchObject({ status: 404, code: 'RUN_NOT_FOUND' });
  // …and the run is untouched.
  expect(await call('alice', 'POST', `/v1/runs/${alices}/cancel`)).toMatchObject({ status: 202 });
});

it('takes no tenant, submitter or id from the client: such a submission is a 400 naming the field, and nothing is stored', async () => {
  const before = await db.kysely.selectFrom('runs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  for (const field of ['tenant', 'submittedBy', 'submitted_by', 'id'] as const) {
    const res = await fetch(`${base}/v1/runs`, {
      method: 'POST', headers: { 'X-API-Key': 'alice', 'Content-Type': 'application/json' }, body: JSON.stringify({ workflow, [field]: 't2' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ path: field, message: 'unknown field' }] } });
  }
  const after = await db.kysely.selectFrom('runs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  expect(after.n).toBe(before.n);
});

it('lists only the runs of the caller\'s tenant', async () => {
  const alices = await submitAs('alice');
  const toms = await submitAs('tom');
  const list = async (as: Caller) => {
    const res = await fetch(`${base}/v1/runs?limit=200`, { headers: { 'X-API-Key': as } });
    return ((await res.json()) as { items: Array<{ id: string }> }).items.map((r) => r.id);
  };
  expect(await list('otto')).toContain(toms);
  expect(await list('otto')).not.toContain(alices);
  expect(await list('vera')).toContain(alices);
  expect(await list('vera')).not.toContain(toms);
});
