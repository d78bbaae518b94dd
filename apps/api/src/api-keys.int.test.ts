// Stored API keys through HTTP: create, list, delete, every way a key is refused, tenancy, and a
// deletion on one api instance refused at once by another that had the key cached.
import { randomUUID } from 'node:crypto';
import { generateApiKey, hashApiKeySecret } from '@baton/auth';
import { KyselyApiKeyStore, createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { AgentRegistry, createRedis } from '@baton/queue';
import { createLogger } from '@baton/telemetry';
import type { Redis } from 'ioredis';
import { loadConfig } from './config';
import { startApi, type RunningApi } from './start-api';

jest.setTimeout(60_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `baton-keys-test-${randomUUID().slice(0, 8)}`;
const ADMIN = 'bootstrap-admin-key-of-32-chars!';
const PEPPER = 'a-pepper-for-the-key-tests-of-32-chars';

let database: TestDatabase;
let db: Db;
let redis: Redis;
let api1: RunningApi;
let api2: RunningApi;
let noPepper: RunningApi;
const base = (api: RunningApi) => `http://127.0.0.1:${api.port}`;

const env = (extra: Record<string, string> = {}) => loadConfig({
  PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL, BATON_QUEUE_PREFIX: prefix, BATON_ADMIN_KEY: ADMIN,
  BATON_KEY_PEPPER: PEPPER, DB_POOL_SIZE: '3', ...extra,
});

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_keys' });
  db = createDb({ url: database.url, poolSize: 2 });
  redis = createRedis(REDIS_URL, 'worker');
  await new AgentRegistry({ connection: redis, prefix }).register('test-worker', [{ name: 'echo', description: 'returns its input' }, { name: 'delay', description: 'waits' }], 60_000);
  const logger = createLogger({ service: 'keys-test', silent: true });
  // Two instances of one deployment, each with its own cache; a third without a pepper.
  api1 = await startApi(env(), logger);
  api2 = await startApi(env(), logger);
  noPepper = await startApi(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL, BATON_QUEUE_PREFIX: prefix, BATON_ADMIN_KEY: ADMIN, DB_POOL_SIZE: '2' }), logger);
});

afterAll(async () => {
  await Promise.all([api1?.close(), api2?.close(), noPepper?.close()]);
  await db?.destroy();
  await database?.drop();
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; details: unknown[] } };
  text: string;
  headers: Headers;
}

