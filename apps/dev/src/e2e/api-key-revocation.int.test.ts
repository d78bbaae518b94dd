// Deleted API keys fail closed: two api instances on a Redis of this test's own; while Redis is
// down a deletion cannot be published (503, the key deleted all the same), and the other instance, which had the key cached, refuses
// it anyway (it serves no cached key while it cannot hear deletions). Also: the built api refuses
// to start open with NODE_ENV=production.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig, startApi, type RunningApi } from '@baton/app-api';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { AgentRegistry, createRedis } from '@baton/queue';
import { createLogger } from '@baton/telemetry';
import { startRedis } from '../testing/ephemeral-services';

jest.setTimeout(90_000);

const ADMIN = 'bootstrap-admin-key-of-32-chars!';
const ROOT = join(__dirname, '../../../..');

let redis: Awaited<ReturnType<typeof startRedis>>;
let database: TestDatabase;
const apis: RunningApi[] = [];

beforeAll(async () => {
  redis = await startRedis();
  database = await createTestDatabase({ prefix: 'baton_key_revocation' });
  const client = createRedis(redis.url, 'worker');
  await new AgentRegistry({ connection: client, prefix: 'baton' }).register('w', [{ name: 'echo', description: 'echo' }], 600_000);
  await client.quit();
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL: redis.url, BATON_ADMIN_KEY: ADMIN,
    BATON_KEY_PEPPER: 'a-pepper-for-the-revocation-test-32+', DB_POOL_SIZE: '2',
  });
  for (let i = 0; i < 2; i++) apis.push(await startApi(config, createLogger({ service: `api-${i}`, silent: true })));
});

afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()));
  await redis?.shutdown().catch(() => undefined);
  await database?.drop();
});

async function call(api: RunningApi, method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'X-API-Key': key };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${api.port}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('refuses on every instance a key deleted while Redis is down, and after it is back', async () => {
  const [api1, api2] = apis as [RunningApi, RunningApi];
  const create = async (name: string) => (await call(api1, 'POST', '/v1/api-keys', ADMIN, { name, role: 'viewer' })).body as { id: string; key: string };
  const doomed = await create('doomed');
  const kept = await create('kept');
  for (const { key } of [doomed, kept]) expect((await call(api2, 'GET', '/v1/runs', key)).status).toBe(200); // cached on api 2

  await redis.stop();
  // Deleted in Postgres, but not published: a 503 says so (an instance still hearing the channel could serve its cached copy up to 30 s).
  const unpublished = await call(api1, 'DELETE', `/v1/api-keys/${doomed.id}`, ADMIN);
  expect(unpublished).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE', message: expect.stringMatching(/^the API key is deleted, but Redis did not take/) } } });
  expect((await call(api1, 'DELETE', `/v1/api-keys/${doomed.id}`, ADMIN)).status).toBe(404);
  expect((await call(api2, 'GET', '/v1/runs', doomed.key)).status).toBe(401);
  expect((await call(api1, 'GET', '/v1/runs', doomed.key)).status).toBe(401);
  expect((await call(api2, 'GET', '/v1/runs', kept.key)).status).toBe(200);

  await redis.start();
  // Back: a key deleted now is refused at once through the channel again.
  const later = await create('later');
  await until(async () => (await call(api2, 'GET', '/v1/runs', later.key)).status === 200, 15_000);
  await until(async () => (await fetch(`http://127.0.0.1:${api1.port}/readyz`)).status === 200, 15_000); // api 1 can publish again
  expect((await call(api2, 'GET', '/v1/runs', doomed.key)).status).toBe(401);
  expect((await call(api1, 'DELETE', `/v1/api-keys/${later.id}`, ADMIN)).status).toBe(204);
  expect((await call(api2, 'GET', '/v1/runs', later.key)).status).toBe(401);
  expect((await call(api2, 'GET', '/v1/runs', kept.key)).status).toBe(200);
});

it('the built api refuses to start open with NODE_ENV=production, unless BATON_AUTH=none', async () => {
  const main = join(ROOT, 'apps/api/dist/main.js');
  const refused = spawnSync(process.execPath, [main], { env: { PATH: process.env.PATH, NODE_ENV: 'production' }, encoding: 'utf8', timeout: 20_000 });
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(/BATON_AUTH: NODE_ENV is production .* would be open to anyone.*BATON_AUTH=none/);
  // With BATON_AUTH=none it starts, warning loudly that it is open (stopped once it says so).
  const open = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', BATON_AUTH: 'none', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const warned = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (/the api is OPEN/.test(output)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    open.stdout.on('data', read);
    open.stderr.on('data', read);
  });
  open.kill('SIGKILL');
  expect(output).not.toMatch(/invalid api configuration/);
  expect(warned).toBe(true);
});
