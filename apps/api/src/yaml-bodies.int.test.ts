// Workflows posted as YAML (application/yaml, text/yaml) to the routes that take a definition,
// against the real Postgres and Redis: a bare workflow or a whole submission, the same checks,
// limits and error shape as a JSON body.
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { AgentRegistry, createRedis } from '@baton/queue';
import { createLogger } from '@baton/telemetry';
import type { Redis } from 'ioredis';
import { loadConfig } from './config';
import { startApi, type RunningApi } from './start-api';
import { closeYamlReader } from './yaml-off-thread';

jest.setTimeout(60_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `baton-yaml-test-${randomUUID().slice(0, 8)}`;
const ADMIN = 'bootstrap-admin-key-of-32-chars!';

let database: TestDatabase;
let redis: Redis;
let api: RunningApi;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer the assertions index into freely
type Answer = { status: number; body: Record<string, any> };

async function post(path: string, body: string, type: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${api.port}${path}`, { method: 'POST', headers: { 'X-API-Key': ADMIN, 'Content-Type': type, ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

async function getRun(id: string): Promise<Answer['body']> {
  const res = await fetch(`http://127.0.0.1:${api.port}/v1/runs/${id}`, { headers: { 'X-API-Key': ADMIN } });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer['body'];
}

const BARE = `name: from-yaml
input:
  type: object
  properties: { who: { type: string, default: world } }
steps:
  - id: greet
    agent: echo
    input: { text: "hi {{ $input.who }}" }
`;

/** The workflow as the `workflow` field of a submission. */
const nested = (yaml: string) => `${yaml.trimEnd().replace(/^/gm, '  ')}\n`;

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_yaml' });
  redis = createRedis(REDIS_URL, 'worker');
  await new AgentRegistry({ connection: redis, prefix }).register('test-worker', [{ name: 'echo', description: 'returns its input' }], 60_000);
  api = await startApi(loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL, BATON_QUEUE_PREFIX: prefix, BATON_ADMIN_KEY: ADMIN, DB_POOL_SIZE: '3', BATON_MAX_YAML_NODES: '1000',
  }), createLogger({ service: 'yaml-test', silent: !process.env.DEBUG_TEST }));
});

afterAll(async () => {
  await api?.close();
  await closeYamlReader();
  await database?.drop();
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

describe('POST /v1/runs with a YAML body', () => {
  it('submits a bare workflow as application/yaml, with no input (the schema defaults filled in)', async () => {
    const res = await post('/v1/runs', BARE, 'application/yaml');
    expect(res.status).toBe(202);
    const run = await getRun(res.body.id as string);
    expect(run.input).toEqual({ who: 'world' });
    expect(run.steps.map((s: { id: string }) => s.id)).toEqual(['greet']);
  });

  it('submits a whole submission as text/yaml: workflow, input and priority', async () => {
    const doc = `workflow:\n${nested(BARE)}input: { who: yaml }\npriority: 9\n`;
    const res = await post('/v1/runs', doc, 'text/yaml; charset=utf-8');
    expect(res.status).toBe(202);
    expect((await getRun(res.body.id as string)).input).toEqual({ who: 'yaml' });
  });

  it('is one submission with its JSON twin: the same Idempotency-Key answers the same run', async () => {
    const key = randomUUID();
    const yaml = await post('/v1/runs', `workflow:\n${nested(BARE)}input: { who: twin }\n`, 'application/yaml', { 'Idempotency-Key': key });
    expect(yaml.status).toBe(202);
    const workflow = { name: 'from-yaml', input: { type: 'object', properties: { who: { type: 'string', default: 'world' } } }, steps: [{ id: 'greet', agent: 'echo', input: { text: 'hi {{ $input.who }}' } }] };
    const json = await post('/v1/runs', JSON.stringify({ workflow, input: { who: 'twin' } }), 'application/json', { 'Idempotency-Key': key });
    expect(json.status).toBe(200);
    expect(json.body.id).toBe(yaml.body.id);
    const other = await post('/v1/runs', `workflow:\n${nested(BARE)}input: { who: other }\n`, 'application/yaml', { 'Idempotency-Key': key });
    expect(other.status).toBe(409);
  });

  it('lists every problem of the workflow with its path, as for JSON', async () => {
    const res = await post('/v1/runs', 'name: bad\nsteps:\n  - id: a\n    agent: nobody-serves-this\n  - id: b\n    agent: echo\n    needs: [zzz]\n', 'application/yaml');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const paths = (res.body.error.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['workflow.steps[0].agent', 'workflow.steps[1].needs[0]']));
  });

  it('refuses YAML that does not parse, an alias bomb over BATON_MAX_YAML_NODES and an unknown field, naming where', async () => {
    const broken = await post('/v1/runs', 'name: x\nsteps: [ { id: a\n', 'application/yaml');
    expect(broken.status).toBe(400);
    expect(broken.body.error.details[0].path).toBe('body');
    expect(broken.body.error.details[0].message).toMatch(/not valid JSON or YAML/);

    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]'].join('\n');
    const tooBig = await post('/v1/runs', bomb, 'application/yaml');
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.details).toEqual([{ path: 'body', message: expect.stringMatching(/more than 1000 nodes/) }]);

    const unknown = await post('/v1/runs', `workflow:\n${nested(BARE)}colour: blue\n`, 'application/yaml');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ path: 'colour', message: 'unknown field' }]);
    const priority = await post('/v1/runs', `workflow:\n${nested(BARE)}priority: 11\n`, 'application/yaml');
    expect(priority.body.error.details).toEqual([{ path: 'priority', message: 'must be an integer from 1 to 10' }]);
  });

  it('still answers 415 for a body that is neither JSON nor YAML', async () => {
    const res = await post('/v1/runs', BARE, 'text/plain');
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('POST /v1/workflows/validate with a YAML body', () => {
  it('answers valid for a good workflow and every problem for a bad one', async () => {
    expect(await post('/v1/workflows/validate', BARE, 'application/yaml')).toEqual({ status: 200, body: { valid: true } });
    expect((await post('/v1/workflows/validate', `workflow:\n${nested(BARE)}`, 'text/yaml')).status).toBe(200);
    const bad = await post('/v1/workflows/validate', 'name: Bad Name\nsteps: []\n', 'application/yaml');
    expect(bad.status).toBe(400);
    expect((bad.body.error.details as { path: string }[]).map((d) => d.path)).toEqual(expect.arrayContaining(['workflow.name', 'workflow.steps']));
  });
});

describe('PUT /v1/templates/:name with a YAML body', () => {
  it('stores a template sent as text/yaml, and runs it from a YAML submission naming it', async () => {
    const name = `yaml-${randomUUID().slice(0, 6)}`;
    const put = await fetch(`http://127.0.0.1:${api.port}/v1/templates/${name}`, { method: 'PUT', headers: { 'X-API-Key': ADMIN, 'Content-Type': 'text/yaml' }, body: BARE.replace('name: from-yaml', `name: ${name}`) });
    expect(put.status).toBe(201);
    const res = await post('/v1/runs', `template: ${name}\ninput: { who: template }\n`, 'application/yaml');
    expect(res.status).toBe(202);
    const run = await getRun(res.body.id as string);
    expect(run.template).toBe(name);
    expect(run.input).toEqual({ who: 'template' });
  });
});
