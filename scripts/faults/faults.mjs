#!/usr/bin/env node
// The fault suite: a real fleet on this machine — 2 api and 3 worker processes (the built dist)
// against a Redis and a Postgres of the suite's own (apps/dev's ephemeral servers, so it can
// restart and flush them) — struck by one fault per scenario (scenarios.mjs), each ending with the
// same invariants (checks.mjs): every accepted run final, each effect recorded once per successful
// step with repeats counted and allowed only where the fault explains them, one run per
// idempotency key, no 5xx but 503 during an outage, every process healthy or restarted.
//
//   npm run test:faults                 (builds first)
//   node scripts/faults/faults.mjs      (after `npm run build`)
//
// Environment:
//   FAULTS_SEED=n             the seed of the random choices (printed; replay a run with it)
//   FAULTS_SOAK_SECONDS=s     the soak's duration (default 180); FAULTS_SOAK_RATE=r runs/s (default 20)
//   FAULTS_ONLY=a,b           only the scenarios whose name contains one of these
//   FAULTS_ENV=K=V,K=V        extra environment for the apis and workers (WORKER_LOCK_MS=30000, say)
//
// Prints one line per scenario with its figures, then `N passed, N failed`; exit code 1 on a failure.
import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@baton/db/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Client } from './client.mjs';
import { Fleet } from './fleet.mjs';
import { Ledger } from './ledger.mjs';
import { scenarios } from './scenarios.mjs';

const ROOT = join(import.meta.dirname, '../..');
const { startPostgres, startRedis } = await import(join(ROOT, 'apps/dev/dist/testing/ephemeral-services.js'));

const seed = Number(process.env.FAULTS_SEED ?? randomInt(1, 2 ** 31));
const soakSeconds = Number(process.env.FAULTS_SOAK_SECONDS ?? 180);
const soakRate = Number(process.env.FAULTS_SOAK_RATE ?? 20);
const only = process.env.FAULTS_ONLY?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
const print = (line) => process.stdout.write(`${line}\n`);

/** mulberry32: a small seeded generator, so a seed replays the same choices. */
function seeded(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cleanup = [];
async function teardown() {
  for (const step of cleanup.splice(0).reverse()) await Promise.resolve().then(step).catch(() => undefined);
}
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void teardown().finally(() => process.exit(130)));

async function main() {
  print(`fault suite: FAULTS_SEED=${seed}, soak ${soakSeconds} s at ${soakRate} runs/s`);
  const redis = await startRedis();
  cleanup.push(() => redis.stop());
  const postgres = await startPostgres();
  cleanup.push(() => postgres.destroy());
  // Migrated before the five processes start (each would migrate a fresh database at once).
  const database = await createTestDatabase({ server: postgres.url, prefix: 'baton_faults' });
  const ledger = await new Ledger().start();
  cleanup.push(() => ledger.close());
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(BATON_|WORKER_|OTEL_|METRICS_)/.test(k))),
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    BATON_QUEUE_PREFIX: 'faults',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    METRICS_PORT: '0',
    BATON_RATE_LIMIT_PER_MINUTE: '0',
    BATON_HTTP_ALLOW: '127.0.0.1',
    BATON_AGENT_CONFIG: JSON.stringify({ http: { timeoutMs: 600_000 } }),
    // 20 jobs at once per worker (60 in the fleet), not 100: on 2 cores shared with five node
    // processes, Redis and Postgres, a worker holding 100 at once falls seconds behind its own work and
    // its 5 s locks lapse (the 1,000 burst re-ran hundreds of live workers' steps); see README, Reliability.
    WORKER_CONCURRENCY: '20',
    ...Object.fromEntries((process.env.FAULTS_ENV ?? '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  };
  const logDir = mkdtempSync(join(tmpdir(), 'baton-faults-'));
  print(`process logs: ${logDir}`);
  const fleet = new Fleet(env, logDir);
  fleet.beforeStrike = () => ledger.rememberSenders();
  cleanup.push(() => fleet.stop());
  const t0 = Date.now();
  await fleet.start();
  print(`fleet: 2 apis and 3 workers ready in ${Date.now() - t0} ms`);
  const pool = new pg.Pool({ connectionString: database.url, max: 3 });
  pool.on('error', () => undefined);
  cleanup.push(() => pool.end());
  const redisClient = new Redis(redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
  redisClient.on('error', () => undefined);
  cleanup.push(() => redisClient.disconnect());
  const ctx = {
    fleet, ledger, pool, redis, redisClient, postgres, print, soakSeconds, soakRate,
    client: new Client(fleet),
    random: seeded(seed),
    struck: new Set(),
    recovery: [],
    async resources() {
      const info = await redisClient.info();
      const field = (name) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
      const { rows: [rows] } = await pool.query(`SELECT (SELECT count(*) FROM runs)::int AS runs, (SELECT count(*) FROM steps)::int AS steps,
        (SELECT count(*) FROM run_events)::int AS events, (SELECT count(*) FROM pg_stat_activity WHERE datname IS NOT NULL)::int AS connections`).catch(() => ({ rows: [{}] }));
      const perRun = rows.runs ? ((rows.runs + rows.steps + rows.events) / rows.runs).toFixed(1) : '-';
      return { redisMemory: field('used_memory_human'), redisClients: Number(field('connected_clients')), pgRowsPerRun: perRun, pgConnections: rows.connections, workerRssMb: fleet.workerRss() };
    },
  };
  let passed = 0;
  let failed = 0;
  for (const scenario of scenarios) {
    if (only && !only.some((o) => scenario.name.toLowerCase().includes(o))) continue;
    ctx.client.reset();
    fleet.takeCounts();
    const started = Date.now();
    let outcome;
    try {
      outcome = await scenario.run(ctx);
    } catch (err) {
      outcome = { failures: [err.stack ?? String(err)], figures: {} };
      await fleet.heal().catch((e) => outcome.failures.push(e.message));
    }
    const ok = outcome.failures.length === 0;
    if (ok) passed++;
    else failed++;
    const figures = Object.entries(outcome.figures).map(([k, v]) => `${k}=${v}`).join(' ');
    print(`${ok ? 'PASS' : 'FAIL'} ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${figures}`);
    const warnings = Object.entries(fleet.takeCounts()).map(([m, n]) => `${n}× ${m}`).join('; ');
    if (warnings) print(`     warnings: ${warnings}`);
    for (const f of outcome.failures) print(`     ${f.replace(/\n/g, '\n     ')}`);
  }
  if (ctx.recovery.length) print(`recovery after SIGKILL: a killed worker's steps ran again after ${Math.min(...ctx.recovery)}–${Math.max(...ctx.recovery)} ms (${ctx.recovery.length} steps)`);
  print(`restarts: ${fleet.restarts}; FAULTS_SEED=${seed}`);
  print(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

const ok = await main().catch((err) => {
  print(`fault suite aborted: ${err.stack ?? err}`);
  return false;
});
await teardown();
process.exit(ok ? 0 : 1);
