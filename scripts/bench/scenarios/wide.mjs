// Wide DAG: --dag-runs diamonds of --dag-width parallel middle steps, submitted in a burst.
import { round } from '../stats.mjs';
import { diamondWorkflow } from '../workflows.mjs';
import { dbSpan } from './latency-figures.mjs';
import { newSubmitStats, submitBurst, submitSummary } from './submit.mjs';
import { cancelUnfinished, waitRuns } from './wait-runs.mjs';

export async function wide(ctx) {
  const { opts } = ctx;
  const name = 'bench-wide';
  const wf = diamondWorkflow(name, opts.dagWidth);
  const perRun = opts.dagWidth + 2;
  const stats = newSubmitStats();
  const t0 = performance.now();
  let submitted = false;
  let submitMs;
  const sub = submitBurst(ctx.baton.http, opts.dagRuns, (i) => ({ workflow: wf, input: { n: i } }), stats).then(() => {
    submitMs = performance.now() - t0;
    submitted = true;
  });
  const wait = await waitRuns({ ...ctx, workflowName: name, expected: () => (submitted ? stats.ids.length : opts.dagRuns), timeoutMs: ctx.timeoutMs(60_000), label: 'wide' });
  await sub;
  ctx.mark(performance.now());
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
