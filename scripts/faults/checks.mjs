// The invariants every scenario ends with, and the figures they report.
import { setTimeout as sleep } from 'node:timers/promises';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Polls Postgres (through outages) until every run is final; answers id → { status, error }. */
export async function finalStates(pool, ids, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const states = new Map();
  for (;;) {
    const open = ids.filter((id) => !FINAL.has(states.get(id)?.status));
    if (open.length === 0) return states;
    try {
      for (let i = 0; i < open.length; i += 1000) {
        const { rows } = await pool.query('SELECT id, status, error FROM runs WHERE id = ANY($1::uuid[])', [open.slice(i, i + 1000)]);
        for (const r of rows) states.set(r.id, { status: r.status, error: r.error });
      }
    } catch {
      // Postgres is restarting: ask again
    }
    if (Date.now() > deadline) {
      const left = ids.filter((id) => !FINAL.has(states.get(id)?.status));
      throw new Error(`${left.length} accepted run(s) not final within ${timeoutMs} ms, e.g. ${left.slice(0, 3).map((id) => `${id} (${states.get(id)?.status ?? 'missing'})`).join(', ')}`);
    }
    await sleep(250);
  }
}

/**
 * The scenario's invariants over its runs. `replays`: which repeated deliveries of an effect are
 * allowed — `none`; `struck` (only from, or after a delivery from, a process the scenario killed or
 * stopped: an agent killed or paused mid-effect); `any` (Redis or Postgres lost track of running steps).
 * Answers { failures: string[], figures: {…} }.
 */
export async function checkScenario(ctx, runs, { expect = 'succeeded', replays = 'none', timeoutMs = 120_000 } = {}) {
  const { pool, ledger, client, fleet, struck } = ctx;
  const failures = [];
  const ids = runs.map((r) => r.id);
  let states = new Map();
  try {
    states = await finalStates(pool, ids, timeoutMs);
  } catch (err) {
    failures.push(err.message);
  }
  const statuses = {};
  for (const id of ids) statuses[states.get(id)?.status ?? 'not final'] = (statuses[states.get(id)?.status ?? 'not final'] ?? 0) + 1;
  const wrong = ids.filter((id) => states.has(id) && states.get(id).status !== expect);
  if (wrong.length) failures.push(`${wrong.length} run(s) ended otherwise than ${expect}, e.g. ${wrong[0]}: ${states.get(wrong[0]).status} ${JSON.stringify(states.get(wrong[0]).error ?? '')}`);
  // One run per idempotency key: every answer for a key named the same run, and the table holds one row per key.
  const byKey = new Map();
  for (const r of runs) byKey.set(r.key, (byKey.get(r.key) ?? new Set()).add(r.id));
  const split = [...byKey].filter(([, s]) => s.size > 1);
  if (split.length) failures.push(`${split.length} idempotency key(s) answered with more than one run`);
  const { rows } = await pool.query('SELECT key, count(*)::int AS n FROM idempotency_keys WHERE key = ANY($1::text[]) GROUP BY key', [[...byKey.keys()]]).catch(() => ({ rows: [] }));
  if (rows.some((r) => r.n !== 1)) failures.push('an idempotency key holds more than one run');
  // Effects: each succeeded run's once; repeated deliveries counted, and allowed only as `replays` says.
  let effects = 0;
  let replayed = 0;
  const unexplained = [];
  let stalled = 0;
  for (const id of ids) {
    const arrivals = ledger.arrivals(`${id}:effect`);
    if (states.get(id)?.status === 'succeeded' && arrivals.length === 0) failures.push(`run ${id} succeeded with no effect recorded`);
    if (arrivals.length > 0) effects++;
    for (let i = 1; i < arrivals.length; i++) {
      replayed++;
      // A struck process's delivery, or the one after it: a stopped one's late execution is both.
      if (replays === 'any' || (replays === 'struck' && (struck.has(arrivals[i - 1].pid) || struck.has(arrivals[i].pid)))) continue;
      // A live worker that failed to renew the lock (starved past WORKER_LOCK_MS): the documented false positive, counted apart.
      if ([...fleet.lockLost].some((job) => job.startsWith(`${id}__effect__`))) stalled++;
      else unexplained.push(`run ${id}: delivery ${i + 1} from pid ${arrivals[i].pid} after one from ${arrivals[i - 1].pid ?? 'an unknown process'}`);
    }
  }
  if (unexplained.length) failures.push(`${unexplained.length} effect(s) delivered again while the worker that ran it was alive and the stores intact (struck: ${[...struck].join(', ') || 'none'}), e.g. ${unexplained[0]}`);
  const t = client.tally;
  if (t.s5xx.length) failures.push(`${t.s5xx.length} 5xx answer(s) to valid requests: ${t.s5xx[0]}`);
  if (t.s503Outside) failures.push(`${t.s503Outside} 503 answer(s) outside an outage`);
  if (fleet.crashed.length) failures.push(`process(es) died unasked:\n${fleet.crashed.splice(0).join('\n')}`);
  try {
    await fleet.heal();
  } catch (err) {
    failures.push(err.message);
  }
  return {
    failures,
    figures: { runs: ids.length, ...statuses, effects, replays: replayed, stallReplays: stalled, '503s': t.s503, retries: t.retries, netErrors: t.networkErrors },
  };
}
