// Payload: one 3-step run carrying a --payload-mb blob; Redis memory is sampled throughout to show
// the blob travels by reference, not through the queue.
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { log, REDIS_URL } from '../env.mjs';
import { usedMemory } from '../machine-info.mjs';
import { payloadWorkflow } from '../workflows.mjs';
import { singleRun } from './single-run.mjs';

/** INFO memory every 20 ms on its own connection; peak and start. */
function redisSampler(url) {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  let stopped = false;
  let start;
  let peak = 0;
  let samples = 0;
  const loop = (async () => {
    while (!stopped) {
      const t = performance.now();
      const m = await usedMemory(redis).catch(() => undefined);
      if (m !== undefined) {
        start ??= m;
        peak = Math.max(peak, m);
        samples++;
      }
      await sleep(Math.max(0, 20 - (performance.now() - t)));
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

export async function payload(ctx) {
  const { opts } = ctx;
  const name = 'bench-payload';
  const size = Math.round(opts.payloadMb * 1_000_000);
  const run = async (generated) => {
    const sampler = redisSampler(REDIS_URL);
    await sampler.ready();
    const body = { workflow: payloadWorkflow(name, { generated, size }), input: generated ? {} : { blob: 'x'.repeat(size) } };
    const r = await singleRun(ctx, { name, label: 'payload', body, expectedSteps: 3, timeoutMs: ctx.timeoutMs(60_000), sampler });
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
