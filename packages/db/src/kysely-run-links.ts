import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

/** A sub-workflow's child run and the parent step attempt that started it. */
export interface RunLink {
  childRunId: string;
  parentRunId: string;
  parentStepKey: string;
  parentAttempt: number;
  /** 1 for a child of a top-level run. */
  depth: number;
}

/** A sub-workflow step attempt that is queued or running, with its child run if it has one. */
export interface LiveChildStep {
  runId: string;
  tenant: string;
  key: string;
  attempt: number;
  /** `queued` until its child run is admitted, then `running`. */
  status: string;
  queuedAt: Date;
  /** When the attempt times out (its `timeoutMs`), once it runs. */
  deadlineAt?: Date;
  child?: { id: string; status: string };
}

const LIVE = ['queued', 'running'];

/** Inserts links (a link already there is kept: one child per attempt). */
export async function insertRunLinks(db: Kysely<Database>, links: readonly RunLink[]): Promise<void> {
  if (links.length === 0) return;
  await db.insertInto('run_links').values(links.map((l) => ({
    child_run_id: l.childRunId, parent_run_id: l.parentRunId, parent_step_key: l.parentStepKey, parent_attempt: l.parentAttempt, depth: l.depth,
  }))).onConflict((oc) => oc.doNothing()).execute();
}

const toLink = (r: { child_run_id: string; parent_run_id: string; parent_step_key: string; parent_attempt: number; depth: number }): RunLink => ({
  childRunId: r.child_run_id, parentRunId: r.parent_run_id, parentStepKey: r.parent_step_key, parentAttempt: r.parent_attempt, depth: r.depth,
});

/**
 * The links between parent and child runs on Postgres: the runtime's `RunLinks` port (matched
 * structurally). Reads only; links are written with the child run, in its admission's transaction.
 */
export class KyselyRunLinks {
  constructor(private readonly db: Kysely<Database>) {}

  /** The links of these runs to their parents (a top-level run has none). */
  async parents(childRunIds: readonly string[]): Promise<RunLink[]> {
    if (childRunIds.length === 0) return [];
    return (await this.db.selectFrom('run_links').selectAll().where('child_run_id', 'in', childRunIds).execute()).map(toLink);
  }

  /** The children of a run (of one step of it, when `key` is given), every attempt's, with their status. */
  async children(parentRunId: string, key?: string): Promise<Array<RunLink & { status: string }>> {
    let query = this.db.selectFrom('run_links').innerJoin('runs', 'runs.id', 'run_links.child_run_id')
      .select(['child_run_id', 'parent_run_id', 'parent_step_key', 'parent_attempt', 'depth', 'runs.status'])
      .where('parent_run_id', '=', parentRunId);
    if (key !== undefined) query = query.where('parent_step_key', '=', key);
    return (await query.orderBy('parent_attempt').execute()).map((r) => ({ ...toLink(r), status: r.status }));
  }

  /** Sub-workflow step attempts live since before `queuedBefore`, oldest first: the reconciler's worklist. */
  async liveChildSteps(queuedBefore: Date, limit: number): Promise<LiveChildStep[]> {
    const rows = await this.db.selectFrom('steps')
      .innerJoin('runs as p', 'p.id', 'steps.run_id')
      .leftJoin('run_links as l', (j) => j.onRef('l.parent_run_id', '=', 'steps.run_id').onRef('l.parent_step_key', '=', 'steps.key').onRef('l.parent_attempt', '=', 'steps.attempt'))
      .leftJoin('runs as c', 'c.id', 'l.child_run_id')
      .select(['steps.run_id', 'p.tenant', 'steps.key', 'steps.attempt', 'steps.status', 'steps.queued_at', 'steps.deadline_at', 'l.child_run_id', 'c.status as child_status'])
      .where('steps.status', 'in', LIVE)
      .where('steps.queued_at', '<', queuedBefore)
      // a sub-workflow entry: no agent, and neither a forEach parent nor a chain's root
      .where('steps.agent', 'is', null).where('steps.items', 'is', null).where('steps.handoff', 'is', null)
      // held by its paused run: the child starts when the run resumes
      .where('steps.held_until', 'is', null)
      .orderBy('steps.queued_at').limit(limit).execute();
    return rows.map((r) => ({
      runId: r.run_id, tenant: r.tenant, key: r.key, attempt: r.attempt, status: r.status, queuedAt: r.queued_at!,
      ...(r.deadline_at ? { deadlineAt: r.deadline_at } : {}),
      ...(r.child_run_id ? { child: { id: r.child_run_id, status: r.child_status! } } : {}),
    }));
  }

  /**
   * Children still queued or running (created before `createdBefore`) whose parent step attempt is
   * no longer live: the parent was cancelled or finished, or the step moved on to another attempt.
   */
  async orphans(createdBefore: Date, limit: number): Promise<Array<{ id: string; tenant: string }>> {
    const rows = await sql<{ id: string; tenant: string }>`
      SELECT c.id, c.tenant FROM run_links l
      JOIN runs c ON c.id = l.child_run_id
      LEFT JOIN steps s ON s.run_id = l.parent_run_id AND s.key = l.parent_step_key
      WHERE c.status IN ('queued', 'running') AND c.created_at < ${createdBefore}
        AND (s.run_id IS NULL OR s.attempt <> l.parent_attempt OR s.status NOT IN ('queued', 'running'))
      ORDER BY c.created_at LIMIT ${limit}`.execute(this.db);
    return rows.rows;
  }
}
