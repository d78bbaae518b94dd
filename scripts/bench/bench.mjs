#!/usr/bin/env node
// Baton against raw BullMQ, in one run, on this machine's Redis and Postgres.
//
//   npm run bench                         (builds first; the whole run stays under 5 minutes)
//   node scripts/bench/bench.mjs [options] (after `npm run build`)
//
// Options:
//   --workers N          worker processes (default 1)
//   --concurrency C      WORKER_CONCURRENCY of each Baton worker (default 100, the worker default)
//   --raw-concurrency C  concurrency of the raw BullMQ baseline (default 50, as issue 4 defines it)
//   --only a,b,…         scenarios to run: raw, burst, paced, fanout, wide, payload (default all;
//                        burst and paced also run their raw baseline, for the ratios)
//   --runs N             burst runs, and raw burst chains (default 2000)
//   --rate R             paced runs (and raw chains) per second (default 100)
//   --paced-seconds S    paced duration, Baton and raw (default 20)
//   --soak               Baton's paced scenario lasts 180 s, sampling worker RSS and Redis memory
//                        every 10 s (raw paced keeps --paced-seconds)
//   --items N            fan-out items (default 5000)
//   --dag-runs N         wide-DAG runs (default 200); --dag-width W middle steps (default 48)
//   --payload-mb M       payload size in MB (default 10). The blob is made inside the workflow (a
//                        `transform` step outputs it); --payload-input sends it as the run's input
//                        instead (the api runs with BODY_LIMIT=20mb for that)
//   --budget S           seconds the scenarios may take in all (default 270, +180 with --soak);
//                        a scenario that would overrun it is skipped, timeouts shrink to fit
//   --env K=V            extra environment for the api and the workers (repeatable), e.g.
//                        --env DB_POOL_SIZE=20
//   --save               write the JSON to bench/results/<YYYY-MM-DD>.json; --out FILE elsewhere
//
// What it does: creates its own database (createTestDatabase from packages/db/dist) and Redis key
// prefix, starts `apps/api/dist/main.js` and N × `apps/worker/dist/main.js` as separate processes,
// runs raw BullMQ (scripts/bench/raw-bullmq.mjs, a child process, its own prefix, no Postgres) and
// then the Baton scenarios over HTTP, reading results from Postgres. Prints a table and one
// `BENCH_JSON {…}` line. Everything it created is removed at the end, on failure and on Ctrl-C too.
// Progress goes to stderr. Exit code 1 when a scenario errored, timed out or computed a wrong result
// (CHECK FAILED); missed targets are not failures: they are figures.
//
// How figures are taken:
// - Baton latencies come from the rows (runs.created_at/finished_at, steps.started_at/finished_at),
//   which hold JS Dates: whole milliseconds. The raw baseline measures with performance.now().
// - burst/wide: wall time from the first submission until a 50 ms poll of Postgres sees every run
//   final; steps/s counts succeeded runs × steps per run.
// - CPU: utime+stime from /proc/<pid>/stat before and after each scenario for the api, the workers,
//   redis-server, the Postgres processes serving the bench database plus its background processes,
//   and this process; "other" is the machine's busy time (/proc/stat) nobody of those accounts for:
//   other programs on the box. When it is large, the run was disturbed (a WARNING line says so).
// - payload: the blob is 'x' repeated, so Postgres compresses it well; step c computes
//   $length($steps.b.output.blob) to check that a consumer sees the value (CHECK FAILED if not).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CpuMeter, formatCpuSplit, pgrep, parentPid, rssBytes } from './cpu.mjs';
import { HttpClient } from './http.mjs';
import { Child, freePort } from './procs.mjs';
import { fmtBytes, fmtMs, ratio, round, summarize, table } from './stats.mjs';
import { chainWorkflow, diamondWorkflow, fanOutWorkflow, payloadWorkflow } from './workflows.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SCENARIOS = ['raw', 'burst', 'paced', 'fanout', 'wide', 'payload'];
const FINAL = ['succeeded', 'failed', 'cancelled'];
const IN_FLIGHT = 64;
const POLL_MS = 50;

// ---------------------------------------------------------------------------------------------
// options

