import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { createRedis, redisReady } from '@baton/queue';
import { freePort, startPostgres, startRedis, waitFor } from '../testing/ephemeral-services';

/**
 * Issue 10 against built processes: two apis and two workers on one database and queue prefix.
 * The apis' /metrics show the whole fleet's run and step series (the same on both), each worker's
 * metrics port its own process; promtool accepts both; labels stay bounded; a queued step with no
 * live worker says why; /readyz fails with a reason when Postgres or Redis is down or Redis evicts.
 */

jest.setTimeout(120_000);

const API = '../../../api/dist/main.js';
const WORKER = '../../../worker/dist/main.js';

interface Proc { name: string; child: ChildProcess; tail: () => string }

class Stack {
  readonly procs: Proc[] = [];
  constructor(readonly env: Record<string, string>) {}

  spawn(name: string, script: string, extra: Record<string, string> = {}): Proc {
    const env = { ...process.env, ...this.env, ...extra };
    delete env.BATON_ADMIN_KEY;
    const child = spawn(process.execPath, [join(__dirname, script)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-6000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const proc = { name, child, tail: () => output };
    this.procs.push(proc);
    return proc;
  }

  async stop(proc: Proc): Promise<void> {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
      proc.child.once('exit', () => (clearTimeout(force), resolve()));
      proc.child.kill('SIGTERM');
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.procs.map((p) => this.stop(p)));
  }
}

async function get(url: string): Promise<{ status: number; text: string; json: () => any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read answers freely
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** The sample lines of `text` whose metric name starts with `prefix` (comments left out), sorted. */
const samples = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix)).sort();

/**
 * `promtool check metrics` on `text`: its problems, one per line. Parse errors come back as
 * problems too. prom-client's own `nodejs_active_*_total` gauges break a naming rule (a gauge
 * named `_total`); those lines are Node's default metrics, not Baton's, and are left out.
 */
function promtoolProblems(text: string): string[] {
  const run = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return `${run.stdout}\n${run.stderr}`.split('\n').map((l) => l.trim())
    .filter((l) => l && !/^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/.test(l));
}

const chain = {
  name: 'observed',
  steps: [
    { id: 'a', agent: 'echo', input: { n: '{{ $input.n }}' } },
    { id: 'b', agent: 'delay', needs: ['a'], input: { ms: 5 } },
    { id: 'c', agent: 'fail', needs: ['b'], onFailure: 'continue' },
  ],
};

