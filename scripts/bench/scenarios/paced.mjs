// Paced: --rate chains per second, open loop, for --paced-seconds (180 s with --soak); latencies
// and memory growth, sampled every 10 s in a soak.
import { rssBytes } from '../cpu.mjs';
import { log } from '../env.mjs';
import { usedMemory } from '../machine-info.mjs';
import { assertAlive } from '../start-baton.mjs';
import { fmtBytes, round } from '../stats.mjs';
import { chainWorkflow } from '../workflows.mjs';
import { latencyFigures } from './latency-figures.mjs';
import { newSubmitStats, submitPaced, submitSummary } from './submit.mjs';
import { cancelUnfinished, waitRuns } from './wait-runs.mjs';

export async function paced(ctx) {
  const { opts } = ctx;
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
  const t0 = performance.now();
  const sent = await submitPaced(ctx.baton.http, opts.rate, seconds, (i) => ({ workflow: wf, input: { n: i } }), stats, (s, k) => {
    assertAlive(ctx.baton);
    return sample(s, k);
  });
  log(`paced: ${stats.ids.length}/${sent.sent} accepted over ${round(sent.sent_ms / 1000, 1)} s; waiting for the last runs`);
  const wait = await waitRuns({ ...ctx, workflowName: name, expected: () => stats.ids.length, timeoutMs: ctx.timeoutMs(30_000), label: 'paced' });
  ctx.mark(performance.now());
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
