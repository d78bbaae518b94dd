// Bull Board at /admin/queues over Baton's real queues: who may see it, who may change anything,
// what a job shows, and that a new agent's queue shows without a restart.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Authenticator, Principal } from '@baton/auth';
import { AgentRegistry, BullmqStepQueue, createRedis, redisReady } from '@baton/queue';
import { createLogger, createMetrics } from '@baton/telemetry';
import type { Redis } from 'ioredis';
import type { AppDeps } from './app-deps';
import { createApp } from './create-app';

jest.setTimeout(30_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `baton-board-test-${randomUUID().slice(0, 8)}`;

// Each key is a caller of that role.
const byKey: Authenticator = {
  authenticate: async (key) =>
    key && ['admin', 'operator', 'submitter', 'viewer'].includes(key) ? ({ tenant: 't1', role: key, subject: key } as Principal) : undefined,
};

let redis: Redis;
let queue: BullmqStepQueue;
let registry: AgentRegistry;
let server: Server;
let base: string;
const metrics = createMetrics({ defaultMetrics: false });
const runId = randomUUID();

beforeAll(async () => {
  redis = createRedis(REDIS_URL, 'client');
  await redisReady(redis);
  queue = new BullmqStepQueue({ connection: redis, prefix });
  registry = new AgentRegistry({ connection: redis, prefix });
  await registry.register('test-worker', [{ name: 'echo', description: 'returns its input' }], 60_000);
  await queue.enqueue([{
    job: { runId, key: 'greet', attempt: 1, agent: 'echo', input: { text: 'hi', big: { $batonPayload: 'p-123', bytes: 900_000 } }, context: {} },
    priority: 5,
    delayMs: 0,
  }]);
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used')) });
  const app = createApp({
    runtime: unused,
    queries: unused,
    readiness: unused,
    agents: registry,
    logger: createLogger({ service: 'board-test', silent: true }),
    metrics,
    config: { bodyLimit: '1mb', adminKey: undefined },
    authenticator: byKey,
    boardQueues: { agents: () => registry.known(), queue: (agent: string) => queue.queue(agent) },
  } as unknown as AppDeps);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  if (server) await new Promise((resolve) => server.close(resolve));
  await queue?.close();
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

const basic = (key: string) => `Basic ${Buffer.from(`anyone:${key}`).toString('base64')}`;

async function call(method: string, path: string, key?: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(base + path, { method, headers: key === undefined ? {} : { Authorization: basic(key) } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

interface BoardQueue {
  name: string;
  readOnlyMode: boolean;
  allowRetries: boolean;
  counts: Record<string, number>;
  jobs: Array<{ id: string; name: string; data: unknown }>;
}
const queuesOf = async (key: string, query = ''): Promise<BoardQueue[]> => {
  const res = await call('GET', `/admin/queues/api/queues${query}`, key);
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { queues: BoardQueue[] }).queues;
};

it('asks a browser for Basic credentials when none are sent', async () => {
  for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/images/logo.svg']) {
    const res = await call('GET', path);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="baton"');
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'UNAUTHENTICATED', details: [] } });
  }
  expect(await call('GET', '/admin/queues', 'not-a-key')).toMatchObject({ status: 401 });
});

it.each(['viewer', 'submitter'])('refuses a %s (403)', async (role) => {
  for (const [method, path] of [['GET', '/admin/queues'], ['GET', '/admin/queues/api/queues'], ['PUT', '/admin/queues/api/queues/agent.echo/pause']]) {
    const res = await call(method!, path!, role);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'FORBIDDEN' } });
  }
});

it('shows an operator the board and the agent queues, read-only', async () => {
  const page = await call('GET', '/admin/queues', 'operator');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(page.text).toContain('<base href="/admin/queues/" />');
  expect(page.text).toContain('<title>Baton queues</title>');
  const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(page.text)?.[1];
  const asset = await call('GET', `/admin/queues/${script}`, 'operator');
  expect(asset.status).toBe(200);
  expect(asset.headers.get('content-type')).toMatch(/javascript/);
  expect(page.headers.get('x-powered-by')).toBeNull();

  const queues = await queuesOf('operator', '?activeQueue=agent.echo&status=latest');
  expect(queues.map((q) => q.name)).toEqual(['agent.echo']);
  expect(queues[0]).toMatchObject({ readOnlyMode: true, allowRetries: false });
  expect(Object.values(queues[0]!.counts).reduce((a, b) => a + b, 0)).toBe(1);
});

