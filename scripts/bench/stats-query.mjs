// GET /v1/stats at scale: loads 1,000,000 step rows (333,334 runs of 3 steps, finished over the
// last 24 hours, 1% still running, two tenants 80/20) into a scratch database and times the two
// stats queries (`KyselyStatsQueries`) for several windows. `npm run build` first.
// Usage: node scripts/bench/stats-query.mjs [--steps 1000000]
import { performance } from 'node:perf_hooks';
import { createDb, KyselyStatsQueries } from '@baton/db';
import { createTestDatabase } from '@baton/db/testing';

const stepsArg = process.argv.indexOf('--steps');
const STEPS = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 1_000_000;
const RUNS = Math.ceil(STEPS / 3);
const HOUR = 3_600_000;

const database = await createTestDatabase({ prefix: 'baton_bench_stats' });
const db = createDb({ url: database.url, poolSize: 2 });
try {
  const loadStart = performance.now();
  // Rows go in in time order, as Baton writes them, so a window's rows sit together in the table as
  // they would in production; no VACUUM, so index-only scans still visit the heap (as for rows
  // written since autovacuum last ran).
  // Runs: created over the last 24 h; each finishes 0-60 s after creation; 1% never finish.
  await db.pool.query(`
    INSERT INTO runs (id, tenant, status, workflow_name, template, template_version, definition, definition_hash, input, context, priority, created_at, started_at, finished_at)
    SELECT gen_random_uuid(), CASE WHEN i % 5 = 0 THEN 'other' ELSE 'default' END,
      CASE WHEN i % 100 = 0 THEN 'running' WHEN i % 17 = 0 THEN 'failed' ELSE 'succeeded' END,
      'wf-' || (i % 7), CASE WHEN i % 2 = 0 THEN 'tpl-' || (i % 11) END, CASE WHEN i % 2 = 0 THEN 1 END,
      '{}', 'h', '{}', '{}', 5, c, c + interval '5 ms', CASE WHEN i % 100 = 0 THEN NULL ELSE c + (random() * 60) * interval '1 second' END
    FROM (SELECT i, now() - random() * interval '24 hours' AS c FROM generate_series(1, $1::int) AS i) AS t ORDER BY c`, [RUNS]);
  // Three steps per run, one after the other; each waits 0-50 ms in the queue and runs 0-2 s.
  await db.pool.query(`
    INSERT INTO steps (run_id, key, step_id, agent, status, attempt, queued_at, started_at, finished_at)
    SELECT r.id, 's' || k, 's' || k, (ARRAY['echo', 'delay', 'transform', 'fail', 'handoff'])[1 + (abs(hashtext(r.id::text)) + k) % 5],
      CASE WHEN random() < 0.05 THEN 'failed' ELSE 'succeeded' END, 1, q, q + w, q + w + d
    FROM runs r, generate_series(0, 2) AS k,
      LATERAL (SELECT r.started_at + k * interval '2 seconds' AS q, random() * interval '50 ms' AS w, random() * interval '2 seconds' AS d) AS t
    ORDER BY q LIMIT $1`, [STEPS]);
  await db.pool.query('ANALYZE runs; ANALYZE steps');
  const { rows: [{ n }] } = await db.pool.query('SELECT count(*)::int AS n FROM steps');
  console.log(`loaded ${n.toLocaleString()} steps, ${RUNS.toLocaleString()} runs in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);

  const stats = new KyselyStatsQueries(db.kysely);
  for (const [label, ms] of [['15m', HOUR / 4], ['1h', HOUR], ['24h', 24 * HOUR], ['7d', 7 * 24 * HOUR]]) {
    const times = [];
    let rows = 0;
    for (let i = 0; i < 7; i++) {
      const until = new Date();
      const since = new Date(until.getTime() - ms);
      const start = performance.now();
      const [agents] = await Promise.all([stats.agents('default', since, until), stats.templates('default', since, until)]);
      times.push(performance.now() - start);
      rows = agents.reduce((a, r) => a + r.count, 0);
    }
    times.sort((a, b) => a - b);
    console.log(`window ${label.padEnd(4)} ${rows.toLocaleString().padStart(9)} step attempts aggregated: median ${times[3].toFixed(1)} ms, best ${times[0].toFixed(1)} ms, worst ${times[6].toFixed(1)} ms`);
  }
} finally {
  await db.destroy();
  await database.drop();
}
