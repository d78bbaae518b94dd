// Submitting runs over HTTP and summarising how the api answered.
import { setTimeout as sleep } from 'node:timers/promises';
import { IN_FLIGHT } from '../env.mjs';
import { round, summarize } from '../stats.mjs';

export const newSubmitStats = () => ({ latencies: [], errors: {}, retries: {}, samples: [], ids: [] });

/** One POST /v1/runs, retrying 429 (after Retry-After) and 503 a few times. */
export async function submitOne(http, body, stats, timeoutMs = 30_000) {
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

/** `count` submissions, IN_FLIGHT at a time, as fast as the api answers. */
export async function submitBurst(http, count, bodyOf, stats) {
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
export async function submitPaced(http, rate, seconds, bodyOf, stats, onSecond) {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const t0 = performance.now();
  const pending = [];
  let lastSecond = 0;
  for (let i = 0; i < total; i++) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 0.5) await sleep(wait);
    pending.push(submitOne(http, bodyOf(i), stats).then((id) => id && stats.ids.push(id)));
    const s = Math.floor((performance.now() - t0) / 1000);
    if (s > lastSecond) {
      lastSecond = s;
      await onSecond?.(s, i + 1);
    }
  }
  const sentMs = performance.now() - t0;
  await Promise.all(pending);
  return { sent: total, sent_ms: sentMs };
}

export function submitSummary(stats, wallMs) {
  return {
    accepted: stats.ids.length,
    ...(wallMs ? { submit_rate_per_s: round(stats.ids.length / (wallMs / 1000), 1) } : {}),
    http_ms: summarize(stats.latencies),
    ...(Object.keys(stats.errors).length ? { errors: stats.errors, error_samples: stats.samples } : {}),
    ...(Object.keys(stats.retries).length ? { retries: stats.retries } : {}),
  };
}