describe('observability on a split stack (2 apis, 2 workers)', () => {
  let database: TestDatabase;
  let stack: Stack;
  const apis: string[] = [];
  const workerPorts: number[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    stack = new Stack({
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', DATABASE_URL: database.url, BATON_QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}`,
      HOST: '127.0.0.1', LOG_LEVEL: 'warn', RECONCILE_EVERY_MS: '500', WORKER_CONCURRENCY: '10', SHUTDOWN_GRACE_MS: '1000', DB_POOL_SIZE: '3',
    });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      workerPorts.push(port);
      // All but transform: a test stops the one worker that serves it.
      stack.spawn(`worker-${i}`, WORKER, { METRICS_PORT: String(port), WORKER_AGENTS: 'echo,delay,fail,handoff' });
    }
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      apis.push(`http://127.0.0.1:${port}`);
      stack.spawn(`api-${i}`, API, { PORT: String(port) });
    }
    try {
      await waitFor(async () => {
        // Every api, not one: each starts on its own and the test sends to both.
        const answers = await Promise.all(apis.map((api) => get(`${api}/v1/agents`).catch(() => undefined)));
        return answers.every((agents) => agents?.status === 200 &&
          agents.json().items.some((a: { name: string; workers: number }) => a.name === 'echo' && a.workers === 2));
      }, 40_000, 'the stack did not start');
    } catch (err) {
      throw new Error(`${String(err)}\n${stack.procs.map((p) => `${p.name}:\n${p.tail()}`).join('\n')}`);
    }
  });

  afterAll(async () => {
    await stack?.close();
    const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'client');
    await redisReady(redis);
    const keys = await redis.keys(`${stack.env.BATON_QUEUE_PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await database?.drop();
  });

  test('every api shows the fleet\'s run and step series, the same counts; each worker its own share; promtool accepts both', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) {
      const res = await post(`${apis[n % 2]}/v1/runs`, { workflow: chain, input: { n } });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    await waitFor(async () => {
      const runs = await Promise.all(ids.map((id) => get(`${apis[0]}/v1/runs/${id}`).then((r) => r.json().status)));
      return runs.every((s) => s === 'succeeded');
    }, 30_000, 'runs did not finish');

    // Flushed within about a second; both apis then render the same totals from Redis.
    let fleet: string[] = [];
    await waitFor(async () => {
      const text = (await get(`${apis[0]}/metrics`)).text;
      fleet = samples(text, 'baton_steps_total');
      return fleet.includes('baton_steps_total{agent="echo",status="succeeded"} 20') && fleet.includes('baton_steps_total{agent="fail",status="failed"} 20')
        && text.includes('baton_runs_total{status="succeeded"} 20');
    }, 10_000, `fleet counts did not reach 20 runs: ${fleet.join(', ')}`);
    await new Promise((r) => setTimeout(r, 1200)); // past both apis' 1 s cache
    const [one, two] = await Promise.all(apis.map((api) => get(`${api}/metrics`).then((r) => r.text)));
    for (const prefix of ['baton_runs_total', 'baton_steps_total', 'baton_step_duration_seconds', 'baton_step_queue_wait_seconds']) {
      expect(samples(one!, prefix)).toEqual(samples(two!, prefix));
    }
    expect(one).toMatch(/^baton_step_duration_seconds_bucket\{agent="delay",le="\+Inf"\} 20$/m);
    expect(one).toMatch(/^baton_step_queue_wait_seconds_count\{agent="echo"\} 20$/m);
    expect(one).toMatch(/^baton_agent_workers\{agent="echo"\} 2$/m);
    expect(one).toMatch(/^baton_queue_jobs\{queue="agent\.echo",state="waiting"\} 0$/m);
    expect(one).toMatch(/^baton_http_requests_total\{method="POST",route="\/v1\/runs",status="202"\} 10$/m);
    expect(one).toMatch(/^baton_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/runs\/:id"\} \d+$/m);
    expect(one).toContain('process_cpu_user_seconds_total');
    expect(one).toContain('# TYPE baton_reconciler_repairs_total counter');

    // Each worker: its own share, which adds up to the fleet's.
    const workers = await Promise.all(workerPorts.map((port) => get(`http://127.0.0.1:${port}/metrics`).then((r) => r.text)));
    const echoOf = (text: string) => Number(/^baton_steps_total\{agent="echo",status="succeeded"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    expect(echoOf(workers[0]!) + echoOf(workers[1]!)).toBe(20);
    expect(workers[0]).toContain('process_resident_memory_bytes');

    expect(promtoolProblems(one!)).toEqual([]);
    expect(promtoolProblems(workers[0]!)).toEqual([]);
    // And it can fail: promtool reports a broken exposition.
    expect(promtoolProblems('baton_x{agent="a" 1\n').join('\n')).toMatch(/pars/);
  });

  test('1,000 requests to distinct run ids add no series: routes are labelled by template', async () => {
    const count = (text: string) => samples(text, 'baton_http_request').length;
    const before = count((await get(`${apis[1]}/metrics`)).text);
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => get(`${apis[1]}/v1/runs/${randomUUID()}?n=${i + j}`)));
    }
    const text = (await get(`${apis[1]}/metrics`)).text;
    expect(text).toMatch(/baton_http_requests_total\{method="GET",route="\/v1\/runs\/:id",status="(400|404)"\} \d+/);
    // At most a few new series (the 404 or 400 route status and its histogram), never one per id.
    expect(count(text) - before).toBeLessThanOrEqual(30);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  test('with no live worker for an agent, a queued step says why, /v1/agents says offline, and the gauge is 0', async () => {
    // A third worker serving only `transform`, then stopped: transform has no live worker.
    const port = await freePort();
    const only = stack.spawn('worker-transform', WORKER, { WORKER_AGENTS: 'transform', METRICS_PORT: String(port) });
    await waitFor(async () => (await get(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200, 20_000, 'transform worker not ready');
    await waitFor(async () => (await get(`${apis[0]}/v1/agents`)).json().items.some((a: { name: string; workers: number }) => a.name === 'transform' && a.workers === 1), 10_000, 'transform not registered');
    await stack.stop(only);
    const agents = (await get(`${apis[0]}/v1/agents`)).json().items as Array<{ name: string; workers: number; status: string }>;
    expect(agents.find((a) => a.name === 'transform')).toMatchObject({ workers: 0, status: 'offline' });
    expect(agents.find((a) => a.name === 'echo')).toMatchObject({ workers: 2, status: 'online' });

    const res = await post(`${apis[0]}/v1/runs`, { workflow: { name: 'stuck', steps: [{ id: 't', agent: 'transform', input: { expression: '1', data: {} } }] } });
    expect(res.status).toBe(202);
    const view = (await get(`${apis[1]}/v1/runs/${res.body.id}`)).json();
    expect(view.steps[0]).toMatchObject({ status: 'queued', waitingFor: { agent: 'transform', reason: expect.stringMatching(/^no live worker since \d{4}-\d\d-\d\dT/) } });
    await new Promise((r) => setTimeout(r, 2100)); // past the gauges' cache
    const text = (await get(`${apis[0]}/metrics`)).text;
    expect(text).toMatch(/^baton_agent_workers\{agent="transform"\} 0$/m);
    expect(text).toMatch(/^baton_queue_jobs\{queue="agent\.transform",state="prioritized"\} 1$/m);
  });

  test('/healthz and /readyz answer on the api and on a worker\'s metrics port', async () => {
    for (const base of [apis[0]!, `http://127.0.0.1:${workerPorts[0]}`]) {
      expect((await get(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await get(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'ready', checks: { redis: { ok: true }, redisEvictionPolicy: { ok: true }, postgres: { ok: true }, migrations: { ok: true } } });
    }
  });
});

describe('readiness against private services', () => {
  test('fails with a reason when Redis evicts, when Redis is down and when Postgres is down; /healthz stays ok', async () => {
    const redis = await startRedis();
    const pg = await startPostgres();
    const database = await createTestDatabase({ server: pg.url });
    const stack = new Stack({ REDIS_URL: redis.url, DATABASE_URL: database.url, BATON_QUEUE_PREFIX: 'ready', HOST: '127.0.0.1', LOG_LEVEL: 'error', DB_POOL_SIZE: '2' });
    const api = `http://127.0.0.1:${await freePort()}`;
    const metricsPort = await freePort();
    stack.spawn('api', API, { PORT: new URL(api).port });
    stack.spawn('worker', WORKER, { METRICS_PORT: String(metricsPort) });
    const worker = `http://127.0.0.1:${metricsPort}`;
    const readyz = async (base: string) => get(`${base}/readyz`);
    try {
      await waitFor(async () => (await readyz(api).catch(() => undefined))?.status === 200 && (await readyz(worker).catch(() => undefined))?.status === 200, 40_000, 'not ready');

      const cli = createRedis(redis.url, 'client');
      await redisReady(cli);
      await cli.config('SET', 'maxmemory-policy', 'allkeys-lru');
      for (const base of [api, worker]) {
        const res = await readyz(base);
        expect(res.status).toBe(503);
        expect(res.json().checks.redisEvictionPolicy).toMatchObject({ ok: false, reason: 'maxmemory-policy is allkeys-lru: set it to noeviction, or a full Redis drops queued jobs' });
        expect(res.json().checks.redis.ok).toBe(true);
      }
      expect((await readyz(api)).json().error).toMatchObject({ code: 'UNAVAILABLE', details: [{ path: 'redisEvictionPolicy' }] });
      await cli.config('SET', 'maxmemory-policy', 'noeviction');
      cli.disconnect();
      expect((await readyz(api)).status).toBe(200);

      await redis.stop();
      for (const base of [api, worker]) {
        const res = await readyz(base);
        expect(res.status).toBe(503);
        expect(res.json().checks).toMatchObject({ redis: { ok: false, reason: expect.any(String) }, postgres: { ok: true } });
        expect((await get(`${base}/healthz`)).status).toBe(200);
      }
      await redis.start();
      await waitFor(async () => (await readyz(api)).status === 200, 20_000, 'api not ready after Redis came back');

      await pg.stopAsync('fast');
      for (const base of [api, worker]) {
        const res = await readyz(base);
        expect(res.status).toBe(503);
        expect(res.json().checks).toMatchObject({ postgres: { ok: false }, migrations: { ok: false }, redis: { ok: true } });
        expect(res.text).not.toMatch(/postgres:\/\/|127\.0\.0\.1/);
        expect((await get(`${base}/healthz`)).status).toBe(200);
      }
      await pg.startAsync();
      await waitFor(async () => (await readyz(api)).status === 200, 20_000, 'api not ready after Postgres came back');
    } finally {
      await stack.close();
      await redis.stop().catch(() => undefined);
      pg.destroy();
    }
  });
});
