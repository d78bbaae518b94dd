import { sql } from 'kysely';
import { toJsonb } from './json';

/** A whole step row to insert or overwrite; JSON columns as values, times as ISO 8601 strings. */
export interface StepWrite {
  run_id: string;
  key: string;
  step_id: string;
  agent: string | null;
  status: string;
  attempt: number;
  parent_key: string | null;
  idx: number | null;
  hop: number | null;
  input: unknown;
  output: unknown;
  error: unknown;
  reason: string | null;
  items: unknown;
  handoff: unknown;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  deadline_at: string | null;
  next_child: number | null;
  children_succeeded: number | null;
  prior_attempts: number | null;
  held_until: string | null;
}

const COLUMNS = `run_id uuid, key text, step_id text, agent text, status text, attempt integer, parent_key text, idx integer,
  hop integer, input jsonb, output jsonb, error jsonb, reason text, items jsonb, handoff jsonb, queued_at timestamptz,
  started_at timestamptz, finished_at timestamptz, deadline_at timestamptz, next_child integer, children_succeeded integer,
  prior_attempts integer, held_until timestamptz`;

const COLUMN_NAMES = COLUMNS.split(',').map((c) => c.trim().split(/\s+/)[0]).join(', ');

/**
 * The upsert of many steps from one jsonb parameter; also a part of `writeTransitions`. A new
 * attempt starts with no requeues; the same attempt keeps the reconciler's count.
 */
export function stepsUpsertSql(rows: StepWrite[]) {
  return sql`
    INSERT INTO steps (${sql.raw(COLUMN_NAMES)})
    SELECT * FROM jsonb_to_recordset(${toJsonb(rows)}::jsonb) AS r(${sql.raw(COLUMNS)})
    ON CONFLICT (run_id, key) DO UPDATE SET
      agent = excluded.agent, status = excluded.status, attempt = excluded.attempt, input = excluded.input,
      output = excluded.output, error = excluded.error, reason = excluded.reason, items = excluded.items,
      handoff = excluded.handoff, queued_at = excluded.queued_at, started_at = excluded.started_at,
      finished_at = excluded.finished_at, deadline_at = excluded.deadline_at, next_child = excluded.next_child,
      children_succeeded = excluded.children_succeeded, prior_attempts = excluded.prior_attempts, held_until = excluded.held_until,
      requeues = CASE WHEN steps.attempt = excluded.attempt THEN steps.requeues ELSE 0 END`;
}
