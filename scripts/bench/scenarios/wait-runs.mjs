// Waiting for a scenario's runs to finish, by polling Postgres, and cancelling the stragglers.
import { setTimeout as sleep } from 'node:timers/promises';
import { IN_FLIGHT, log } from '../env.mjs';
import { assertAlive } from '../start-baton.mjs';

export const FINAL = ['succeeded', 'failed', 'cancelled'];
export const POLL_MS = 50;

export const fmtCounts = (c) => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet';

async function statusCounts(pool, workflowName) {
  const { rows } = await pool.query('SELECT status, count(*)::int AS n FROM runs WHERE workflow_name = $1 GROUP BY status', [workflowName]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/**
 * Polls the runs of `workflowName` every 50 ms until `expected()` of them are final, or the
 * timeout. Resolves with { counts, timedOut, doneAt } (doneAt: when the last run was seen final).
 */
export async function waitRuns({ pool, baton, workflowName, expected, timeoutMs, label }) {
  const t0 = performance.now();
  let lastLog = t0;
  let counts = {};
  for (;;) {
    assertAlive(baton);
    counts = await statusCounts(pool, workflowName);
    const t = performance.now();
    const final = FINAL.reduce((s, k) => s + (counts[k] ?? 0), 0);
    const want = expected();
    if (want !== undefined && final >= want) return { counts, timedOut: false, doneAt: t };
    if (t - lastLog >= 1000) {
      lastLog = t;
      log(`${label}: ${counts.succeeded ?? 0}/${want ?? '?'} succeeded (${fmtCounts(counts)})`);
    }
    if (t - t0 > timeoutMs) {
      log(`${label}: TIMED OUT after ${Math.round((t - t0) / 1000)} s: ${fmtCounts(counts)}`);
      return { counts, timedOut: true, doneAt: t };
    }
    await sleep(POLL_MS);
  }
}

/** After a timeout: cancel what still runs so it does not weigh on the next scenario (best effort, ≤ 10 s). */
export async function cancelUnfinished(pool, http, workflowName) {
  const { rows } = await pool.query(`SELECT id FROM runs WHERE workflow_name = $1 AND status NOT IN ('succeeded', 'failed', 'cancelled')`, [workflowName]);
  if (rows.length === 0) return 0;
  const stop = performance.now() + 10_000;
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, rows.length) }, async () => {
      while (next < rows.length && performance.now() < stop) {
        const r = await http.post(`/v1/runs/${rows[next++].id}/cancel`, {}, { timeoutMs: 5000 }).catch(() => undefined);
        if (r?.status === 202) ok++;
      }
    }),
  );
  log(`  cancelled ${ok}/${rows.length} unfinished runs of ${workflowName}`);
  return ok;
}
