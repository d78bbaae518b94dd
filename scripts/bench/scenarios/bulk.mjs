// Bulk admission: --bulk-runs 1-step echo runs posted to POST /v1/runs/batch, 1,000 a request,
// BULK_IN_FLIGHT requests at a time; admitted runs/s, then the time the workers take to drain them.
import { log } from '../env.mjs';
import { round, summarize } from '../stats.mjs';
import { dbSpan } from './latency-figures.mjs';
import { cancelUnfinished, waitRuns } from './wait-runs.mjs';

const BATCH = 1000;
const BULK_IN_FLIGHT = 4;

export async function bulk(ctx) {
  const name = 'bench-bulk';
  const workflow = { name, steps: [{ id: 'a', agent: 'echo', input: { n: '{{ $input.n }}' } }] };
  const n = ctx.opts.bulkRuns;
  const batches = Array.from({ length: Math.ceil(n / BATCH) }, (_, b) =>
    JSON.stringify({ runs: Array.from({ length: Math.min(BATCH, n - b * BATCH) }, (_, i) => ({ workflow, input: { n: b * BATCH + i } })) }));
  const latencies = [];
  const errors = {};
  let admitted = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(BULK_IN_FLIGHT, batches.length) }, async () => {
    while (next < batches.length) {
      const r = await ctx.baton.http.post('/v1/runs/batch', batches[next++], { timeoutMs: 60_000 });
      latencies.push(r.ms);
      if (r.status !== 202) {
        const key = `${r.status} ${r.body?.error?.code ?? ''}`.trim();
        errors[key] = (errors[key] ?? 0) + 1;
        continue;
      }
      for (const item of r.body.items) {
        if (item.id) admitted++;
        else errors[item.error?.code ?? 'no id'] = (errors[item.error?.code ?? 'no id'] ?? 0) + 1;
      }
    }
  }));
  const admitMs = performance.now() - t0;
  // The CPU figures are the admission's: the drain is the burst's figure.
  ctx.mark(performance.now());
  log(`bulk: ${admitted}/${n} admitted in ${Math.round(admitMs)} ms (${Math.round(admitted / (admitMs / 1000))} runs/s)`);
  const wait = await waitRuns({ ...ctx, workflowName: name, expected: () => admitted, timeoutMs: ctx.timeoutMs(120_000), label: 'bulk' });
  const r = {
    runs: n,
    batch: BATCH,
    in_flight: BULK_IN_FLIGHT,
    admitted,
    admit_ms: round(admitMs, 1),
    admitted_runs_per_s: round(admitted / (admitMs / 1000), 1),
    batch_http_ms: summarize(latencies),
    status: wait.counts,
    timed_out: wait.timedOut,
    // from the last answer until every admitted run succeeded: the workers' share
    drain_after_admit_ms: round(wait.doneAt - t0 - admitMs, 1),
    wall_ms: round(wait.doneAt - t0, 1),
    runs_per_s: round((wait.counts.succeeded ?? 0) / ((wait.doneAt - t0) / 1000), 1),
    db_span_ms: await dbSpan(ctx.pool, name),
    ...(Object.keys(errors).length ? { errors } : {}),
  };
  if (wait.counts.failed) {
    const { rows } = await ctx.pool.query(`SELECT error FROM runs WHERE workflow_name = $1 AND status = 'failed' LIMIT 1`, [name]);
    r.check = `${wait.counts.failed} runs failed, e.g. ${JSON.stringify(rows[0]?.error).slice(0, 200)}`;
  }
  if (admitted < n) r.check = `${n - admitted} of ${n} runs were not admitted: ${JSON.stringify(errors).slice(0, 200)}`;
  if (wait.timedOut) await cancelUnfinished(ctx.pool, ctx.baton.http, name);
  return r;
}