function parseArgs(argv) {
  const o = {
    workers: 1, concurrency: 100, rawConcurrency: 50, only: SCENARIOS, runs: 2000, rate: 100, pacedSeconds: 20, soak: false, items: 5000,
    dagRuns: 200, dagWidth: 48, payloadMb: 10, payloadGenerated: true, budget: undefined, env: {}, save: false, out: undefined,
  };
  const num = (name, v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') && a.startsWith('--') && !a.startsWith('--env') ? a.split(/=(.*)/s) : [a, undefined];
    const val = () => inline ?? argv[++i];
    switch (flag) {
      case '--workers': o.workers = Math.round(num('workers', val())); break;
      case '--concurrency': o.concurrency = Math.round(num('concurrency', val())); break;
      case '--raw-concurrency': o.rawConcurrency = Math.round(num('raw-concurrency', val())); break;
      case '--only': {
        const list = val().split(',').map((s) => s.trim()).filter(Boolean);
        const bad = list.filter((s) => !SCENARIOS.includes(s));
        if (bad.length) throw new Error(`--only: unknown scenario ${bad.join(', ')} (known: ${SCENARIOS.join(', ')})`);
        o.only = list;
        break;
      }
      case '--runs': o.runs = Math.round(num('runs', val())); break;
      case '--rate': o.rate = num('rate', val()); break;
      case '--paced-seconds': o.pacedSeconds = num('paced-seconds', val()); break;
      case '--soak': o.soak = true; break;
      case '--items': o.items = Math.round(num('items', val())); break;
      case '--dag-runs': o.dagRuns = Math.round(num('dag-runs', val())); break;
      case '--dag-width': o.dagWidth = Math.round(num('dag-width', val())); break;
      case '--payload-mb': o.payloadMb = num('payload-mb', val()); break;
      case '--payload-generated': o.payloadGenerated = true; break;
      case '--payload-input': o.payloadGenerated = false; break;
      case '--budget': o.budget = num('budget', val()); break;
      case '--env': {
        const kv = a.startsWith('--env=') ? a.slice(6) : argv[++i];
        const eq = kv?.indexOf('=') ?? -1;
        if (eq <= 0) throw new Error(`--env needs KEY=VALUE, got ${JSON.stringify(kv)}`);
        o.env[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case '--save': o.save = true; break;
      case '--out': o.out = val(); break;
      case '-h':
      case '--help':
        process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).slice(0, 30).map((l) => l.slice(3)).join('\n') + '\n');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  o.budget ??= 270 + (o.soak ? 180 : 0);
  o.soakSeconds = 180;
  return o;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
const selected = (name) => opts.only.includes(name);
const log = (...a) => console.error(...a);
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const benchStart = now();
const deadline = benchStart + opts.budget * 1000;
const remainingMs = () => deadline - now();

// ---------------------------------------------------------------------------------------------
// everything to undo at the end

const state = {
  children: [],
  testDb: undefined,
  pool: undefined,
  redis: undefined,
  http: undefined,
  prefixes: [],
  stopping: false,
  teardown: undefined,
};

async function deleteKeys(redis, prefix) {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

function teardown() {
  state.teardown ??= (async () => {
    state.stopping = true;
    await Promise.all(state.children.map((c) => c.stop(5000).catch(() => undefined)));
    state.http?.close();
    await state.pool?.end().catch(() => undefined);
    if (state.testDb) {
      await state.testDb.drop().then(
        () => log(`teardown: dropped database ${state.testDb.name}`),
        (e) => log(`teardown: could not drop database ${state.testDb.name}: ${e.message}`),
      );
      state.testDb = undefined;
    }
    if (state.redis) {
      for (const prefix of state.prefixes) {
        await deleteKeys(state.redis, prefix).then(
          (n) => n && log(`teardown: deleted ${n} Redis keys under ${prefix}:`),
          (e) => log(`teardown: could not delete ${prefix}:* keys: ${e.message}`),
        );
      }
      state.prefixes = [];
      await state.redis.quit().catch(() => undefined);
    }
  })();
  return state.teardown;
}

// Last resort when the process exits without the async teardown having finished.
process.on('exit', () => {
  for (const c of state.children) c.killNow();
  if (state.testDb) spawnSync('psql', [process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', '-qc', `DROP DATABASE IF EXISTS ${state.testDb.name} WITH (FORCE)`], { stdio: 'ignore', timeout: 10_000 });
  for (const prefix of state.prefixes) {
    spawnSync('sh', ['-c', `redis-cli -u "$1" --scan --pattern "$2:*" | xargs -r redis-cli -u "$1" unlink >/dev/null`, 'sh', REDIS_URL, prefix], { stdio: 'ignore', timeout: 10_000 });
  }
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    log(`\n${sig}: stopping and cleaning up…`);
    teardown().finally(() => process.exit(130));
  });
}
process.on('unhandledRejection', (err) => {
  log('unhandled rejection:', err);
  teardown().finally(() => process.exit(1));
});

// ---------------------------------------------------------------------------------------------
// machine and environment

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

async function machineInfo(redis, pool) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const info = await redis.info('server');
  const pgVersion = pool ? (await pool.query('SHOW server_version')).rows[0].server_version : sh('psql', ['-At', '-h', '127.0.0.1', '-U', 'postgres', '-c', 'SHOW server_version']);
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    cores: os.cpus().length,
    memory_gib: round(os.totalmem() / 1024 ** 3, 1),
    kernel: os.release(),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1],
    postgres: pgVersion,
    bullmq: JSON.parse(readFileSync(join(ROOT, 'node_modules/bullmq/package.json'), 'utf8')).version,
  };
}

function gitInfo() {
  const status = sh('git', ['status', '--porcelain']);
  return { commit: sh('git', ['rev-parse', 'HEAD']) ?? null, dirty: status === undefined ? null : status.length > 0 };
}

async function redisPid(redis) {
  const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
  try {
    if (pid && readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('redis')) return pid;
  } catch {
    // another pid namespace
  }
  return pgrep('redis-server')[0];
}

async function usedMemory(redis) {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

// ---------------------------------------------------------------------------------------------
// the raw BullMQ baseline

async function runRaw(mode, redis, cores) {
  const prefix = `rawbench_${randomBytes(5).toString('hex')}`;
  state.prefixes.push(prefix);
  const args = [join(ROOT, 'scripts/bench/raw-bullmq.mjs'), mode, '--prefix', prefix, '--redis', REDIS_URL, '--concurrency', String(opts.rawConcurrency), '--handshake'];
  if (mode === 'burst') args.push('--chains', String(opts.runs), '--timeout-ms', String(Math.min(120_000, Math.max(10_000, remainingMs() - 30_000))));
  else args.push('--rate', String(opts.rate), '--seconds', String(opts.pacedSeconds), '--timeout-ms', String(opts.pacedSeconds * 1000 + 30_000));
  const rp = await redisPid(redis);
  const child = new Child(`raw-bullmq ${mode}`, args, { cwd: ROOT, env: process.env });
  state.children.push(child);
  const lines = [];
  let onLine;
  child.proc.stdout.setEncoding('utf8');
  let buf = '';
  child.proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(l);
      onLine?.(l);
    }
  });
  child.proc.stderr.on('data', (d) => process.stderr.write(d));
  const waitFor = (pred, ms) =>
    new Promise((resolve, reject) => {
      const hit = lines.find(pred);
      if (hit) return resolve(hit);
      const t = setTimeout(() => reject(new Error(`raw-bullmq ${mode}: no answer within ${ms} ms\n${child.describe()}`)), ms);
      onLine = (l) => {
        if (pred(l)) {
          clearTimeout(t);
          onLine = undefined;
          resolve(l);
        }
      };
      child.exitPromise.then(() => {
        clearTimeout(t);
        reject(new Error(`raw-bullmq ${mode} exited early\n${child.describe()}`));
      });
    });
  const meter = new CpuMeter({ raw: () => [child.pid], redis: () => (rp ? [rp] : []), postgres: () => pgrep('postgres'), bench: () => [] });
  try {
    await waitFor((l) => l === 'RAW_READY', 20_000);
    log(`raw ${mode}: start`);
    const before = await meter.snapshot();
    child.proc.stdin.write('go\n');
    const line = await waitFor((l) => l.startsWith('RAW_JSON '), (mode === 'burst' ? 130 : opts.pacedSeconds + 40) * 1000);
    const after = await meter.snapshot();
    child.proc.stdin.write('exit\n');
    await Promise.race([child.exitPromise, sleep(10_000)]);
    const result = JSON.parse(line.slice('RAW_JSON '.length));
    result.cpu = CpuMeter.diff(before, after, cores);
    log(`raw ${mode}: ${result.completed_chains}/${result.chains} chains, ${result.steps_per_s} steps/s`);
    return result;
  } finally {
    await child.stop(3000);
    state.children.splice(state.children.indexOf(child), 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Baton processes

async function startBaton(testDb, prefix) {
  const port = await freePort();
  const base = { ...process.env };
  delete base.BATON_ADMIN_KEY;
  const env = {
    ...base,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: testDb.url,
    REDIS_URL,
    BATON_QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    BODY_LIMIT: '20mb',
    ...opts.env,
  };
  let started = false;
  const onExit = (c) => {
    if (started && !state.stopping) log(`!! ${c.label} exited unexpectedly (${c.exitCode})\n${c.describe()}`);
  };
  const api = new Child('api', [join(ROOT, 'apps/api/dist/main.js')], { cwd: ROOT, env, onExit });
  state.children.push(api);
  const workers = [];
  for (let i = 0; i < opts.workers; i++) {
    const w = new Child(`worker ${i + 1}`, [join(ROOT, 'apps/worker/dist/main.js')], {
      cwd: ROOT,
      env: { ...env, WORKER_CONCURRENCY: String(opts.concurrency), SHUTDOWN_GRACE_MS: '2000', ...opts.env },
      onExit,
    });
    state.children.push(w);
    workers.push(w);
  }
  const http = new HttpClient(`http://127.0.0.1:${port}`, IN_FLIGHT);
  state.http = http;
  const t0 = now();
  const alive = () => {
    const dead = [api, ...workers].find((c) => c.exited);
    if (dead) throw new Error(`${dead.label} exited during startup\n${dead.describe()}`);
  };
  let last;
  for (;;) {
    alive();
    if (now() - t0 > 30_000) throw new Error(`api not ready within 30 s (last answer: ${last})\n${api.describe()}`);
    const r = await http.get('/readyz', { timeoutMs: 2000 }).catch((e) => ({ status: e.message }));
    last = `${r.status} ${typeof r.body === 'object' ? JSON.stringify(r.body) : r.body ?? ''}`.slice(0, 300);
    if (r.status === 200) break;
    await sleep(200);
  }
  for (;;) {
    alive();
    if (now() - t0 > 45_000) throw new Error(`echo not served by ${opts.workers} worker(s) within 45 s (GET /v1/agents: ${last})\n${workers.map((w) => w.describe()).join('\n')}`);
    const r = await http.get('/v1/agents', { timeoutMs: 2000 }).catch((e) => ({ status: e.message }));
    last = `${r.status} ${JSON.stringify(r.body)}`.slice(0, 300);
    const echo = r.status === 200 ? r.body?.items?.find((a) => a.name === 'echo') : undefined;
    if (echo && echo.workers >= opts.workers) break;
    await sleep(200);
  }
  started = true;
  log(`baton: api on :${port} and ${opts.workers} worker(s) ready in ${Math.round(now() - t0)} ms`);
  return { api, workers, http, port };
}

function assertAlive(baton) {
  const dead = [baton.api, ...baton.workers].find((c) => c.exited);
  if (dead) throw new Error(`${dead.label} died\n${dead.describe()}`);
}

// ---------------------------------------------------------------------------------------------
// submitting and waiting

/** One POST /v1/runs, retrying 429 (after Retry-After) and 503 a few times. */
async function submitOne(http, body, stats, timeoutMs = 30_000) {
  for (let attempt = 1; ; attempt++) {
    let r;
    try {
      r = await http.post('/v1/runs', body, { timeoutMs });
    } catch (e) {
      stats.errors[e.message] = (stats.errors[e.message] ?? 0) + 1;
      return undefined;
    }
    stats.latencies.push(r.ms);
    if (r.status === 202 || r.status === 200) {
      if (r.body?.id) return r.body.id;
      stats.errors[`${r.status} without id`] = (stats.errors[`${r.status} without id`] ?? 0) + 1;
      return undefined;
    }
    const key = `${r.status} ${r.body?.error?.code ?? ''}`.trim();
    if ((r.status === 429 || r.status === 503) && attempt <= 5) {
      stats.retries[key] = (stats.retries[key] ?? 0) + 1;
      await sleep(r.status === 429 ? Math.min(5000, Number(r.headers['retry-after'] ?? 0.1) * 1000) : 100);
      continue;
    }
    stats.errors[key] = (stats.errors[key] ?? 0) + 1;
    if (stats.samples.length < 3) stats.samples.push({ status: r.status, body: typeof r.body === 'string' ? r.body.slice(0, 500) : r.body });
    return undefined;
  }
}

const newSubmitStats = () => ({ latencies: [], errors: {}, retries: {}, samples: [], ids: [] });

/** `count` submissions, IN_FLIGHT at a time, as fast as the api answers. */
async function submitBurst(http, count, bodyOf, stats) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, count) }, async () => {
      while (next < count) {
        const id = await submitOne(http, bodyOf(next++), stats);
        if (id) stats.ids.push(id);
      }
    }),
  );
}

