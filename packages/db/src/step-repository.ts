import { sql, type Kysely } from 'kysely';
import type { Database, StepRow } from './schema';
import { toJsonb } from './json';

type Executor = Kysely<Database>;

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
}

export interface LiveStep {
  run_id: string;
  key: string;
  agent: string | null;
  status: string;
  attempt: number;
  queued_at: Date | null;
  deadline_at: Date | null;
  /** Times the reconciler re-enqueued this attempt already. */
  requeues: number;
}

const COLUMNS = `run_id uuid, key text, step_id text, agent text, status text, attempt integer, parent_key text, idx integer,
  hop integer, input jsonb, output jsonb, error jsonb, reason text, items jsonb, handoff jsonb, queued_at timestamptz,
  started_at timestamptz, finished_at timestamptz, deadline_at timestamptz, next_child integer, children_succeeded integer`;

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
      children_succeeded = excluded.children_succeeded,
      requeues = CASE WHEN steps.attempt = excluded.attempt THEN steps.requeues ELSE 0 END`;
}

export class KyselyStepRepository {
  async forRuns(db: Executor, runIds: string[]): Promise<StepRow[]> {
    return db.selectFrom('steps').selectAll().where('run_id', 'in', runIds).execute();
  }

  async forRun(db: Executor, runId: string): Promise<StepRow[]> {
    return db.selectFrom('steps').selectAll().where('run_id', '=', runId).execute();
  }


  /** Attempts Postgres calls queued or running since before `queuedBefore`: the reconciler's worklist. */
  async live(db: Executor, queuedBefore: Date, limit: number): Promise<LiveStep[]> {
    return db
      .selectFrom('steps')
      .select(['run_id', 'key', 'agent', 'status', 'attempt', 'queued_at', 'deadline_at', 'requeues'])
      .where('status', 'in', ['queued', 'running'])
      .where('queued_at', '<', queuedBefore)
      // forEach parents and steps waiting on their hand-off chain have no job of their own
      .where('agent', 'is not', null)
      .where('handoff', 'is', null)
      .orderBy('queued_at')
      .limit(limit)
      .execute();
  }

  /** Counts one more requeue of each attempt that is still live; returns how many were counted. */
  async countRequeues(db: Executor, attempts: Array<{ runId: string; key: string; attempt: number }>): Promise<number> {
    if (attempts.length === 0) return 0;
    const rows = attempts.map((a) => ({ run_id: a.runId, key: a.key, attempt: a.attempt }));
    const result = await sql`
      UPDATE steps SET requeues = steps.requeues + 1
      FROM jsonb_to_recordset(${toJsonb(rows)}::jsonb) AS t(run_id uuid, key text, attempt integer)
      WHERE steps.run_id = t.run_id AND steps.key = t.key AND steps.attempt = t.attempt AND steps.status IN ('queued', 'running')`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  }
}
