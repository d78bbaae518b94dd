// One run submitted and followed to its end: the fan-out and payload scenarios.
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '../env.mjs';
import { assertAlive } from '../start-baton.mjs';
import { round } from '../stats.mjs';
import { ms } from './latency-figures.mjs';
import { newSubmitStats, submitOne, submitSummary } from './submit.mjs';
import { cancelUnfinished, FINAL, fmtCounts, POLL_MS } from './wait-runs.mjs';

export async function singleRun(ctx, { name, label, body, expectedSteps, timeoutMs, sampler }) {
  const t0 = performance.now();
  const stats = newSubmitStats();
  const id = await submitOne(ctx.baton.http, body, stats, 60_000);
  const submitMs = performance.now() - t0;
  if (!id) return { error: `submission failed: ${JSON.stringify(stats.errors)} ${JSON.stringify(stats.samples)}`.slice(0, 2000), submit: submitSummary(stats) };
  log(`${label}: run ${id} accepted in ${Math.round(submitMs)} ms`);
  let lastLog = performance.now();
  let status;
  let timedOut = false;
  for (;;) {
    assertAlive(ctx.baton);
    status = (await ctx.pool.query('SELECT status FROM runs WHERE id = $1', [id])).rows[0]?.status;
    if (FINAL.includes(status)) break;
    if (performance.now() - lastLog >= 1000) {
      lastLog = performance.now();
      const { rows } = await ctx.pool.query('SELECT status, count(*)::int AS n FROM steps WHERE run_id = $1 GROUP BY status', [id]);
      const c = Object.fromEntries(rows.map((x) => [x.status, x.n]));
      log(`${label}: ${c.succeeded ?? 0}/${expectedSteps} steps succeeded (${fmtCounts(c)})`);
    }
    if (performance.now() - t0 > timeoutMs) {
      timedOut = true;
      break;
    }
    await sleep(POLL_MS);
  }
  const doneAt = performance.now();
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