/** `rate` submissions per second for `seconds`, open loop (a slow answer never delays the next). */
async function submitPaced(http, rate, seconds, bodyOf, stats, onSecond) {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const t0 = now();
  const pending = [];
  let lastSecond = 0;
  for (let i = 0; i < total; i++) {
    const wait = t0 + i * interval - now();
    if (wait > 0.5) await sleep(wait);
    pending.push(submitOne(http, bodyOf(i), stats).then((id) => id && stats.ids.push(id)));
    const s = Math.floor((now() - t0) / 1000);
    if (s > lastSecond) {
      lastSecond = s;
      await onSecond?.(s, i + 1);
    }
  }
  const sentMs = now() - t0;
  await Promise.all(pending);
  return { sent: total, sent_ms: sentMs };
}

async function statusCounts(pool, workflowName) {
  const { rows } = await pool.query('SELECT status, count(*)::int AS n FROM runs WHERE workflow_name = $1 GROUP BY status', [workflowName]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

const fmtCounts = (c) => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet';

/**
 * Polls the runs of `workflowName` every 50 ms until `expected()` of them are final, or the
 * timeout. Resolves with { counts, timedOut, doneAt } (doneAt: when the last run was seen final).
 */
async function waitRuns({ pool, baton, workflowName, expected, timeoutMs, label }) {
  const t0 = now();
  let lastLog = t0;
  let counts = {};
  for (;;) {
    assertAlive(baton);
    counts = await statusCounts(pool, workflowName);
    const t = now();
    const final = FINAL.reduce((s, k) => s + (counts[k] ?? 0), 0);
    const want = expected();
    if (want !== undefined && final >= want) return { counts, timedOut: false, doneAt: t };
    if (t - lastLog >= 1000) {
      lastLog = t;
      log(`${label}: ${counts.succeeded ?? 0}/${want ?? '?'} succeeded (${fmtCounts(counts)})`);
    }
    if (t - t0 > timeoutMs) {
      log(`${label}: TIMED OUT after ${Math.round((t - t0) / 1000)} s: ${fmtCounts(counts)}`);
      return { counts, timedOut: true, doneAt: t };
    }
    await sleep(POLL_MS);
  }
}

/** After a timeout: cancel what still runs so it does not weigh on the next scenario (best effort, ≤ 10 s). */
async function cancelUnfinished(pool, http, workflowName) {
  const { rows } = await pool.query(`SELECT id FROM runs WHERE workflow_name = $1 AND status NOT IN ('succeeded', 'failed', 'cancelled')`, [workflowName]);
  if (rows.length === 0) return 0;
  const stop = now() + 10_000;
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, rows.length) }, async () => {
      while (next < rows.length && now() < stop) {
        const r = await http.post(`/v1/runs/${rows[next++].id}/cancel`, {}, { timeoutMs: 5000 }).catch(() => undefined);
        if (r?.status === 202) ok++;
      }
    }),
  );
  log(`  cancelled ${ok}/${rows.length} unfinished runs of ${workflowName}`);
  return ok;
}

