import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { defineAgent } from '@baton/agents';
import { loadConfig, startApi } from '@baton/app-api';
import { loadWorkerConfig, startWorker, type RunningWorker } from '@baton/app-worker';
import { createDb, type Db } from '@baton/db';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { createRedis } from '@baton/queue';
import { createLogger } from '@baton/telemetry';
import type { Redis } from 'ioredis';
import { z } from 'zod';

// Issue 9: a secret's value reaches the agent that uses it and nothing else — no row, no Redis
// key, no log line, no answer — and the agent allow-list and contextAccess hold at run time.

jest.setTimeout(60_000);

const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const OTHER_CANARY = `canary-${randomBytes(12).toString('hex')}`;
const ADMIN_KEY = `admin-${randomUUID()}`;

/** What the `leaky` agent was given: the one place the value may be. */
const received: unknown[] = [];
const leaky = defineAgent({
  name: 'leaky',
  input: z.object({ token: z.string() }),
  run: (input, ctx) => {
    received.push(input.token);
    ctx.logger.info(`leaky got ${input.token}`, { token: input.token });
    ctx.context.set('leaked', input.token);
    if (input.token.endsWith('fail')) throw new Error(`refused ${input.token}`);
    return { token: input.token, wrapped: `[${input.token}]` };
  },
});
const writer = defineAgent({
  name: 'writer',
  input: z.object({ keys: z.array(z.string()) }),
  run: (input, ctx) => {
    for (const key of input.keys) ctx.context.set(key, 1);
    return 'wrote';
  },
});

let database: TestDatabase;
let db: Db;
let redis: Redis;
let api: { port: number; close(): Promise<void> };
let worker: RunningWorker;
const prefix = `sec${randomUUID().slice(0, 8)}`;
const logLines: string[] = [];
const answers: string[] = [];

function capture(service: string) {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
  return createLogger({ level: 'silly', service, format: 'json', stream });
}

