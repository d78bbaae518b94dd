#!/usr/bin/env node
// Fair sharing, measured: two tenants flood one workflow whose concurrency pool (`total`) they
// share, tenant-a weighing 3 and tenant-b 1, and the split of the runs admitted while both had
// runs waiting is printed next to the 75 % / 25 % the weights ask for.
//
//   npm run build && node scripts/bench/fair-share.mjs [--runs N] [--total T] [--ms M]
//
// --runs N   runs each tenant submits, all at once (default 300)
// --total T  the pool's slots (default 4); --ms M each run's step time (default 20)
//
// It starts an api and one worker as processes (start-baton.mjs) on their own database and Redis
// prefix (removed at the end), and reads the admission order from Postgres (runs.started_at). Exit code 1 when the
// measured split is more than 10 % (relative) off the weights.
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { REDIS_URL } from './env.mjs';
import { startBaton } from './start-baton.mjs';
import { installCleanupHandlers, state, teardown } from './teardown.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '300' }, total: { type: 'string', default: '4' }, ms: { type: 'string', default: '20' } } });
const RUNS = Number(values.runs);
const WEIGHTS = { 'tenant-a': 3, 'tenant-b': 1 };
const expectedA = WEIGHTS['tenant-a'] / (WEIGHTS['tenant-a'] + WEIGHTS['tenant-b']);

installCleanupHandlers();
state.redis = new Redis(REDIS_URL);
const baton = await startBaton({ workers: 1, concurrency: 50, auth: 'key', env: { BATON_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'error' } });
const { pool, port, adminKey } = baton;

const call = async (key, method, path, body) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
};

try {
  const keys = {};
  for (const tenant of Object.keys(WEIGHTS)) keys[tenant] = (await call(adminKey, 'POST', '/v1/api-keys', { name: tenant, role: 'submitter', tenant })).key;
  const workflow = {
    name: 'fair',
    concurrency: { key: '{{ $input.customer }}', limit: 1000, total: Number(values.total), weights: { tenants: { 'tenant-a': WEIGHTS['tenant-a'] } } },
    steps: [{ id: 'work', agent: 'delay', input: { ms: Number(values.ms) } }],
  };
  const started = Date.now();
  // Both tenants flood at once, 8 requests in flight each.
  await Promise.all(Object.keys(WEIGHTS).map(async (tenant) => {
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < RUNS) {
        const i = next++;
        await call(keys[tenant], 'POST', '/v1/runs', { workflow, input: { customer: `${tenant}-customer`, i } });
      }
    }));
  }));
  for (;;) {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM runs WHERE finished_at IS NULL`);
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (Date.now() - started) / 1000;
  const { rows } = await pool.query(`SELECT tenant FROM runs ORDER BY started_at, id`);
  // The contention window: until the heavier tenant's last run was admitted, both had runs waiting.
  const lastA = rows.map((r) => r.tenant).lastIndexOf('tenant-a');
  const window = rows.slice(0, lastA + 1);
  const a = window.filter((r) => r.tenant === 'tenant-a').length;
  const b = window.length - a;
  const share = a / window.length;
  const off = Math.abs(share - expectedA) / expectedA;
  console.log(`fair share: ${RUNS} runs per tenant, pool total ${values.total}, step ${values.ms} ms, weights tenant-a 3 : tenant-b 1`);
  console.log(`  admitted while both waited: ${window.length} runs, tenant-a ${a} (${(share * 100).toFixed(1)} %), tenant-b ${b} (${((1 - share) * 100).toFixed(1)} %)`);
  console.log(`  expected tenant-a ${(expectedA * 100).toFixed(1)} %; off by ${(off * 100).toFixed(1)} % (relative); all ${rows.length} runs done in ${seconds.toFixed(1)} s`);
  process.exitCode = off <= 0.1 ? 0 : 1;
} finally {
  await teardown();
}