const ms = (v) => (v === null || v === undefined ? NaN : Number(v));

async function latencyFigures(pool, workflowName, { first = 'a', hops = [['a', 'b'], ['b', 'c']] } = {}) {
  const runs = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (finished_at - created_at)) * 1000 AS ms FROM runs WHERE workflow_name = $1 AND status = 'succeeded'`,
    [workflowName],
  );
  const hop = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (n.started_at - p.finished_at)) * 1000 AS ms
       FROM runs r
       JOIN steps p ON p.run_id = r.id
       JOIN steps n ON n.run_id = r.id AND (${hops.map((_, i) => `(p.key = $${2 + 2 * i} AND n.key = $${3 + 2 * i})`).join(' OR ')})
      WHERE r.workflow_name = $1 AND r.status = 'succeeded'`,
    [workflowName, ...hops.flat()],
  );
  const toFirst = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (s.started_at - r.created_at)) * 1000 AS ms
       FROM runs r JOIN steps s ON s.run_id = r.id AND s.key = $2
      WHERE r.workflow_name = $1 AND r.status = 'succeeded'`,
    [workflowName, first],
  );
  const queueWait = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (s.started_at - s.queued_at)) * 1000 AS ms
       FROM runs r JOIN steps s ON s.run_id = r.id
      WHERE r.workflow_name = $1 AND r.status = 'succeeded' AND s.queued_at IS NOT NULL AND s.started_at IS NOT NULL`,
    [workflowName],
  );
  return {
    run_latency_ms: summarize(runs.rows.map((r) => ms(r.ms))),
    hop_latency_ms: summarize(hop.rows.map((r) => ms(r.ms))),
    first_step_start_ms: summarize(toFirst.rows.map((r) => ms(r.ms))),
    step_queue_wait_ms: summarize(queueWait.rows.map((r) => ms(r.ms))),
  };
}

