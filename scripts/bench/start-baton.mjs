// Baton under test: its own database and queue prefix, the api and N workers as child processes.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase } from '@baton/db/testing';
import pg from 'pg';
import { CpuMeter, parentPid } from './cpu.mjs';
import { IN_FLIGHT, log, REDIS_URL, ROOT } from './env.mjs';
import { HttpClient } from './http.mjs';
import { redisPid } from './machine-info.mjs';
import { Child, freePort } from './procs.mjs';
import { state } from './teardown.mjs';

/** Creates the database, starts the processes and waits until every worker serves `echo`. */
export async function startBaton(opts) {
  const prefix = `bench_${randomBytes(5).toString('hex')}`;
  state.testDb = await createTestDatabase({ prefix: 'baton_bench' });
  log(`baton: database ${state.testDb.name}, queue prefix ${prefix}`);
  state.pool = new pg.Pool({ connectionString: state.testDb.url, max: 3 });
  state.prefixes.push(prefix);
  const procs = await startProcesses(opts, state.testDb, prefix);
  return { ...procs, pool: state.pool, dbName: state.testDb.name, dbUrl: state.testDb.url };
}

async function startProcesses(opts, testDb, prefix) {
  const port = await freePort();
  const base = { ...process.env };
  for (const name of ['BATON_ADMIN_KEY', 'BATON_KEY_PEPPER', 'BATON_JWT_SECRET', 'BATON_JWT_PUBLIC_KEY', 'BATON_JWT_JWKS_URL', 'BATON_AUTH', 'NODE_ENV']) delete base[name];
  // --auth key: the production shape. The admin key only creates the bench's own submitter key.
  const adminKey = opts.auth === 'key' ? randomBytes(24).toString('base64url') : undefined;
  const env = {
    ...base,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: testDb.url,
    REDIS_URL,
    BATON_QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    BODY_LIMIT: '20mb',
    ...(adminKey ? { BATON_ADMIN_KEY: adminKey, BATON_KEY_PEPPER: randomBytes(24).toString('base64url') } : { BATON_RATE_LIMIT_PER_MINUTE: '0' }),
    ...opts.env,
  };
  let started = false;
  const onExit = (c) => {
    if (started && !state.stopping) log(`!! ${c.label} exited unexpectedly (${c.exitCode})\n${c.describe()}`);
  };
  // --cpu-prof: V8 writes the profile when the process exits, which teardown's SIGTERM lets it do.
  const profiled = (name) => (opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
  const api = new Child('api', [...profiled('api'), join(ROOT, 'apps/api/dist/main.js')], { cwd: ROOT, env, onExit });
  state.children.push(api);
  const workers = [];
  const startWorker = () => {
    const i = workers.length;
    const w = new Child(`worker ${i + 1}`, [...profiled(`worker-${i + 1}`), join(ROOT, 'apps/worker/dist/main.js')], {
      cwd: ROOT,
      env: { ...env, WORKER_CONCURRENCY: String(opts.concurrency), SHUTDOWN_GRACE_MS: '2000', ...opts.env },
      onExit,
    });
    state.children.push(w);
    workers.push(w);
  };
  for (let i = 0; i < opts.workers; i++) startWorker();
  const http = new HttpClient(`http://127.0.0.1:${port}`, IN_FLIGHT);
  state.http = http;
  const t0 = performance.now();
  const alive = () => {
    const dead = [api, ...workers].find((c) => c.exited);
    if (dead) throw new Error(`${dead.label} exited during startup\n${dead.describe()}`);
  };
  let last;
  for (;;) {
    alive();
    if (performance.now() - t0 > 30_000) throw new Error(`api not ready within 30 s (last answer: ${last})\n${api.describe()}`);
    const r = await http.get('/readyz', { timeoutMs: 2000 }).catch((e) => ({ status: e.message }));
    last = `${r.status} ${typeof r.body === 'object' ? JSON.stringify(r.body) : r.body ?? ''}`.slice(0, 300);
    if (r.status === 200) break;
    await sleep(200);
  }
  if (adminKey) await useSubmitterKey(http, adminKey);
  const echoServed = async (count, since) => {
    for (;;) {
      alive();
      if (performance.now() - since > 45_000) throw new Error(`echo not served by ${count} worker(s) within 45 s (GET /v1/agents: ${last})\n${workers.map((w) => w.describe()).join('\n')}`);
      const r = await http.get('/v1/agents', { timeoutMs: 2000 }).catch((e) => ({ status: e.message }));
      last = `${r.status} ${JSON.stringify(r.body)}`.slice(0, 300);
      const echo = r.status === 200 ? r.body?.items?.find((a) => a.name === 'echo') : undefined;
      if (echo && echo.workers >= count) return;
      await sleep(200);
    }
  };
  await echoServed(opts.workers, t0);
  started = true;
  log(`baton: api on :${port} and ${opts.workers} worker(s) ready in ${Math.round(performance.now() - t0)} ms`);
  /** One more worker process, resolved when the api sees it serve `echo`. */
  const addWorker = async () => {
    startWorker();
    await echoServed(workers.length, performance.now());
    log(`baton: worker ${workers.length} ready`);
  };
  return { api, workers, http, port, adminKey, addWorker };
}

/**
 * Creates a submitter key (its per-minute limit far above any scenario's rate, so the limiter counts
 * every request but refuses none) and sends it from now on, as X-API-Key.
 */
async function useSubmitterKey(http, adminKey) {
  const r = await http.request('POST', '/v1/api-keys', { name: 'bench', role: 'submitter', rateLimitPerMinute: 100_000_000 }, { headers: { 'x-api-key': adminKey } });
  if (r.status !== 201 || typeof r.body?.key !== 'string') throw new Error(`POST /v1/api-keys: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  http.headers['x-api-key'] = r.body.key;
  log(`baton: requests authenticate with API key ${r.body.id} (role submitter), through the rate limiter`);
}

export function assertAlive(baton) {
  const dead = [baton.api, ...baton.workers].find((c) => c.exited);
  if (dead) throw new Error(`${dead.label} died\n${dead.describe()}`);
}

/** CPU of Baton's processes, Redis, and the Postgres backends serving the bench database. */
export async function batonCpuMeter(baton, redis) {
  const { pool, dbName } = baton;
  const rp = await redisPid(redis);
  const pgPids = async () => {
    const { rows } = await pool.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type <> 'client backend'`, [dbName]);
    const pids = rows.map((r) => r.pid);
    const postmaster = parentPid(pids.find((p) => p !== undefined));
    return postmaster && postmaster > 1 ? [...new Set([postmaster, ...pids])] : pids;
  };
  return new CpuMeter({
    api: () => [baton.api.pid],
    workers: () => baton.workers.map((w) => w.pid),
    redis: () => (rp ? [rp] : []),
    postgres: pgPids,
    bench: () => [],
  });
}
