// Templates through HTTP against the real Postgres and Redis: versions (a changed definition is a
// new one, the same one is not), reads, lists, diffs, validation, roles and tenancy.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { AgentRegistry, createRedis } from '@baton/queue';
import { createLogger } from '@baton/telemetry';
import type { Redis } from 'ioredis';
import { loadConfig } from './config';
import { startApi, type RunningApi } from './start-api';

jest.setTimeout(60_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `baton-templates-test-${randomUUID().slice(0, 8)}`;
const ADMIN = 'bootstrap-admin-key-of-32-chars!';
const PEPPER = 'a-pepper-for-the-template-tests-32chars';

let database: TestDatabase;
let redis: Redis;
let api: RunningApi;

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer the assertions index into freely
  body: Record<string, any>;
  headers: Headers;
}

async function call(method: string, path: string, key: string = ADMIN, body?: unknown, type = 'application/json'): Promise<Answer> {
  const headers: Record<string, string> = { 'X-API-Key': key };
  if (body !== undefined) headers['Content-Type'] = type;
  const res = await fetch(`http://127.0.0.1:${api.port}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}

async function keyOf(role: string, tenant = 'default', agents?: string[]): Promise<string> {
  const res = await call('POST', '/v1/api-keys', ADMIN, { name: `${role}-${tenant}`, role, tenant, ...(agents ? { agents } : {}) });
  expect(res.status).toBe(201);
  return res.body.key as string;
}

const unique = (base: string) => `${base}-${randomUUID().slice(0, 6)}`;
const definition = (name: string, text = 'hi') => ({ name, description: `says ${text}`, steps: [{ id: 'greet', agent: 'echo', input: { text } }] });

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_templates' });
  redis = createRedis(REDIS_URL, 'worker');
  await new AgentRegistry({ connection: redis, prefix }).register('test-worker', [{ name: 'echo', description: 'returns its input' }, { name: 'delay', description: 'waits' }], 60_000);
  api = await startApi(loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL, BATON_QUEUE_PREFIX: prefix, BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: PEPPER, DB_POOL_SIZE: '3',
  }), createLogger({ service: 'templates-test', silent: !process.env.DEBUG_TEST }));
});

afterAll(async () => {
  await api?.close();
  await database?.drop();
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

describe('PUT /v1/templates/:name', () => {
  it('stores version 1, answers the same version (200) for the same definition, and a new one (201) for a changed one', async () => {
    const name = unique('greeter');
    const first = await call('PUT', `/v1/templates/${name}`, ADMIN, definition(name));
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ name, version: 1 });
    expect(first.headers.get('location')).toBe(`/v1/templates/${name}/versions/1`);
    // Key order and defaults written out do not make a change.
    const same = await call('PUT', `/v1/templates/${name}`, ADMIN, { steps: [{ input: { text: 'hi' }, agent: 'echo', id: 'greet', needs: [] }], description: 'says hi', name });
    expect(same.status).toBe(200);
    expect(same.body).toEqual({ name, version: 1 });
    const changed = await call('PUT', `/v1/templates/${name}`, ADMIN, definition(name, 'hello'));
    expect(changed.status).toBe(201);
    expect(changed.body).toEqual({ name, version: 2 });
  });

  it('takes the name from the path when the definition has none, and refuses another name', async () => {
    const name = unique('unnamed');
    const { name: _drop, ...noName } = definition(name);
    expect((await call('PUT', `/v1/templates/${name}`, ADMIN, noName)).status).toBe(201);
    expect((await call('GET', `/v1/templates/${name}`)).body.definition).toEqual({ name, ...noName });
    const other = await call('PUT', `/v1/templates/${name}`, ADMIN, definition('something-else'));
    expect(other.status).toBe(400);
    expect(other.body.error.details).toEqual([{ path: 'name', message: `must be '${name}', the name in the path (or left out)` }]);
  });

  it('reads a YAML definition sent as application/yaml', async () => {
    const name = unique('yaml');
    const yaml = `name: ${name}\nsteps:\n  - id: a\n    agent: echo\n    input: { text: from yaml }\n`;
    const put = await call('PUT', `/v1/templates/${name}`, ADMIN, yaml, 'application/yaml');
    expect(put.status).toBe(201);
    expect((await call('GET', `/v1/templates/${name}`)).body.definition).toEqual({ name, steps: [{ id: 'a', agent: 'echo', input: { text: 'from yaml' } }] });
    // The same definition as JSON is the same version.
    expect((await call('PUT', `/v1/templates/${name}`, ADMIN, { name, steps: [{ id: 'a', agent: 'echo', input: { text: 'from yaml' } }] })).status).toBe(200);
  });

  it('refuses an invalid definition with every problem at its path, and stores nothing', async () => {
    const name = unique('bad');
    const res = await call('PUT', `/v1/templates/${name}`, ADMIN, {
      name, steps: [{ id: 'a', agent: 'nope' }, { id: 'b', agent: 'echo', needs: ['zzz'] }], schedule: { cron: '61 * * * *', timezone: 'Mars/Olympus' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const paths = (res.body.error.details as Array<{ path: string }>).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['steps[0].agent', 'steps[1].needs[0]', 'schedule.cron', 'schedule.timezone']));
    expect((await call('GET', `/v1/templates/${name}`)).status).toBe(404);
  });

  it('refuses a bad name in the path and a body that is not a definition', async () => {
    expect((await call('PUT', '/v1/templates/Bad_Name', ADMIN, definition('Bad_Name'))).body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'name' }] });
    expect((await call('PUT', `/v1/templates/${unique('empty')}`, ADMIN)).status).toBe(400);
    expect((await call('PUT', `/v1/templates/${unique('array')}`, ADMIN, [1, 2])).status).toBe(400);
  });

  it('lets operators and admins put, not submitters or viewers, and holds a key to its agent allow-list', async () => {
    const name = unique('roles');
    expect((await call('PUT', `/v1/templates/${name}`, await keyOf('viewer'), definition(name))).status).toBe(403);
    expect((await call('PUT', `/v1/templates/${name}`, await keyOf('submitter'), definition(name))).status).toBe(403);
    const limited = await keyOf('operator', 'default', ['delay']);
    const refused = await call('PUT', `/v1/templates/${name}`, limited, definition(name));
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual([{ path: 'agents', message: 'echo is outside the caller\'s agent allow-list' }]);
    const put = await call('PUT', `/v1/templates/${name}`, await keyOf('operator'), definition(name));
    expect(put.status).toBe(201);
    expect((await call('GET', `/v1/templates/${name}`)).body.createdBy).toMatch(/^key:/);
  });
});

describe('GET /v1/templates…', () => {
  it('answers the latest version, a given version, and 404s for unknown names and versions', async () => {
    const name = unique('versions');
    await call('PUT', `/v1/templates/${name}`, ADMIN, definition(name, 'one'));
    await call('PUT', `/v1/templates/${name}`, ADMIN, definition(name, 'two'));
    const latest = await call('GET', `/v1/templates/${name}`, await keyOf('viewer'));
    expect(latest.status).toBe(200);
    expect(latest.body).toEqual({ name, version: 2, description: 'says two', definition: definition(name, 'two'), createdAt: expect.any(String), createdBy: 'admin-key' });
    expect((await call('GET', `/v1/templates/${name}/versions/1`)).body).toMatchObject({ version: 1, definition: definition(name, 'one') });
    for (const path of [`/v1/templates/${name}/versions/3`, `/v1/templates/${name}/versions/0`, `/v1/templates/${name}/versions/x`, `/v1/templates/${unique('none')}`]) {
      const res = await call('GET', path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('TEMPLATE_NOT_FOUND');
    }
  });

  it('lists the tenant\'s templates with their latest version, page by page', async () => {
    const tenant = unique('list');
    const operator = await keyOf('operator', tenant);
    for (const n of ['a', 'b', 'c']) await call('PUT', `/v1/templates/${n}`, operator, definition(n, n));
    await call('PUT', '/v1/templates/b', operator, definition('b', 'b2'));
    const all = await call('GET', '/v1/templates', operator);
    expect(all.body).toEqual({ items: [
      { name: 'a', latestVersion: 1, description: 'says a' }, { name: 'b', latestVersion: 2, description: 'says b2' }, { name: 'c', latestVersion: 1, description: 'says c' },
    ] });
    const page1 = await call('GET', '/v1/templates?limit=2', operator);
    expect(page1.body.items.map((t: { name: string }) => t.name)).toEqual(['a', 'b']);
    const page2 = await call('GET', `/v1/templates?limit=2&cursor=${page1.body.nextCursor as string}`, operator);
    expect(page2.body).toEqual({ items: [{ name: 'c', latestVersion: 1, description: 'says c' }] });
    expect((await call('GET', '/v1/templates?limit=0', operator)).status).toBe(400);
    expect((await call('GET', '/v1/templates?sort=name', operator)).status).toBe(400);
  });

  it('diffs two versions: added, removed and changed paths', async () => {
    const name = unique('diff');
    await call('PUT', `/v1/templates/${name}`, ADMIN, { name, description: 'v1', steps: [{ id: 'a', agent: 'echo', input: { text: 'x', old: 1 } }] });
    await call('PUT', `/v1/templates/${name}`, ADMIN, { name, steps: [{ id: 'a', agent: 'echo', input: { text: 'y' } }, { id: 'b', agent: 'echo', needs: ['a'] }] });
    const diff = await call('GET', `/v1/templates/${name}/diff?from=1&to=2`);
    expect(diff.status).toBe(200);
    expect(diff.body).toEqual({ name, from: 1, to: 2, changes: [
      { op: 'removed', path: 'description', value: 'v1' },
      { op: 'removed', path: 'steps[0].input.old', value: 1 },
      { op: 'changed', path: 'steps[0].input.text', from: 'x', to: 'y' },
      { op: 'added', path: 'steps[1]', value: { id: 'b', agent: 'echo', needs: ['a'] } },
    ] });
    expect((await call('GET', `/v1/templates/${name}/diff?from=2&to=2`)).body.changes).toEqual([]);
    expect((await call('GET', `/v1/templates/${name}/diff?from=1&to=9`)).body.error.code).toBe('TEMPLATE_NOT_FOUND');
    expect((await call('GET', `/v1/templates/${name}/diff?from=1`)).status).toBe(400);
  });

  it('never shows another tenant\'s template (404), and lets it have its own of the same name', async () => {
    const name = unique('tenancy');
    await call('PUT', `/v1/templates/${name}`, ADMIN, definition(name, 'default'));
    const other = await keyOf('operator', unique('other'));
    expect((await call('GET', `/v1/templates/${name}`, other)).body.error.code).toBe('TEMPLATE_NOT_FOUND');
    expect((await call('GET', `/v1/templates/${name}/versions/1`, other)).status).toBe(404);
    expect((await call('GET', `/v1/templates/${name}/diff?from=1&to=1`, other)).status).toBe(404);
    expect((await call('GET', '/v1/templates', other)).body.items).toEqual([]);
    const own = await call('PUT', `/v1/templates/${name}`, other, definition(name, 'other'));
    expect(own.body).toEqual({ name, version: 1 });
    expect((await call('GET', `/v1/templates/${name}`)).body.definition).toEqual(definition(name, 'default'));
  });
});

describe('POST /v1/runs { template }', () => {
  const withInput = (name: string, text: string) => ({
    name,
    input: { type: 'object', properties: { who: { type: 'string' }, greeting: { type: 'string', default: 'hello' } }, required: ['who'] },
    steps: [{ id: 'greet', agent: 'echo', input: { text: `${text} {{ $input.greeting }} {{ $input.who }}` } }],
  });

  it('starts the latest version, or a pinned one, and the run records both with the input\'s defaults applied', async () => {
    const name = unique('run');
    await call('PUT', `/v1/templates/${name}`, ADMIN, withInput(name, 'v1'));
    await call('PUT', `/v1/templates/${name}`, ADMIN, withInput(name, 'v2'));
    const latest = await call('POST', '/v1/runs', ADMIN, { template: name, input: { who: 'ann' } });
    expect(latest.status).toBe(202);
    const run = (await call('GET', `/v1/runs/${latest.body.id as string}`)).body;
    expect(run).toMatchObject({ template: name, version: 2, input: { who: 'ann', greeting: 'hello' } });
    const pinned = await call('POST', '/v1/runs', ADMIN, { template: name, version: 1, input: { who: 'bob', greeting: 'hi' } });
    expect((await call('GET', `/v1/runs/${pinned.body.id as string}`)).body).toMatchObject({ template: name, version: 1, input: { who: 'bob', greeting: 'hi' } });
    const listed = await call('GET', `/v1/runs?template=${name}`);
    expect(listed.body.items.map((r: { id: string; version: number }) => [r.id, r.version]).sort()).toEqual([[latest.body.id, 2], [pinned.body.id, 1]].sort());
  });

  it('answers 404 TEMPLATE_NOT_FOUND for an unknown template or version, and another tenant\'s', async () => {
    const name = unique('missing');
    await call('PUT', `/v1/templates/${name}`, ADMIN, withInput(name, 'x'));
    for (const body of [{ template: unique('nope') }, { template: name, version: 7, input: { who: 'a' } }]) {
      const res = await call('POST', '/v1/runs', ADMIN, body);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('TEMPLATE_NOT_FOUND');
    }
    const stranger = await keyOf('submitter', unique('stranger'));
    expect((await call('POST', '/v1/runs', stranger, { template: name, input: { who: 'a' } })).body.error.code).toBe('TEMPLATE_NOT_FOUND');
  });

  it('checks the input against the template\'s schema, the caller\'s agent allow-list, and refuses workflow with template', async () => {
    const name = unique('checked');
    await call('PUT', `/v1/templates/${name}`, ADMIN, withInput(name, 'x'));
    const bad = await call('POST', '/v1/runs', ADMIN, { template: name, input: { greeting: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual(expect.arrayContaining([{ path: 'input.who', message: 'is required' }, { path: 'input.greeting', message: 'must be string' }]));
    const limited = await keyOf('submitter', 'default', ['delay']);
    const refused = await call('POST', '/v1/runs', limited, { template: name, input: { who: 'a' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual([{ path: 'agents', message: 'echo is outside the caller\'s agent allow-list' }]);
    expect((await call('POST', '/v1/runs', ADMIN, { template: name, workflow: withInput(name, 'x') })).status).toBe(400);
    expect((await call('POST', '/v1/runs', ADMIN, { version: 1, workflow: withInput(name, 'x') })).status).toBe(400);
  });
});

describe('POST /v1/events', () => {
  it('starts every template of the tenant whose latest version listens to the type, with the payload as input', async () => {
    const tenant = unique('events');
    const operator = await keyOf('operator', tenant);
    const submitter = await keyOf('submitter', tenant);
    const listener = (name: string, on: string[]) => ({ name, on, steps: [{ id: 'a', agent: 'echo', input: { text: '{{ $input.id }}' } }] });
    await call('PUT', '/v1/templates/first', operator, listener('first', ['ticket.created']));
    await call('PUT', '/v1/templates/second', operator, listener('second', ['ticket.created', 'ticket.closed']));
    await call('PUT', '/v1/templates/third', operator, listener('third', ['ticket.closed']));
    // Listening in an older version only does not count.
    await call('PUT', '/v1/templates/former', operator, listener('former', ['ticket.created']));
    await call('PUT', '/v1/templates/former', operator, listener('former', []));
    const res = await call('POST', '/v1/events', submitter, { type: 'ticket.created', payload: { id: 42 } });
    expect(res.status).toBe(202);
    expect(res.body.runs).toHaveLength(2);
    const runs = await Promise.all((res.body.runs as string[]).map(async (id) => (await call('GET', `/v1/runs/${id}`, submitter)).body));
    expect(runs.map((r) => [r.template, r.version, r.input]).sort()).toEqual([['first', 1, { id: 42 }], ['second', 1, { id: 42 }]]);
    expect((await call('POST', '/v1/events', submitter, { type: 'nobody.listens' })).body).toEqual({ runs: [] });
    // Another tenant's templates never hear it.
    expect((await call('POST', '/v1/events', ADMIN, { type: 'ticket.created', payload: { id: 1 } })).body.runs).toHaveLength(0);
  });

  it('starts none when one listener refuses the payload, and needs a submitter', async () => {
    const tenant = unique('events-bad');
    const operator = await keyOf('operator', tenant);
    const strict = { name: 'strict', on: ['order'], input: { type: 'object', required: ['sku'] }, steps: [{ id: 'a', agent: 'echo' }] };
    await call('PUT', '/v1/templates/strict', operator, strict);
    await call('PUT', '/v1/templates/lenient', operator, { name: 'lenient', on: ['order'], steps: [{ id: 'a', agent: 'echo' }] });
    const submitter = await keyOf('submitter', tenant);
    const res = await call('POST', '/v1/events', submitter, { type: 'order', payload: { qty: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'payload.sku', message: 'template strict: is required' }]);
    expect((await call('GET', '/v1/runs', submitter)).body.items).toEqual([]);
    expect((await call('POST', '/v1/events', operator, { type: 'order', payload: { sku: 'x' } })).status).toBe(403);
    expect((await call('POST', '/v1/events', submitter, { type: 'bad type!' })).body.error.details).toEqual([{ path: 'type', message: 'must match [A-Za-z0-9][A-Za-z0-9._:/-]{0,127}' }]);
    expect((await call('POST', '/v1/events', submitter, { payload: {} })).status).toBe(400);
  });

  it('makes one run per template for a repeated Idempotency-Key', async () => {
    const tenant = unique('events-idem');
    const operator = await keyOf('operator', tenant);
    await call('PUT', '/v1/templates/once', operator, { name: 'once', on: ['tick'], steps: [{ id: 'a', agent: 'echo' }] });
    const submitter = await keyOf('submitter', tenant);
    const send = () => fetch(`http://127.0.0.1:${api.port}/v1/events`, { method: 'POST', headers: { 'X-API-Key': submitter, 'Content-Type': 'application/json', 'Idempotency-Key': 'evt-1' }, body: JSON.stringify({ type: 'tick', payload: { n: 1 } }) }).then((r) => r.json() as Promise<{ runs: string[] }>);
    const [a, b] = [await send(), await send()];
    expect(a.runs).toHaveLength(1);
    expect(b.runs).toEqual(a.runs);
  });
});

