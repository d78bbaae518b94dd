import { sql, type Kysely } from 'kysely';
import { toJsonb } from './json';
import { RUN_HEAD_COLUMNS, type RunHead } from './run-head';
import { releaseSlots, takeSlots, type SlotClaim } from './concurrency-slots';
import { insertRunLinks, type RunLink } from './kysely-run-links';
import { claimIdempotencyKeys, insertRuns, type IdempotencyClaim, type IdempotencyHolder, type NewRuns } from './run-intake-writer';
import type { Database, StepRow } from './schema';
import { writeTransitions, type Transitions } from './transition-writer';

/** A step Postgres calls queued or running: the reconciler's worklist. */
/** A waiting attempt of a `wait` step whose timeout has passed. */
export type ExpiredWait = Pick<StepRow, 'run_id' | 'key' | 'attempt'>;

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

/** A value stored once, already serialised as JSON text so it is not stringified twice. */
export interface PayloadWrite {
  id: string;
  runId: string;
  json: string;
}

/**
 * The runtime's `RunStore` port on Postgres through kysely: the write side of runs (lock, load,
 * write transitions, admit, requeue counts) and their stored values. The runtime declares the port;
 * this class matches it structurally, so `@baton/db` knows nothing of the runtime.
 *
 * Built on a pool it runs each call on its own; `transaction` hands `work` a store bound to one
 * transaction (which must not start another).
 */
export class KyselyRunStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `work` in one transaction: everything it does through its store commits, or nothing does. */
  transaction<T>(work: (tx: KyselyRunStore) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((tx) => work(new KyselyRunStore(tx)));
  }

  /** Locks the runs in id order (so concurrent batches cannot deadlock) and returns their heads; unknown ids are absent. */
  lock(runIds: readonly string[]): Promise<RunHead[]> {
    if (runIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('runs').select(RUN_HEAD_COLUMNS).where('id', 'in', runIds).orderBy('id').forUpdate().execute();
  }

  heads(runIds: readonly string[]): Promise<RunHead[]> {
    if (runIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('runs').select(RUN_HEAD_COLUMNS).where('id', 'in', runIds).execute();
  }

  /** The stored definitions of these runs, by run id. */
  async definitions(runIds: readonly string[]): Promise<Map<string, unknown>> {
    if (runIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('runs').select(['id', 'definition']).where('id', 'in', runIds).execute();
    return new Map(rows.map((r) => [r.id, r.definition]));
  }

  /** Every entry of these runs. */
  steps(runIds: readonly string[]): Promise<StepRow[]> {
    if (runIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('steps').selectAll().where('run_id', 'in', runIds).execute();
  }

  /** Stored values by id; an unknown id is absent. */
  async payloads(ids: readonly string[]): Promise<Map<string, unknown>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('payloads').select(['id', 'data']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.data]));
  }

  /** Stores values (their runs must exist). */
  async putPayloads(payloads: readonly PayloadWrite[], now: Date): Promise<void> {
    for (const p of payloads) {
      await sql`INSERT INTO payloads (id, run_id, data, bytes, created_at)
        VALUES (${p.id}, ${p.runId}, ${p.json}::jsonb, ${Buffer.byteLength(p.json)}, ${now})`.execute(this.db);
    }
  }

  /** Writes the steps, runs and events of a batch of transitions in one statement. */
  writeTransitions(transitions: Transitions): Promise<void> {
    return writeTransitions(this.db, transitions);
  }

  /** Claims idempotency keys; answers the holder of each key that was taken already. */
  claimIdempotencyKeys(claims: readonly IdempotencyClaim[]): Promise<IdempotencyHolder[]> {
    return claimIdempotencyKeys(this.db, [...claims]);
  }

  /** Inserts new runs with their first steps and events. */
  insertRuns(batch: NewRuns): Promise<void> {
    return insertRuns(this.db, batch);
  }

  /** Takes concurrency slots for new runs (locking each key's row); answers the runs that got one. */
  takeSlots(claims: readonly SlotClaim[]): Promise<Set<string>> {
    return takeSlots(this.db, claims);
  }

  /** Frees the slots of finished runs and gives them to the oldest waiting runs; answers those (locked). */
  releaseSlots(runIds: readonly string[]): Promise<string[]> {
    return releaseSlots(this.db, runIds);
  }

  /** Links new child runs to the parent step attempts that started them. */
  linkChildren(links: readonly RunLink[]): Promise<void> {
    return insertRunLinks(this.db, links);
  }

  /** Attempts of `wait` steps still waiting past their timeout (`deadline_at` before `now`), the earliest deadline first. */
  expiredWaits(now: Date, limit: number): Promise<ExpiredWait[]> {
    return this.db
      .selectFrom('steps')
      .select(['run_id', 'key', 'attempt'])
      .where('status', '=', 'waiting')
      .where('deadline_at', '<', now)
      .orderBy('deadline_at')
      .limit(limit)
      .execute();
  }

  /** Attempts queued or running since before `queuedBefore` that have a job of their own, oldest first. */
  liveSteps(queuedBefore: Date, limit: number): Promise<LiveStep[]> {
    return this.db
      .selectFrom('steps')
      .select(['run_id', 'key', 'agent', 'status', 'attempt', 'queued_at', 'deadline_at', 'requeues'])
      .where('status', 'in', ['queued', 'running'])
      .where('queued_at', '<', queuedBefore)
      // forEach parents and steps waiting on their hand-off chain have no job of their own
      .where('agent', 'is not', null)
      .where('handoff', 'is', null)
      // an attempt its paused run holds has no job until the run resumes
      .where('held_until', 'is', null)
      .orderBy('queued_at')
      .limit(limit)
      .execute();
  }

  /** Counts one more requeue of each attempt that is still live (and whose count is still `requeues`, when given); returns how many were counted. */
  async countRequeues(attempts: ReadonlyArray<{ runId: string; key: string; attempt: number; requeues?: number }>): Promise<number> {
    if (attempts.length === 0) return 0;
    const rows = attempts.map((a) => ({ run_id: a.runId, key: a.key, attempt: a.attempt, requeues: a.requeues ?? null }));
    const result = await sql`
      UPDATE steps SET requeues = steps.requeues + 1
      FROM jsonb_to_recordset(${toJsonb(rows)}::jsonb) AS t(run_id uuid, key text, attempt integer, requeues integer)
      WHERE steps.run_id = t.run_id AND steps.key = t.key AND steps.attempt = t.attempt AND steps.status IN ('queued', 'running')
        AND (t.requeues IS NULL OR steps.requeues = t.requeues)`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
