import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BatonHarness } from '../testing/baton-harness';
import { startPostgres, startRedis, waitFor } from '../testing/ephemeral-services';

jest.setTimeout(180_000);

const slowChain = (name: string) => ({
  name,
  steps: [
    { id: 'first', agent: 'delay', input: { ms: 300, value: 1 } },
    { id: 'second', agent: 'delay', needs: ['first'], input: { ms: 300, value: '{{ $steps.first.output + 1 }}' } },
    { id: 'third', agent: 'echo', needs: ['second'], input: { value: '{{ $steps.second.output + 1 }}' } },
  ],
});

test('FLUSHALL on Redis in the middle of 20 runs loses none', async () => {
  const redis = await startRedis();
  const baton = await BatonHarness.start({ redisUrl: redis.url, reconcileEveryMs: 300 });
  try {
    const ids = await Promise.all(Array.from({ length: 20 }, () => baton.submit(slowChain('flush'))));
    await new Promise((r) => setTimeout(r, 400));
    await baton.redis.flushall();
    const runs = await Promise.all(ids.map((id) => baton.waitFor(id, { timeoutMs: 30_000 })));
    expect(runs.map((r) => r.status)).toEqual(ids.map(() => 'succeeded'));
    expect(runs.every((r) => (r.output as { third: { value: number } }).third.value === 3)).toBe(true);
  } finally {
    await baton.close();
    await redis.stop();
  }
});

test('a worker killed with SIGKILL mid-step: the run still completes', async () => {
  const baton = await BatonHarness.start({ workers: 0, env: { WORKER_LOCK_MS: '1500' } });
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, [join(__dirname, '../../../worker/dist/main.js')], { env: { ...process.env, ...baton.env }, stdio: 'ignore' });
    await waitFor(async () => {
      const agents = await baton.request('GET', '/v1/agents');
      return agents.body.items.some((a: { name: string; workers: number }) => a.name === 'delay' && a.workers > 0);
    }, 60_000, 'the worker process did not register'); // a node process may take long to load on a busy machine
    const id = await baton.submit({ name: 'killed', steps: [{ id: 'work', agent: 'delay', input: { ms: 1500, value: 'done' } }, { id: 'after', agent: 'echo', needs: ['work'] }] });
    await baton.waitFor(id, { status: 'running', timeoutMs: 20_000 });
    child.kill('SIGKILL');
    await baton.startWorker();
    const run = await baton.waitFor(id, { timeoutMs: 30_000 });
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.key === 'work')?.output).toBe('done');
  } finally {
    child?.kill('SIGKILL');
    await baton.close();
  }
});

test('Postgres stopped: 503 while down, recovers by itself after', async () => {
  const pg = await startPostgres();
  const baton = await BatonHarness.start({ postgresServer: pg.url });
  try {
    const before = await baton.submit(slowChain('pg'));
    await baton.waitFor(before);
    // In flight when Postgres goes: its results cannot be recorded until Postgres is back.
    const inFlight = await baton.submit(slowChain('pg'));
    await baton.waitFor(inFlight, { status: 'running' });
    pg.stop();
    const ready = await baton.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBeDefined();
    const submit = await baton.request('POST', '/v1/runs', { workflow: slowChain('pg'), input: {} });
    expect(submit.status).toBe(503);
    expect(JSON.stringify(submit.body)).not.toMatch(/ECONNREFUSED|at .*\.js/);
    expect((await baton.request('GET', `/v1/runs/${before}`)).status).toBe(503);
    pg.start();
    await waitFor(async () => (await baton.request('GET', '/readyz')).status === 200, 20_000, 'api did not become ready again');
    const after = await baton.submit(slowChain('pg'));
    expect((await baton.waitFor(after, { timeoutMs: 20_000 })).status).toBe('succeeded');
    const recovered = await baton.waitFor(inFlight, { timeoutMs: 30_000 });
    expect(recovered.status).toBe('succeeded');
    expect(recovered.output).toEqual({ third: { value: 3 } });
  } finally {
    await baton.close().catch(() => undefined);
    pg.destroy();
  }
});

test('SIGTERM: a worker finishes its active step within the grace period and exits 0', async () => {
  const baton = await BatonHarness.start({ workers: 0 });
  try {
    const child = spawn(process.execPath, [join(__dirname, '../../../worker/dist/main.js')], {
      env: { ...process.env, ...baton.env, SHUTDOWN_GRACE_MS: '5000' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(async () => {
      const agents = await baton.request('GET', '/v1/agents');
      return agents.body.items.some((a: { name: string; workers: number }) => a.name === 'delay' && a.workers > 0);
    }, 60_000, 'the worker process did not register'); // a node process may take long to load on a busy machine
    const id = await baton.submit({ name: 'graceful', steps: [{ id: 'work', agent: 'delay', input: { ms: 800, value: 'finished' } }] });
    await baton.waitFor(id, { status: 'running', timeoutMs: 10_000 });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const run = await baton.run(id);
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]?.output).toBe('finished');
  } finally {
    await baton.close();
  }
});

test('Redis stopped: 503 while down, runs resume and new ones are accepted after it is back', async () => {
  const redis = await startRedis();
  const baton = await BatonHarness.start({ redisUrl: redis.url, reconcileEveryMs: 300 });
  let down = false;
  try {
    const during = await baton.submit({ name: 'redis-down', steps: [{ id: 'wait', agent: 'delay', input: { ms: 300 } }, { id: 'after', agent: 'echo', needs: ['wait'] }] });
    await redis.stop();
    down = true;
    const ready = await baton.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    const submit = await baton.request('POST', '/v1/runs', { workflow: slowChain('redis-down'), input: {} });
    expect(submit.status).toBe(503);
    expect(submit.body.error.code).toBe('UNAVAILABLE');
    // Postgres still answers reads
    expect((await baton.request('GET', `/v1/runs/${during}`)).status).toBe(200);
    await redis.start(); // empty, as after a restart without persistence
    down = false;
    await waitFor(async () => (await baton.request('GET', '/readyz')).status === 200, 20_000, 'api did not become ready again');
    expect((await baton.waitFor(during, { timeoutMs: 30_000 })).status).toBe('succeeded');
    const after = await baton.submit(slowChain('redis-back'));
    expect((await baton.waitFor(after, { timeoutMs: 30_000 })).status).toBe('succeeded');
  } finally {
    if (down) await redis.start(); // closing the workers needs their Redis
    await baton.close();
    await redis.stop();
  }
});