describe('BATON_TEMPLATES_DIR', () => {
  const start = (dir: string, tenant: string) => startApi(loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL, BATON_QUEUE_PREFIX: prefix, BATON_ADMIN_KEY: ADMIN, BATON_KEY_PEPPER: PEPPER, DB_POOL_SIZE: '2',
    BATON_TEMPLATES_DIR: dir, BATON_TEMPLATES_TENANT: tenant,
  }), createLogger({ service: 'templates-dir-test', silent: true }));

  it('stores every YAML and JSON file as a template of the tenant at start-up, a new version only for a changed file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-templates-'));
    const tenant = unique('git');
    try {
      await writeFile(join(dir, 'triage.yaml'), 'name: triage\ndescription: from git\nsteps:\n  - id: a\n    agent: some-agent-no-worker-has-yet\n');
      await writeFile(join(dir, 'report.json'), JSON.stringify({ name: 'report', steps: [{ id: 'a', agent: 'echo' }] }));
      await writeFile(join(dir, 'notes.txt'), 'not a template');
      const first = await start(dir, tenant);
      await first.close();
      const second = await start(dir, tenant);
      await second.close();
      await writeFile(join(dir, 'report.json'), JSON.stringify({ name: 'report', steps: [{ id: 'b', agent: 'echo' }] }));
      const third = await start(dir, tenant);
      await third.close();
      const viewer = await keyOf('viewer', tenant);
      expect((await call('GET', '/v1/templates', viewer)).body.items).toEqual([
        { name: 'report', latestVersion: 2, description: null },
        { name: 'triage', latestVersion: 1, description: 'from git' },
      ]);
      expect((await call('GET', '/v1/templates/triage', viewer)).body.createdBy).toBe('file:triage.yaml');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops start-up at a bad file, naming its path and every problem, and stores none of the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-templates-'));
    const tenant = unique('git-bad');
    try {
      await writeFile(join(dir, 'a-good.yaml'), 'name: good\nsteps:\n  - id: a\n    agent: echo\n');
      await writeFile(join(dir, 'b-bad.yml'), 'name: bad\nschedule: { cron: "99 * * * *" }\nsteps:\n  - id: a\n    agent: echo\n  - id: b\n    agent: echo\n    needs: [nowhere]\n');
      const failed = start(dir, tenant);
      await expect(failed).rejects.toThrow(join(dir, 'b-bad.yml'));
      await expect(failed).rejects.toThrow(/steps\[1\]\.needs\[0\]: unknown step .nowhere.\n {2}schedule\.cron: not a valid cron expression/);
      expect((await call('GET', '/v1/templates', await keyOf('viewer', tenant))).body.items).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