async function dbSpan(pool, workflowName) {
  const { rows } = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (max(finished_at) - min(created_at))) * 1000 AS ms FROM runs WHERE workflow_name = $1 AND status = 'succeeded'`,
    [workflowName],
  );
  return round(ms(rows[0]?.ms), 1);
}

function submitSummary(stats, wallMs) {
  return {
    accepted: stats.ids.length,
    ...(wallMs ? { submit_rate_per_s: round(stats.ids.length / (wallMs / 1000), 1) } : {}),
    http_ms: summarize(stats.latencies),
    ...(Object.keys(stats.errors).length ? { errors: stats.errors, error_samples: stats.samples } : {}),
    ...(Object.keys(stats.retries).length ? { retries: stats.retries } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// the Baton scenarios

function scenarioTimeout(defaultMs) {
  return Math.max(5_000, Math.min(defaultMs, remainingMs() - 15_000));
}

async function burst(ctx) {
  const name = 'bench-burst';
  const wf = chainWorkflow(name);
  const n = opts.runs;
  const stats = newSubmitStats();
  const t0 = now();
  let submitted = false;
  let submitMs;
  const sub = submitBurst(ctx.baton.http, n, (i) => ({ workflow: wf, input: { n: i } }), stats).then(() => {
    submitMs = now() - t0;
    submitted = true;
    log(`burst: ${stats.ids.length}/${n} accepted in ${Math.round(submitMs)} ms`);
  });
  const wait = await waitRuns({ ...ctx, workflowName: name, expected: () => (submitted ? stats.ids.length : n), timeoutMs: scenarioTimeout(90_000), label: 'burst' });
  await sub;
  const end = now();
  const wallMs = wait.doneAt - t0;
  const ok = wait.counts.succeeded ?? 0;
  ctx.mark(end);
  const r = {
    runs: n,
    steps_per_run: 3,
    status: wait.counts,
    timed_out: wait.timedOut,
    wall_ms: round(wallMs, 1),
    steps_per_s: round((ok * 3) / (wallMs / 1000), 1),
    runs_per_s: round(ok / (wallMs / 1000), 1),
    db_span_ms: await dbSpan(ctx.pool, name),
    submit: submitSummary(stats, submitMs),
    // how long the last runs took to finish once the api had accepted them all: near 0 means the
    // api's acceptance rate, not the workers, bounded the burst
    drain_after_last_accept_ms: submitMs === undefined ? null : round(wait.doneAt - t0 - submitMs, 1),
  };
  if (wait.timedOut) await cancelUnfinished(ctx.pool, ctx.baton.http, name);
  else Object.assign(r, { step_queue_wait_ms: (await latencyFigures(ctx.pool, name)).step_queue_wait_ms });
  return r;
}

async function paced(ctx) {
  const name = 'bench-paced';
  const wf = chainWorkflow(name);
  const seconds = opts.soak ? opts.soakSeconds : opts.pacedSeconds;
  const workerRss = () => ctx.baton.workers.reduce((s, w) => s + (rssBytes(w.pid) ?? 0), 0);
  const apiRss = () => rssBytes(ctx.baton.api.pid);
  const memStart = { worker_rss_bytes: workerRss(), api_rss_bytes: apiRss(), redis_used_memory_bytes: await usedMemory(ctx.redis) };
  const series = [];
  const sample = async (s, sent) => {
    const point = { t_s: s, sent, worker_rss_bytes: workerRss(), redis_used_memory_bytes: await usedMemory(ctx.redis) };
    if (opts.soak && s % 10 === 0) {
      series.push(point);
      log(`paced (soak) ${s}/${seconds} s: worker RSS ${fmtBytes(point.worker_rss_bytes)}, Redis ${fmtBytes(point.redis_used_memory_bytes)}`);
    } else if (!opts.soak && s % 5 === 0) {
      log(`paced: ${s}/${seconds} s, ${sent} submitted`);
    }
  };
  const stats = newSubmitStats();
  const t0 = now();
  const sent = await submitPaced(ctx.baton.http, opts.rate, seconds, (i) => ({ workflow: wf, input: { n: i } }), stats, (s, k) => {
    assertAlive(ctx.baton);
    return sample(s, k);
  });
  log(`paced: ${stats.ids.length}/${sent.sent} accepted over ${round(sent.sent_ms / 1000, 1)} s; waiting for the last runs`);
  const wait = await waitRuns({ ...ctx, workflowName: name, expected: () => stats.ids.length, timeoutMs: scenarioTimeout(30_000), label: 'paced' });
  ctx.mark(now());
  const memEnd = { worker_rss_bytes: workerRss(), api_rss_bytes: apiRss(), redis_used_memory_bytes: await usedMemory(ctx.redis) };
  const r = {
    rate_per_s: opts.rate,
    seconds,
    status: wait.counts,
    timed_out: wait.timedOut,
    wall_ms: round(wait.doneAt - t0, 1),
    steps_per_s: round(((wait.counts.succeeded ?? 0) * 3) / ((wait.doneAt - t0) / 1000), 1),
    achieved_submit_rate_per_s: round(stats.ids.length / (sent.sent_ms / 1000), 1),
    submit: submitSummary(stats),
    ...(await latencyFigures(ctx.pool, name)),
    memory: { start: memStart, end: memEnd, worker_rss_growth_bytes: memEnd.worker_rss_bytes - memStart.worker_rss_bytes, redis_growth_bytes: memEnd.redis_used_memory_bytes - memStart.redis_used_memory_bytes },
    ...(series.length ? { memory_series: series } : {}),
  };
  if (wait.timedOut) await cancelUnfinished(ctx.pool, ctx.baton.http, name);
  return r;
}

async function singleRun(ctx, { name, label, body, expectedSteps, timeoutMs, sampler }) {
  const t0 = now();
  const stats = newSubmitStats();
  const id = await submitOne(ctx.baton.http, body, stats, 60_000);
  const submitMs = now() - t0;
  if (!id) return { error: `submission failed: ${JSON.stringify(stats.errors)} ${JSON.stringify(stats.samples)}`.slice(0, 2000), submit: submitSummary(stats) };
  log(`${label}: run ${id} accepted in ${Math.round(submitMs)} ms`);
  let lastLog = now();
  let status;
  let timedOut = false;
  for (;;) {
    assertAlive(ctx.baton);
    status = (await ctx.pool.query('SELECT status FROM runs WHERE id = $1', [id])).rows[0]?.status;
    if (FINAL.includes(status)) break;
    if (now() - lastLog >= 1000) {
      lastLog = now();
      const { rows } = await ctx.pool.query('SELECT status, count(*)::int AS n FROM steps WHERE run_id = $1 GROUP BY status', [id]);
      const c = Object.fromEntries(rows.map((x) => [x.status, x.n]));
      log(`${label}: ${c.succeeded ?? 0}/${expectedSteps} steps succeeded (${fmtCounts(c)})`);
    }
    if (now() - t0 > timeoutMs) {
      timedOut = true;
      break;
    }
    await sleep(POLL_MS);
  }
  const doneAt = now();
  ctx.mark(doneAt);
  await sampler?.stop();
  const { rows: stepRows } = await ctx.pool.query('SELECT status, count(*)::int AS n FROM steps WHERE run_id = $1 GROUP BY status', [id]);
  const steps = Object.fromEntries(stepRows.map((x) => [x.status, x.n]));
  const { rows: runRows } = await ctx.pool.query(
    `SELECT status, error, EXTRACT(EPOCH FROM (finished_at - created_at)) * 1000 AS ms FROM runs WHERE id = $1`,
    [id],
  );
  if (timedOut) {
    log(`${label}: TIMED OUT, run ${status}, steps: ${fmtCounts(steps)}`);
    await cancelUnfinished(ctx.pool, ctx.baton.http, name);
  }
  const wallMs = doneAt - t0;
  return {
    run_id: id,
    run_status: status,
    ...(runRows[0]?.error ? { run_error: runRows[0].error } : {}),
    timed_out: timedOut,
    steps: expectedSteps,
    step_status: steps,
    wall_ms: round(wallMs, 1),
    db_ms: round(ms(runRows[0]?.ms), 1),
    steps_per_s: status === 'succeeded' ? round(expectedSteps / (wallMs / 1000), 1) : null,
    submit_ms: round(submitMs, 1),
  };
}

async function fanout(ctx) {
  const name = 'bench-fanout';
  const items = Array.from({ length: opts.items }, (_, i) => i);
  const r = await singleRun(ctx, {
    name, label: 'fanout', body: { workflow: fanOutWorkflow(name), input: { items } },
    expectedSteps: opts.items + 1, timeoutMs: scenarioTimeout(60_000),
  });
  if (r.run_status === 'succeeded') {
    const { rows } = await ctx.pool.query(`SELECT output FROM steps WHERE run_id = $1 AND key = 'join'`, [r.run_id]);
    r.join_output = rows[0]?.output;
    if (Number(rows[0]?.output?.n) !== opts.items) r.check = `join saw n = ${JSON.stringify(rows[0]?.output?.n)}, expected ${opts.items}`;
  }
  r.items = opts.items;
  return r;
}

async function wide(ctx) {
  const name = 'bench-wide';
  const wf = diamondWorkflow(name, opts.dagWidth);
  const perRun = opts.dagWidth + 2;
  const stats = newSubmitStats();
  const t0 = now();
  let submitted = false;
  let submitMs;
  const sub = submitBurst(ctx.baton.http, opts.dagRuns, (i) => ({ workflow: wf, input: { n: i } }), stats).then(() => {
    submitMs = now() - t0;
    submitted = true;
  });
  const wait = await waitRuns({ ...ctx, workflowName: name, expected: () => (submitted ? stats.ids.length : opts.dagRuns), timeoutMs: scenarioTimeout(60_000), label: 'wide' });
  await sub;
  ctx.mark(now());
  const wallMs = wait.doneAt - t0;
  const ok = wait.counts.succeeded ?? 0;
  const r = {
    runs: opts.dagRuns,
    steps_per_run: perRun,
    status: wait.counts,
    timed_out: wait.timedOut,
    wall_ms: round(wallMs, 1),
    steps_per_s: round((ok * perRun) / (wallMs / 1000), 1),
    runs_per_s: round(ok / (wallMs / 1000), 1),
    db_span_ms: await dbSpan(ctx.pool, name),
    submit: submitSummary(stats, submitMs),
  };
  if (wait.timedOut) await cancelUnfinished(ctx.pool, ctx.baton.http, name);
  return r;
}

/** INFO memory every 20 ms on its own connection; peak and start. */
function redisSampler(url) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let stopped = false;
  let start;
  let peak = 0;
  let samples = 0;
  const loop = (async () => {
    while (!stopped) {
      const t = now();
      const m = await usedMemory(redis).catch(() => undefined);
      if (m !== undefined) {
        start ??= m;
        peak = Math.max(peak, m);
        samples++;
      }
      await sleep(Math.max(0, 20 - (now() - t)));
    }
  })();
  return {
    ready: async () => {
      while (start === undefined && !stopped) await sleep(5);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await loop;
      await redis.quit().catch(() => undefined);
    },
    result: () => ({ start_bytes: start, peak_bytes: peak, peak_growth_bytes: start === undefined ? null : peak - start, samples }),
  };
}

async function payload(ctx) {
  const name = 'bench-payload';
  const size = Math.round(opts.payloadMb * 1_000_000);
  const run = async (generated) => {
    const sampler = redisSampler(REDIS_URL);
    await sampler.ready();
    const body = { workflow: payloadWorkflow(name, { generated, size }), input: generated ? {} : { blob: 'x'.repeat(size) } };
    const r = await singleRun(ctx, { name, label: 'payload', body, expectedSteps: 3, timeoutMs: scenarioTimeout(60_000), sampler });
    await sampler.stop();
    r.redis_memory = sampler.result();
    r.generated_in_workflow = generated;
    return r;
  };
  let r = await run(opts.payloadGenerated);
  if (!opts.payloadGenerated && r.error && /413/.test(r.error)) {
    log('payload: the api refused the body (413); making the blob inside the workflow instead');
    r = { first_try: r, ...(await run(true)) };
  }
  r.size_bytes = size;
  if (r.run_status === 'succeeded') {
    const { rows } = await ctx.pool.query(`SELECT input, output FROM steps WHERE run_id = $1 AND key = 'c'`, [r.run_id]);
    r.consumer_saw_length = rows[0]?.output?.n ?? null;
    if (Number(r.consumer_saw_length) !== size) {
      r.check = `step c ({ n: '{{ $length($steps.b.output.blob) }}' }) saw ${JSON.stringify(r.consumer_saw_length)}, expected ${size}`;
      r.consumer_row = { input: JSON.stringify(rows[0]?.input)?.slice(0, 300), output: JSON.stringify(rows[0]?.output)?.slice(0, 300) };
      const b = await ctx.pool.query(`SELECT output FROM steps WHERE run_id = $1 AND key = 'b'`, [r.run_id]);
      r.producer_b_output = JSON.stringify(b.rows[0]?.output)?.slice(0, 300);
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// report

function buildReport(res) {
  const rows = [];
  const raw = res.raw ?? {};
  const b = res.baton ?? {};
  const ratios = {
    burst_steps: ratio(b.burst?.steps_per_s, raw.burst?.steps_per_s),
    paced_p50: ratio(b.paced?.run_latency_ms?.p50, raw.paced?.chain_latency_ms?.p50),
    paced_p95: ratio(b.paced?.run_latency_ms?.p95, raw.paced?.chain_latency_ms?.p95),
    paced_p99: ratio(b.paced?.run_latency_ms?.p99, raw.paced?.chain_latency_ms?.p99),
    hop_p50: ratio(b.paced?.hop_latency_ms?.p50, raw.paced?.hop_latency_ms?.p50),
    hop_p99: ratio(b.paced?.hop_latency_ms?.p99, raw.paced?.hop_latency_ms?.p99),
  };
  const check = (ok, text) => (ok === undefined || ok === null ? `${text} ?` : `${text} ${ok ? 'ok' : 'MISSED'}`);
  const targets = {};
  const t = (key, value, pass, text) => {
    if (value === undefined || value === null) return '';
    targets[key] = { value, pass, target: text };
    return check(pass, text);
  };
  const fmtX = (v) => (v === null || v === undefined ? '' : `${v}×`);
  const cpuRows = [];
  const cpuRow = (scenario, r) => {
    if (!r?.cpu) return;
    const g = r.cpu.groups;
    const cell = (name) => (g[name] ? `${g[name].cpu_s.toFixed(2)}s ${Math.round(g[name].share_pct)}%` : '');
    cpuRows.push([scenario, `${r.cpu.wall_s.toFixed(1)} s`, cell('raw'), cell('api'), cell('workers'), cell('redis'), cell('postgres'), cell('bench'), cell('other'), `${r.cpu.machine_busy_pct}%`]);
  };
  const note = (scenario, r) => {
    if (r?.skipped) rows.push([scenario, 'skipped', r.skipped, '', '']);
    if (r?.error) rows.push([scenario, 'ERROR', String(r.error).split('\n')[0].slice(0, 160), '', '']);
    if (r?.timed_out) rows.push([scenario, 'TIMED OUT', `status: ${fmtCounts(r.status ?? r.step_status ?? {})}`, '', '']);
    if (r?.check) rows.push([scenario, 'CHECK FAILED', r.check, '', '']);
    if (r?.run_error) rows.push([scenario, `run ${r.run_status}`, `${r.run_error.code ?? ''}: ${r.run_error.message ?? JSON.stringify(r.run_error)}`.slice(0, 160), '', '']);
    const errs = r?.submit?.errors;
    if (errs) rows.push([scenario, 'submit errors', JSON.stringify(errs).slice(0, 160), '', '']);
  };

  if (raw.burst) {
    const r = raw.burst;
    note('raw burst', r);
    rows.push(['raw burst', 'steps/s', `${r.steps_per_s} (${r.completed_chains} chains × 3 in ${round(r.wall_ms / 1000, 2)} s)`, '1×', '']);
    cpuRow('raw burst', r);
  }
  if (raw.paced) {
    const r = raw.paced;
    note('raw paced', r);
    rows.push(['raw paced', 'chain latency p50/p95/p99', `${fmtMs(r.chain_latency_ms.p50)} / ${fmtMs(r.chain_latency_ms.p95)} / ${fmtMs(r.chain_latency_ms.p99)}`, '1×', '']);
    rows.push(['raw paced', 'hop latency p50/p99', `${fmtMs(r.hop_latency_ms.p50)} / ${fmtMs(r.hop_latency_ms.p99)}`, '1×', '']);
    rows.push(['raw paced', 'add → first step p50/p99', `${fmtMs(r.first_step_start_ms.p50)} / ${fmtMs(r.first_step_start_ms.p99)}`, '', '']);
    cpuRow('raw paced', r);
  }
  if (b.setup?.error) rows.push(['baton', 'SETUP FAILED', String(b.setup.error).split('\n')[0].slice(0, 200), '', '']);
  if (b.burst) {
    const r = b.burst;
    note('burst', r);
    if (r.steps_per_s !== undefined) {
      rows.push(['burst', 'durable steps/s', `${r.steps_per_s} (${r.status?.succeeded ?? 0} runs × 3 in ${round(r.wall_ms / 1000, 2)} s)`, fmtX(ratios.burst_steps), t('burst_ratio', ratios.burst_steps, ratios.burst_steps >= 0.5, '≥ 0.5×')]);
      rows.push(['burst', 'runs/s', r.runs_per_s, '', '']);
      rows.push(['burst', 'submit rate (runs/s accepted)', `${r.submit.submit_rate_per_s} (HTTP p50 ${fmtMs(r.submit.http_ms.p50)}, p99 ${fmtMs(r.submit.http_ms.p99)})`, '', '']);
      if (r.drain_after_last_accept_ms !== null) rows.push(['burst', 'last accepted → all succeeded', fmtMs(r.drain_after_last_accept_ms), '', '']);
      if (r.step_queue_wait_ms?.n) rows.push(['burst', 'step queue wait p50/p99', `${fmtMs(r.step_queue_wait_ms.p50)} / ${fmtMs(r.step_queue_wait_ms.p99)}`, '', '']);
    }
    cpuRow('burst', r);
  }
  if (b.paced) {
    const r = b.paced;
    note('paced', r);
    if (r.run_latency_ms) {
      rows.push(['paced', `run latency p50/p95/p99 (${r.rate_per_s}/s × ${r.seconds} s)`, `${fmtMs(r.run_latency_ms.p50)} / ${fmtMs(r.run_latency_ms.p95)} / ${fmtMs(r.run_latency_ms.p99)}`, `${fmtX(ratios.paced_p50)} / ${fmtX(ratios.paced_p95)} / ${fmtX(ratios.paced_p99)}`, '']);
      rows.push(['paced', 'hop latency p50', fmtMs(r.hop_latency_ms.p50), fmtX(ratios.hop_p50), t('hop_p50', r.hop_latency_ms.p50, r.hop_latency_ms.p50 <= 3, '≤ 3 ms')]);
      rows.push(['paced', 'hop latency p99', fmtMs(r.hop_latency_ms.p99), fmtX(ratios.hop_p99), t('hop_p99', r.hop_latency_ms.p99, r.hop_latency_ms.p99 <= 20, '≤ 20 ms')]);
      rows.push(['paced', 'submission → first step p50/p99', `${fmtMs(r.first_step_start_ms.p50)} / ${fmtMs(r.first_step_start_ms.p99)}`, '', t('first_step_p50', r.first_step_start_ms.p50, r.first_step_start_ms.p50 <= 5, 'p50 ≤ 5 ms')]);
      rows.push(['paced', 'submit HTTP p50/p99', `${fmtMs(r.submit.http_ms.p50)} / ${fmtMs(r.submit.http_ms.p99)} (${r.achieved_submit_rate_per_s} runs/s sent)`, '', '']);
      const m = r.memory;
      rows.push(['paced', 'worker RSS start → end', `${fmtBytes(m.start.worker_rss_bytes)} → ${fmtBytes(m.end.worker_rss_bytes)} (${m.worker_rss_growth_bytes >= 0 ? '+' : ''}${fmtBytes(m.worker_rss_growth_bytes)})`, '', opts.soak ? 'flat?' : '']);
      if (r.memory_series?.length > 1) {
        const first = r.memory_series[0];
        const rssAll = r.memory_series.map((p) => p.worker_rss_bytes);
        rows.push(['paced', `worker RSS at ${first.t_s} s → end (min/max)`, `${fmtBytes(first.worker_rss_bytes)} → ${fmtBytes(m.end.worker_rss_bytes)} (${fmtBytes(Math.min(...rssAll))} / ${fmtBytes(Math.max(...rssAll))})`, '', 'flat?']);
        rows.push(['paced', `Redis used_memory at ${first.t_s} s → end`, `${fmtBytes(first.redis_used_memory_bytes)} → ${fmtBytes(m.end.redis_used_memory_bytes)}`, '', 'flat?']);
      }
      rows.push(['paced', 'Redis used_memory start → end', `${fmtBytes(m.start.redis_used_memory_bytes)} → ${fmtBytes(m.end.redis_used_memory_bytes)} (${m.redis_growth_bytes >= 0 ? '+' : ''}${fmtBytes(m.redis_growth_bytes)})`, '', opts.soak ? 'flat?' : '']);
    }
    cpuRow('paced', r);
  }
  if (b.fanout) {
    const r = b.fanout;
    note('fan-out', r);
    if (r.wall_ms !== undefined) {
      rows.push(['fan-out', `steps/s (${r.items} items + join)`, `${r.steps_per_s ?? 'n/a'} (run ${r.run_status} in ${round(r.wall_ms / 1000, 2)} s)`, '', t('fanout_steps', r.steps_per_s, r.steps_per_s >= 2000, '≥ 2000/s')]);
    }
    cpuRow('fan-out', r);
  }
  if (b.wide) {
    const r = b.wide;
    note('wide DAG', r);
    if (r.steps_per_s !== undefined) rows.push(['wide DAG', `steps/s (${r.runs} runs × ${r.steps_per_run} steps)`, `${r.steps_per_s} (${r.status?.succeeded ?? 0} runs in ${round(r.wall_ms / 1000, 2)} s)`, '', '']);
    cpuRow('wide DAG', r);
  }
  if (b.payload) {
    const r = b.payload;
    note('payload', r);
    if (r.wall_ms !== undefined) {
      const ok = r.run_status === 'succeeded';
      rows.push(['payload', `time to ${r.run_status ?? 'end'} (${round(r.size_bytes / 1e6, 1)} MB output × 3 steps)`, `${round(r.wall_ms / 1000, 2)} s (submit ${fmtMs(r.submit_ms)})`, '', '']);
      const g = r.redis_memory?.peak_growth_bytes;
      rows.push(['payload', 'Redis peak memory growth', `${fmtBytes(g)}${ok ? '' : ' (run did not succeed)'}`, '', ok ? t('payload_redis_growth', g, g !== null && g < r.size_bytes / 4, '< ¼ of payload (by reference)') : '']);
    }
    cpuRow('payload', r);
  }
  const noisy = cpuRows.length ? Object.entries({ ...res.raw, ...res.baton }).filter(([, r]) => r?.cpu?.groups?.other?.share_pct > 15).map(([k, r]) => `${k} ${Math.round(r.cpu.groups.other.share_pct)}%`) : [];
  return { rows, cpuRows, ratios, targets, noisy };
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
  log(`bench: ${JSON.stringify({ ...opts, only: opts.only.join(',') })}`);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  state.redis = redis;
  const cores = os.cpus().length;
  const machine = await machineInfo(redis);
  const git = gitInfo();
  const results = { raw: {}, baton: {} };

  // 1. the baseline, before Baton's processes exist, so nothing else shares the box
  const rawModes = [];
  if (selected('raw') || selected('burst')) rawModes.push('burst');
  if (selected('raw') || selected('paced')) rawModes.push('paced');
  for (const mode of rawModes) {
    try {
      results.raw[mode] = await runRaw(mode, redis, cores);
    } catch (err) {
      log(`raw ${mode} failed: ${err.message}`);
      results.raw[mode] = { error: err.message };
    }
    await sleep(500);
  }

  // 2. Baton
  const batonScenarios = ['burst', 'paced', 'fanout', 'wide', 'payload'].filter(selected);
  if (batonScenarios.length) {
    let baton;
    const prefix = `bench_${randomBytes(5).toString('hex')}`;
    try {
      const { createTestDatabase } = require(join(ROOT, 'packages/db/dist/index.js'));
      state.testDb = await createTestDatabase({ prefix: 'baton_bench' });
      log(`baton: database ${state.testDb.name}, queue prefix ${prefix}`);
      state.pool = new pg.Pool({ connectionString: state.testDb.url, max: 3 });
      state.prefixes.push(prefix);
      baton = await startBaton(state.testDb, prefix);
    } catch (err) {
      log(`baton setup failed: ${err.stack ?? err}`);
      results.baton.setup = { error: err.message };
    }
    if (baton) {
      const pool = state.pool;
      const dbName = state.testDb.name;
      const rp = await redisPid(redis);
      const pgPids = async () => {
        const { rows } = await pool.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type <> 'client backend'`, [dbName]);
        const pids = rows.map((r) => r.pid);
        const postmaster = parentPid(pids.find((p) => p !== undefined));
        return postmaster && postmaster > 1 ? [...new Set([postmaster, ...pids])] : pids;
      };
      const meter = new CpuMeter({
        api: () => [baton.api.pid],
        workers: () => baton.workers.map((w) => w.pid),
        redis: () => (rp ? [rp] : []),
        postgres: pgPids,
        bench: () => [],
      });
      const ctx = { pool, redis, baton, mark: () => undefined };
      const scenarios = { burst, paced, fanout, wide, payload };
      const minSeconds = { burst: 20, paced: (opts.soak ? opts.soakSeconds : opts.pacedSeconds) + 15, fanout: 15, wide: 15, payload: 15 };
      for (const name of batonScenarios) {
        if (remainingMs() < minSeconds[name] * 1000) {
          results.baton[name] = { skipped: `time budget: ${Math.round(remainingMs() / 1000)} s left of --budget ${opts.budget}` };
          log(`${name}: skipped (time budget)`);
          continue;
        }
        try {
          assertAlive(baton);
        } catch (err) {
          results.baton[name] = { skipped: `Baton is down: ${err.message.split('\n')[0]}` };
          continue;
        }
        log(`--- ${name}`);
        const before = await meter.snapshot();
        let after;
        ctx.mark = () => {
          after ??= meter.snapshot();
        };
        try {
          results.baton[name] = await scenarios[name](ctx);
        } catch (err) {
          log(`${name} failed: ${err.stack ?? err}`);
          results.baton[name] = { error: err.message };
        }
        results.baton[name].cpu = CpuMeter.diff(before, await (after ?? meter.snapshot()), cores);
        log(`${name}: cpu ${formatCpuSplit(results.baton[name].cpu)}`);
        await sleep(1000);
      }
    }
  }

  // 3. report
  const { rows, cpuRows, ratios, targets, noisy } = buildReport(results);
  const out = {
    date: new Date().toISOString(),
    git,
    machine,
    options: { workers: opts.workers, concurrency: opts.concurrency, only: opts.only, runs: opts.runs, rate: opts.rate, paced_seconds: opts.soak ? opts.soakSeconds : opts.pacedSeconds, raw_paced_seconds: opts.pacedSeconds, soak: opts.soak, items: opts.items, dag_runs: opts.dagRuns, dag_width: opts.dagWidth, payload_mb: opts.payloadMb, env: opts.env },
    raw: results.raw,
    baton: results.baton,
    ratios,
    targets,
    ...(noisy.length ? { noise_warning: `CPU used by processes outside the benchmark (share of all CPU used): ${noisy.join(', ')}` } : {}),
    bench_seconds: round((now() - benchStart) / 1000, 1),
  };
  process.stdout.write(`\nBaton benchmark — ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB; node ${machine.node}, Redis ${machine.redis}, Postgres ${machine.postgres}, BullMQ ${machine.bullmq}; ${opts.workers} worker(s) × concurrency ${opts.concurrency}; commit ${git.commit?.slice(0, 12) ?? '?'}${git.dirty ? ' (dirty)' : ''}\n\n`);
  process.stdout.write(`${table(['scenario', 'figure', 'value', 'ratio to raw', 'target'], rows)}\n\n`);
  if (cpuRows.length) {
    process.stdout.write('CPU seconds per process group over each scenario, and share of all CPU used (machine: busy share of all cores):\n');
    process.stdout.write(`${table(['scenario', 'wall', 'raw bullmq', 'api', 'workers', 'redis', 'postgres', 'bench', 'other', 'machine'], cpuRows)}\n\n`);
  }
  if (noisy.length) process.stdout.write(`WARNING: other processes on this machine used CPU during: ${noisy.join(', ')} (share of all CPU used). Those figures are pessimistic; re-run on a quiet machine.\n\n`);
  const line = JSON.stringify(out);
  if (opts.save || opts.out) {
    const file = opts.out ? resolve(opts.out) : join(ROOT, 'bench/results', `${out.date.slice(0, 10)}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    log(`saved ${file}`);
  }
  process.stdout.write(`BENCH_JSON ${line}\n`);
  const failed = Object.values(results.baton).some((r) => r?.error || r?.timed_out || r?.check) || Object.values(results.raw).some((r) => r?.error);
  return failed ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  log(`bench failed: ${err.stack ?? err}`);
} finally {
  await teardown();
}
process.exit(code);