async function request(method: string, path: string, body?: unknown, key = ADMIN_KEY): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely
  const res = await fetch(`http://127.0.0.1:${api.port}${path}`, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  answers.push(`${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`);
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function submit(workflow: unknown, input: unknown = {}, key = ADMIN_KEY): Promise<string> {
  const res = await request('POST', '/v1/runs', { workflow, input }, key);
  expect(res.status).toBe(202);
  return res.body.id as string;
}

async function finished(id: string, key = ADMIN_KEY): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- a run view
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { body } = await request('GET', `/v1/runs/${id}`, undefined, key);
    if (['succeeded', 'failed', 'cancelled'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`run ${id} is still ${body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, poolSize: 2 });
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
  const env = {
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', DATABASE_URL: database.url, BATON_QUEUE_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1',
    LOG_LEVEL: 'silly', RECONCILE_EVERY_MS: '500', DB_POOL_SIZE: '4', SHUTDOWN_GRACE_MS: '2000', BATON_ADMIN_KEY: ADMIN_KEY,
    BATON_SECRET_KEY: randomBytes(32).toString('base64'), BATON_SECRET_KEY_ID: 'test-1', BATON_KEY_PEPPER: randomBytes(32).toString('base64url'),
  };
  worker = await startWorker(loadWorkerConfig(env), { logger: capture('worker'), extraAgents: [leaky, writer] });
  api = await startApi(loadConfig(env), capture('api'));
});

afterAll(async () => {
  await api?.close();
  await worker?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await db.destroy();
  await database.drop();
});

describe('secrets end to end', () => {
  let used: string;
  let failedRun: string;
  let refusedRun: string;

  test('a secret is written (204), listed by name only, and reaches only the agent that uses it; its value is masked in what is stored', async () => {
    expect((await request('PUT', '/v1/secrets/CANARY', { value: CANARY, allowedAgents: ['leaky', 'transform', 'echo'] })).status).toBe(204);
    expect((await request('PUT', '/v1/secrets/HTTP_ONLY', { value: OTHER_CANARY, allowedAgents: ['http'] })).status).toBe(204);
    const listed = await request('GET', '/v1/secrets');
    expect(listed.body.items.map((s: { name: string }) => s.name)).toEqual(['CANARY', 'HTTP_ONLY']);
    expect(listed.body.items[0]).toEqual({ name: 'CANARY', allowedAgents: ['leaky', 'transform', 'echo'], createdAt: expect.any(String), updatedAt: expect.any(String) });

    used = await submit({
      name: 'uses-a-secret',
      steps: [
        { id: 'call', agent: 'leaky', input: { token: '{{ $secrets.CANARY }}' } },
        { id: 'shape', agent: 'transform', input: { expression: "'Bearer ' & token", data: { token: '{{ $secrets.CANARY }}' } } },
        { id: 'after', agent: 'echo', needs: ['call', 'shape'], input: { seen: '{{ $steps.call.output }}', header: '{{ $steps.shape.output }}', ctx: '{{ $context }}' } },
      ],
    });
    const run = await finished(used);
    expect(run.status).toBe('succeeded');
    expect(received).toEqual([CANARY]);
    const step = (id: string) => run.steps.find((s: { id: string }) => s.id === id);
    expect(step('call').output).toEqual({ token: '***', wrapped: '[***]' });
    expect(step('shape').output).toBe('Bearer ***');
    expect(step('after').output).toEqual({ seen: { token: '***', wrapped: '[***]' }, header: 'Bearer ***', ctx: { leaked: '***' } });
  });

  test('an agent error holding the value is masked', async () => {
    expect((await request('PUT', '/v1/secrets/CANARY_FAIL', { value: `${CANARY}-fail` })).status).toBe(204);
    failedRun = await submit({ name: 'fails', steps: [{ id: 'call', agent: 'leaky', input: { token: '{{ $secrets.CANARY_FAIL }}' } }] });
    const run = await finished(failedRun);
    expect(run.status).toBe('failed');
    expect(run.steps[0].error).toEqual({ code: 'AGENT_ERROR', message: 'refused ***' });
  });

  test("an agent outside the secret's allowedAgents fails its step, not retried, naming secret and agent", async () => {
    refusedRun = await submit({ name: 'refused', steps: [{ id: 'call', agent: 'echo', retry: { attempts: 3 }, input: { token: '{{ $secrets.HTTP_ONLY }}' } }] });
    const run = await finished(refusedRun);
    expect(run.status).toBe('failed');
    expect(run.steps[0]).toMatchObject({ attempts: 1, error: { code: 'SECRET', message: 'step call: agent echo may not receive secret HTTP_ONLY (allowedAgents: [http])' } });
    const missing = await finished(await submit({ name: 'missing', steps: [{ id: 'call', agent: 'echo', input: '{{ $secrets.NOPE }}' }] }));
    expect(missing.steps[0].error).toEqual({ code: 'SECRET', message: 'step call: secret NOPE does not exist' });
  });

  test('names are checked at submission (400 naming the path); bad secrets are 400s; deleting twice is a 404', async () => {
    const bad = await request('POST', '/v1/runs', { workflow: { name: 'x', steps: [{ id: 'a', agent: 'echo', input: '{{ $keys($secrets) }}' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'workflow.steps[0].input', message: expect.stringMatching(/^\$secrets must be used as \$secrets\.NAME/) }]);
    expect((await request('PUT', '/v1/secrets/9bad', { value: 'v' })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'name' }] });
    expect((await request('PUT', '/v1/secrets/OK', { value: 3, extra: true })).body.error.details).toEqual([
      { path: 'value', message: 'must be a string' }, { path: 'extra', message: 'unknown field' },
    ]);
    expect((await request('PUT', '/v1/secrets/TEMP', { value: CANARY })).status).toBe(204);
    expect((await request('DELETE', '/v1/secrets/TEMP')).status).toBe(204);
    expect((await request('DELETE', '/v1/secrets/TEMP')).body.error).toMatchObject({ code: 'SECRET_NOT_FOUND' });
  });

  test('the canary is nowhere: pg_dump, every Redis key of the prefix, every log line, every answer', async () => {
    await new Promise((r) => setTimeout(r, 300)); // the last results' log lines and asynchronous commits
    const dump = await pgDump(database.url);
    expect(dump).toContain('uses-a-secret'); // the dump holds the runs
    expect(dump).toContain('«secret:CANARY»');
    expect(dump).not.toContain(CANARY);
    expect(dump).not.toContain(OTHER_CANARY);

    const redisText = await redisContents(redis, prefix);
    expect(redisText.length).toBeGreaterThan(1000);
    expect(redisText).toContain('«secret:CANARY»'); // the jobs were there, carrying markers
    expect(redisText).not.toContain(CANARY);
    expect(redisText).not.toContain(OTHER_CANARY);

    const logs = logLines.join('');
    expect(logs).toContain('leaky got ***');
    expect(logs).not.toContain(CANARY);
    expect(logs).not.toContain(OTHER_CANARY);

    expect(answers.length).toBeGreaterThan(10);
    expect(answers.join('\n')).not.toContain(CANARY);
    expect(answers.join('\n')).not.toContain(OTHER_CANARY);
  });
});

describe('secrets across tenants, through HTTP with each tenant\'s admin key', () => {
  test("tenant B cannot list, overwrite or delete tenant A's secret, and its run naming A's secret fails SECRET", async () => {
    // The bootstrap key may create keys in any tenant.
    const adminOf = async (tenant: string): Promise<string> => {
      const created = await request('POST', '/v1/api-keys', { name: `${tenant} admin`, role: 'admin', tenant });
      expect(created).toMatchObject({ status: 201, body: { tenant, role: 'admin' } });
      return created.body.key as string;
    };
    const [a, b] = [await adminOf('tenant-a'), await adminOf('tenant-b')];
    const valueOfA = `a-${randomBytes(8).toString('hex')}`;
    const valueOfB = `b-${randomBytes(8).toString('hex')}`;
    const names = async (key: string) => ((await request('GET', '/v1/secrets', undefined, key)).body.items as Array<{ name: string }>).map((i) => i.name);
    const tokenOf = async (key: string) =>
      finished(await submit({ name: 'reads-a-secret', steps: [{ id: 'call', agent: 'leaky', input: { token: '{{ $secrets.A_TOKEN }}' } }] }, {}, key), key);

    expect((await request('PUT', '/v1/secrets/A_TOKEN', { value: valueOfA }, a)).status).toBe(204);
    const [listedByA] = (await request('GET', '/v1/secrets', undefined, a)).body.items as Array<{ name: string; updatedAt: string }>;
    expect(listedByA).toMatchObject({ name: 'A_TOKEN' });
    expect(await names(b)).toEqual([]);
    // B's delete is a 404 and A's secret stays.
    const deleted = await request('DELETE', '/v1/secrets/A_TOKEN', undefined, b);
    expect(deleted).toMatchObject({ status: 404, body: { error: { code: 'SECRET_NOT_FOUND', details: [] } } });
    expect(await names(a)).toEqual(['A_TOKEN']);

    // B's run naming A's secret: the worker looks in B's tenant only.
    const refused = await tokenOf(b);
    expect(refused.status).toBe('failed');
    expect(refused.steps[0]).toMatchObject({ attempts: 1, error: { code: 'SECRET', message: 'step call: secret A_TOKEN does not exist' } });
    expect(received).not.toContain(valueOfA);

    // B's PUT of the same name creates B's own; A's is untouched, and each tenant's run gets its own value.
    expect((await request('PUT', '/v1/secrets/A_TOKEN', { value: valueOfB }, b)).status).toBe(204);
    expect(await names(b)).toEqual(['A_TOKEN']);
    expect((await request('GET', '/v1/secrets', undefined, a)).body.items).toEqual([listedByA]);
    const before = received.length;
    expect((await tokenOf(b)).status).toBe('succeeded');
    expect((await tokenOf(a)).status).toBe('succeeded');
    expect(received.slice(before)).toEqual([valueOfB, valueOfA]);
  });
});

describe('the agent allow-list and contextAccess at run time', () => {
  test('a hand-off outside the run\'s stored allow-list fails the step (HANDOFF), though the workflow allows it', async () => {
    // The api checks every hand-off target against the key's list at submission, so no submission
    // can get here; a run admitted another way (a schedule, a child run) could. Simulated by
    // narrowing the stored list while the first step waits (version bumped: workers reload the state).
    const id = await submit({
      name: 'route',
      steps: [
        { id: 'wait', agent: 'delay', input: { ms: 400 } },
        { id: 'route', agent: 'handoff', needs: ['wait'], handoffs: ['transform'], input: { to: 'transform', input: { expression: '1' } } },
      ],
    });
    await db.kysely.updateTable('runs').set((eb) => ({ allowed_agents: JSON.stringify(['delay', 'handoff']), version: eb('version', '+', 1) })).where('id', '=', id).execute();
    const run = await finished(id);
    expect(run.status).toBe('failed');
    expect(run.steps.find((s: { id: string }) => s.id === 'route').error).toEqual({
      code: 'HANDOFF', message: "step route: hand-off to transform is refused: the run's submitter may use only [delay, handoff]",
    });
  });

  test('a context write outside contextAccess.write fails the step on the worker; every write is a step.context event', async () => {
    const id = await submit({
      name: 'context',
      steps: [
        { id: 'ok', agent: 'writer', contextAccess: { write: ['mine'] }, input: { keys: ['mine'] } },
        { id: 'bad', agent: 'writer', needs: ['ok'], contextAccess: { write: ['mine'] }, input: { keys: ['mine', 'theirs'] } },
      ],
    });
    const run = await finished(id);
    expect(run.steps.find((s: { id: string }) => s.id === 'bad')).toMatchObject({
      status: 'failed', error: { code: 'CONTEXT_ACCESS', message: 'step bad: agent writer may not write context theirs (contextAccess.write: [mine])' },
    });
    const events = await db.kysely.selectFrom('run_events').select(['type', 'key', 'data']).where('run_id', '=', id).where('type', '=', 'step.context').execute();
    expect(events).toEqual([{ type: 'step.context', key: 'ok', data: { agent: 'writer', keys: ['mine'] } }]);
  });
});

/** The database as `pg_dump` writes it (schema and data, as text). */
function pgDump(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('pg_dump', ['--no-owner', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`pg_dump exited ${code}: ${Buffer.concat(err).toString()}`))));
  });
}

/** Every key of the prefix (SCAN), its DUMP and its readable contents by type, as one text. */
async function redisContents(client: Redis, keyPrefix: string): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const dumped = await client.dumpBuffer(key);
      if (dumped) parts.push(dumped.toString('latin1'), dumped.toString('utf8'));
      const type = await client.type(key);
      if (type === 'string') parts.push((await client.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await client.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await client.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await client.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await client.zrange(key, '0', '-1')));
      else if (type === 'stream') parts.push(JSON.stringify(await client.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}
