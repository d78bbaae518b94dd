// Figures read back from the rows: runs.created_at/finished_at and steps.*_at, whole milliseconds.
import { round, summarize } from '../stats.mjs';

/** pg returns EXTRACT(…) as a numeric string. */
export const ms = (v) => (v === null || v === undefined ? NaN : Number(v));

export async function latencyFigures(pool, workflowName, { first = 'a', hops = [['a', 'b'], ['b', 'c']] } = {}) {
  const runs = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (finished_at - created_at)) * 1000 AS ms FROM runs WHERE workflow_name = $1 AND status = 'succeeded'`,
    [workflowName],
  );
  const hop = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (n.started_at - p.finished_at)) * 1000 AS ms
       FROM runs r
       JOIN steps p ON p.run_id = r.id
       JOIN steps n ON n.run_id = r.id AND (${hops.map((_, i) => `(p.key = $${2 + 2 * i} AND n.key = $${3 + 2 * i})`).join(' OR ')})
      WHERE r.workflow_name = $1 AND r.status = 'succeeded'`,
    [workflowName, ...hops.flat()],
  );
  const toFirst = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (s.started_at - r.created_at)) * 1000 AS ms
       FROM runs r JOIN steps s ON s.run_id = r.id AND s.key = $2
      WHERE r.workflow_name = $1 AND r.status = 'succeeded'`,
    [workflowName, first],
  );
  const queueWait = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (s.started_at - s.queued_at)) * 1000 AS ms
       FROM runs r JOIN steps s ON s.run_id = r.id
      WHERE r.workflow_name = $1 AND r.status = 'succeeded' AND s.queued_at IS NOT NULL AND s.started_at IS NOT NULL`,
    [workflowName],
  );
  return {
    run_latency_ms: summarize(runs.rows.map((r) => ms(r.ms))),
    hop_latency_ms: summarize(hop.rows.map((r) => ms(r.ms))),
    first_step_start_ms: summarize(toFirst.rows.map((r) => ms(r.ms))),
    step_queue_wait_ms: summarize(queueWait.rows.map((r) => ms(r.ms))),
  };
}

/** First creation to last finish of the succeeded runs, as Postgres saw it. */
export async function dbSpan(pool, workflowName) {
  const { rows } = await pool.query(
    `SELECT EXTRACT(EPOCH FROM (max(finished_at) - min(created_at))) * 1000 AS ms FROM runs WHERE workflow_name = $1 AND status = 'succeeded'`,
    [workflowName],
  );
  return round(ms(rows[0]?.ms), 1);
}
