// Burst: --runs 3-step chains submitted as fast as the api accepts them; durable steps per second.
import { log } from '../env.mjs';
import { sampleLockWaits } from '../lock-waits.mjs';
import { round } from '../stats.mjs';
import { chainWorkflow } from '../workflows.mjs';
import { dbSpan, latencyFigures } from './latency-figures.mjs';
import { newSubmitStats, submitBurst, submitSummary } from './submit.mjs';
import { cancelUnfinished, waitRuns } from './wait-runs.mjs';

export async function burst(ctx, name = 'bench-burst') {
  const wf = chainWorkflow(name);
  const n = ctx.opts.runs;
  const stats = newSubmitStats();
  const locks = sampleLockWaits(ctx.baton.dbUrl, ctx.baton.dbName);
  const t0 = performance.now();
  let submitted = false;
  let submitMs;
  const sub = submitBurst(ctx.baton.http, n, (i) => ({ workflow: wf, input: { n: i } }), stats).then(() => {
    submitMs = performance.now() - t0;
    submitted = true;
    log(`burst: ${stats.ids.length}/${n} accepted in ${Math.round(submitMs)} ms`);
  });
  const wait = await waitRuns({ ...ctx, workflowName: name, expected: () => (submitted ? stats.ids.length : n), timeoutMs: ctx.timeoutMs(90_000), label: 'burst' });
  await sub;
  const end = performance.now();
  const wallMs = wait.doneAt - t0;
  const ok = wait.counts.succeeded ?? 0;
  ctx.mark(end);
  const lockWaits = await locks.stop();
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
    lock_waits: lockWaits,
  };
  if (wait.timedOut) await cancelUnfinished(ctx.pool, ctx.baton.http, name);
  else Object.assign(r, { step_queue_wait_ms: (await latencyFigures(ctx.pool, name)).step_queue_wait_ms });
  return r;
}