it('shows a job with its payload reference as the link the API serves it at, not its value', async () => {
  const [echo] = await queuesOf('operator', '?activeQueue=agent.echo&status=latest');
  const job = echo!.jobs.find((j) => j.name === 'greet');
  expect(job?.data).toMatchObject({ runId, key: 'greet', agent: 'echo', input: { text: 'hi', big: { $ref: '/v1/payloads/p-123', bytes: 900_000 } } });
});

it.each([
  ['PUT', '/admin/queues/api/queues/agent.echo/pause'],
  ['PUT', '/admin/queues/api/queues/agent.echo/retry/failed'],
  ['PUT', '/admin/queues/api/queues/agent.echo/clean/completed'],
  ['PUT', '/admin/queues/api/queues/agent.echo/promote'],
  ['DELETE', '/admin/queues/api/queues/agent.echo/obliterate'],
  ['POST', '/admin/queues/api/queues/agent.echo/add'],
])('refuses an operator %s %s (403), and the queue is unchanged', async (method, path) => {
  const before = await queuesOf('operator');
  const res = await call(method, path, 'operator');
  expect(res.status).toBe(403);
  expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'FORBIDDEN', message: 'the operator role may only look at the queues' } });
  expect(await queuesOf('operator')).toEqual(before);
  expect(await queue.queue('echo').isPaused()).toBe(false);
});

it('lets an admin change the queues', async () => {
  expect((await queuesOf('admin'))[0]).toMatchObject({ readOnlyMode: false, allowRetries: true });
  expect((await call('PUT', '/admin/queues/api/queues/agent.echo/pause', 'admin')).status).toBe(200);
  expect(await queue.queue('echo').isPaused()).toBe(true);
  expect((await call('PUT', '/admin/queues/api/queues/agent.echo/resume', 'admin')).status).toBe(200);
  expect(await queue.queue('echo').isPaused()).toBe(false);
});

it("shows a new agent's queue without a restart", async () => {
  await registry.register('late-worker', [{ name: 'late', description: 'registered later' }], 60_000);
  const deadline = Date.now() + 5000;
  let names: string[] = [];
  while (Date.now() < deadline) {
    names = (await queuesOf('operator')).map((q) => q.name);
    if (names.includes('agent.late')) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(names).toEqual(['agent.echo', 'agent.late']);
  expect((await queuesOf('admin')).map((q) => q.name)).toEqual(['agent.echo', 'agent.late']);
});

it('labels every board request of the HTTP metrics with one route, never its path (queue names and job ids)', async () => {
  const [echo] = await queuesOf('operator', '?activeQueue=agent.echo&status=latest');
  const jobId = echo!.jobs[0]!.id;
  const paths = ['/admin/queues', '/admin/queues/queue/agent.echo', `/admin/queues/queue/agent.echo/${jobId}`, `/admin/queues/api/queues/agent.echo/${jobId}`,
    `/admin/queues/api/queues/agent.echo/${jobId}/logs`, '/admin/queues/static/images/logo.svg', `/admin/queues/no/such/${randomUUID()}`];
  for (const path of paths) await call('GET', path, 'operator');
  await call('GET', `/admin/queues/api/queues/agent.echo/${jobId}`); // a 401
  await call('PUT', `/admin/queues/api/queues/agent.echo/${jobId}/retry/failed`, 'operator'); // a 403
  const exposition = await metrics.registry.metrics();
  const routes = new Set([...exposition.matchAll(/^baton_http_requests_total\{[^}]*route="([^"]*)"/gm)].map((m) => m[1]));
  expect([...routes].filter((r) => r!.includes('queue')).sort()).toEqual(['/admin/queues/*']);
  expect(exposition).not.toContain(jobId);
  expect(exposition).not.toContain('agent.echo');
});