async function call(api: RunningApi, method: string, path: string, key: string | undefined, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers['X-API-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base(api) + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Answer['body']) : {}, text, headers: res.headers };
}

async function createKey(body: Record<string, unknown>, as = ADMIN, api = api1): Promise<{ id: string; key: string; tenant: string }> {
  const res = await call(api, 'POST', '/v1/api-keys', as, body);
  expect(res.status).toBe(201);
  return res.body as unknown as { id: string; key: string; tenant: string };
}

const workflow = { name: 'keys', steps: [{ id: 'a', agent: 'echo', input: { text: 'hi' } }] };

describe('POST /v1/api-keys', () => {
  it('creates a key shown once, which then authenticates as its role and tenant', async () => {
    const res = await call(api1, 'POST', '/v1/api-keys', ADMIN, { name: 'ci', role: 'submitter', agents: ['echo'], rateLimitPerMinute: 600 });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/), key: expect.stringMatching(/^bk_[0-9a-f]{16}_[A-Za-z0-9_-]{32}$/), name: 'ci', role: 'submitter',
      tenant: 'default', agents: ['echo'], rateLimitPerMinute: 600, expiresAt: null, createdAt: expect.any(String), createdBy: 'admin-key',
    });
    const { id, key } = res.body as { id: string; key: string };
    expect(key.startsWith(`bk_${id}_`)).toBe(true);

    const submitted = await call(api2, 'POST', '/v1/runs', key, { workflow });
    expect(submitted.status).toBe(202);
    const run = await call(api2, 'GET', `/v1/runs/${String(submitted.body.id)}`, ADMIN);
    expect(run.status).toBe(200);
    // A submitter may not do an operator's work, nor use an agent outside its list.
    expect((await call(api1, 'POST', `/v1/runs/${String(submitted.body.id)}/retry`, key)).status).toBe(403);
    const outside = await call(api1, 'POST', '/v1/runs', key, { workflow: { name: 'x', steps: [{ id: 'a', agent: 'delay', input: { ms: 1 } }] } });
    expect(outside.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'this caller may not use the agent delay' });
  });

  it('records the key as the submitter of its runs (subject key:<id>)', async () => {
    const { id, key } = await createKey({ name: 'submitter', role: 'submitter' });
    const submitted = await call(api1, 'POST', '/v1/runs', key, { workflow });
    const row = await db.kysely.selectFrom('runs').select('submitted_by').where('id', '=', String(submitted.body.id)).executeTakeFirstOrThrow();
    expect(row.submitted_by).toBe(`key:${id}`);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no name', { role: 'viewer' }, 'name'],
    ['an unknown role', { name: 'x', role: 'root' }, 'role'],
    ['an id of its own', { name: 'x', role: 'viewer', id: '0123456789abcdef' }, 'id'],
    ['a key of its own', { name: 'x', role: 'viewer', key: 'bk_0123456789abcdef_' + 'a'.repeat(32) }, 'key'],
    ['createdBy', { name: 'x', role: 'viewer', createdBy: 'someone' }, 'createdBy'],
    ['an expiry that is no date', { name: 'x', role: 'viewer', expiresAt: 'tomorrow' }, 'expiresAt'],
    ['an expiry in the past', { name: 'x', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
    ['a rate limit of 0', { name: 'x', role: 'viewer', rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
  ])('refuses %s with a 400 naming it, and creates nothing', async (_, body, path) => {
    const before = (await call(api1, 'GET', '/v1/api-keys', ADMIN)).body.items as unknown[];
    const res = await call(api1, 'POST', '/v1/api-keys', ADMIN, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: expect.arrayContaining([expect.objectContaining({ path })]) });
    expect((await call(api1, 'GET', '/v1/api-keys', ADMIN)).body.items).toHaveLength(before.length);
  });

  it('is for admins only', async () => {
    const { key } = await createKey({ name: 'operator', role: 'operator' });
    const res = await call(api1, 'POST', '/v1/api-keys', key, { name: 'escalate', role: 'admin' });
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('FORBIDDEN');
  });

  it('is NOT_CONFIGURED (501) on an api without BATON_KEY_PEPPER, which also refuses stored keys', async () => {
    const res = await call(noPepper, 'POST', '/v1/api-keys', ADMIN, { name: 'x', role: 'viewer' });
    expect(res.status).toBe(501);
    expect(res.body.error).toMatchObject({ code: 'NOT_CONFIGURED', message: expect.stringContaining('BATON_KEY_PEPPER') });
    const { key } = await createKey({ name: 'elsewhere', role: 'viewer' });
    expect((await call(noPepper, 'GET', '/v1/runs', key)).status).toBe(401);
  });
});

describe('GET /v1/api-keys', () => {
  it("lists the tenant's keys without their secrets or hashes", async () => {
    const created = await createKey({ name: 'listed', role: 'viewer' });
    const res = await call(api1, 'GET', '/v1/api-keys', ADMIN);
    expect(res.status).toBe(200);
    const items = res.body.items as Array<Record<string, unknown>>;
    expect(items).toContainEqual(expect.objectContaining({ id: created.id, name: 'listed', role: 'viewer', tenant: 'default' }));
    const secret = created.key.split('_').slice(2).join('_');
    const row = await db.kysely.selectFrom('api_keys').select('secret_hash').where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain(row.secret_hash);
    expect(res.text).not.toContain('bk_');
    for (const item of items) expect(Object.keys(item).sort()).toEqual(['agents', 'createdAt', 'createdBy', 'expiresAt', 'id', 'name', 'rateLimitPerMinute', 'role', 'tenant']);
  });

  it('stores only the HMAC of the secret under the pepper', async () => {
    const created = await createKey({ name: 'hashed', role: 'viewer' });
    const row = await db.kysely.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    const secret = created.key.slice(`bk_${created.id}_`.length);
    expect(row.secret_hash).toBe(hashApiKeySecret(PEPPER, { id: created.id, secret }));
    expect(JSON.stringify(row)).not.toContain(secret);
  });
});

describe('tenancy of keys', () => {
  it('lets the bootstrap key create keys in another tenant; their admin manages only their own', async () => {
    const t2admin = await createKey({ name: 't2 admin', role: 'admin', tenant: 't2' });
    expect(t2admin.tenant).toBe('t2');
    const t2viewer = await createKey({ name: 't2 viewer', role: 'viewer' }, t2admin.key);
    expect(t2viewer.tenant).toBe('t2');
    const defaults = await createKey({ name: 'default viewer', role: 'viewer' });

    const listed = (await call(api1, 'GET', '/v1/api-keys', t2admin.key)).body.items as Array<{ id: string; tenant: string }>;
    expect(listed.map((k) => k.id).sort()).toEqual([t2admin.id, t2viewer.id].sort());
    expect((await call(api1, 'GET', '/v1/api-keys?tenant=default', t2admin.key)).status).toBe(403);
    expect((await call(api1, 'POST', '/v1/api-keys', t2admin.key, { name: 'x', role: 'viewer', tenant: 'default' })).status).toBe(403);

    // Another tenant's key is a 404 and stays alive.
    const del = await call(api1, 'DELETE', `/v1/api-keys/${defaults.id}`, t2admin.key);
    expect(del.status).toBe(404);
    expect(del.body.error?.code).toBe('API_KEY_NOT_FOUND');
    expect((await call(api1, 'GET', '/v1/runs', defaults.key)).status).toBe(200);

    // The bootstrap key sees and deletes keys of any tenant it names.
    const t2 = (await call(api1, 'GET', '/v1/api-keys?tenant=t2', ADMIN)).body.items as Array<{ id: string }>;
    expect(t2.map((k) => k.id).sort()).toEqual([t2admin.id, t2viewer.id].sort());
    expect((await call(api1, 'DELETE', `/v1/api-keys/${t2viewer.id}`, ADMIN)).status).toBe(404);
    expect((await call(api1, 'DELETE', `/v1/api-keys/${t2viewer.id}?tenant=t2`, ADMIN)).status).toBe(204);
  });

  it("hides one tenant's runs from another's key: read, list, cancel and retry are 404s", async () => {
    const t3 = await createKey({ name: 't3 operator', role: 'operator', tenant: 't3' });
    const mine = await createKey({ name: 'submitter', role: 'submitter' });
    const run = String((await call(api1, 'POST', '/v1/runs', mine.key, { workflow })).body.id);
    for (const [method, path] of [['GET', `/v1/runs/${run}`], ['POST', `/v1/runs/${run}/cancel`], ['POST', `/v1/runs/${run}/retry`]] as const) {
      const res = await call(api1, method, path, t3.key);
      expect([res.status, res.body.error?.code]).toEqual([404, 'RUN_NOT_FOUND']);
    }
    const listed = (await call(api1, 'GET', '/v1/runs', t3.key)).body.items as Array<{ id: string }>;
    expect(listed.map((r) => r.id)).not.toContain(run);
  });
});

describe('401', () => {
  const expect401 = async (key: string | undefined, message: RegExp = /credentials/) => {
    const res = await call(api1, 'GET', '/v1/runs', key);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(message), details: [] } });
  };

  it('without credentials', () => expect401(undefined, /credentials required/));
  it('for a bad key', () => expect401('not-a-key-at-all'));
  it('for a malformed bk_ key', async () => {
    await expect401('bk_');
    await expect401('bk_0123456789abcdef');
    await expect401(`bk_0123456789ABCDEF_${'a'.repeat(32)}`);
    await expect401(`bk_0123456789abcdef_${'a'.repeat(31)}!`);
  });
  it('for an unknown id', () => expect401(generateApiKey(PEPPER).key));

  it('for the wrong secret of a real id', async () => {
    const { id } = await createKey({ name: 'real', role: 'viewer' });
    await expect401(`bk_${id}_${'A'.repeat(32)}`);
  });

  it('for an expired key, saying so', async () => {
    const k = generateApiKey(PEPPER);
    await new KyselyApiKeyStore(db.kysely).insert({
      id: k.id, tenant: 'default', name: 'old', role: 'admin', agents: null, rateLimitPerMinute: null,
      expiresAt: new Date(Date.now() - 1000), createdAt: new Date(Date.now() - 60_000), createdBy: 'admin-key', secretHash: k.secretHash,
    });
    await expect401(k.key, /expired/);
  });

  it('for a key created to expire, once it has', async () => {
    const { key } = await createKey({ name: 'brief', role: 'viewer', expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await call(api1, 'GET', '/v1/runs', key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await expect401(key, /expired/);
  });

  it('for a deleted key, on the instance that deleted it', async () => {
    const { id, key } = await createKey({ name: 'doomed', role: 'viewer' });
    expect((await call(api1, 'GET', '/v1/runs', key)).status).toBe(200);
    expect((await call(api1, 'DELETE', `/v1/api-keys/${id}`, ADMIN)).status).toBe(204);
    await expect401(key);
    expect((await call(api1, 'DELETE', `/v1/api-keys/${id}`, ADMIN)).status).toBe(404);
    expect(((await call(api1, 'GET', '/v1/api-keys', ADMIN)).body.items as Array<{ id: string }>).map((k) => k.id)).not.toContain(id);
  });
});

describe('two api instances', () => {
  it('serve a known key from their cache (the control: a row changed behind their back is not read again)', async () => {
    const { id, key } = await createKey({ name: 'cached', role: 'viewer' });
    expect((await call(api2, 'GET', '/v1/runs', key)).status).toBe(200);
    // Deleted in Postgres without telling anyone: api 2 still has it cached.
    await db.kysely.updateTable('api_keys').set({ deleted_at: new Date() }).where('id', '=', id).execute();
    expect((await call(api2, 'GET', '/v1/runs', key)).status).toBe(200);
  });

  it('refuse a key deleted on the other instance at once', async () => {
    for (let i = 0; i < 5; i++) {
      const { id, key } = await createKey({ name: `shared ${i}`, role: 'viewer' });
      expect((await call(api2, 'GET', '/v1/runs', key)).status).toBe(200);
      expect((await call(api2, 'GET', '/v1/runs', key)).status).toBe(200);
      expect((await call(api1, 'DELETE', `/v1/api-keys/${id}`, ADMIN)).status).toBe(204);
      expect((await call(api2, 'GET', '/v1/runs', key)).status).toBe(401);
    }
  });
});
