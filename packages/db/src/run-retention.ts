import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

/**
 * Deletes up to `limit` runs that finished before `before`, oldest first, with everything that
 * hangs off them (steps, events, payloads, links: their foreign keys cascade), their
 * idempotency keys and their events mirror cursors. A child run whose parent has not finished is kept with the parent.
 * Rows another transaction holds are skipped, so a sweep never waits on live work.
 * @returns the number of runs deleted; fewer than `limit` means none is left to delete.
 */
export async function deleteFinishedRuns(db: Kysely<Database>, before: Date, limit: number): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ id: string }>`
      DELETE FROM runs WHERE id IN (
        SELECT r.id FROM runs r
        WHERE r.finished_at < ${before} AND r.status IN ('succeeded', 'failed', 'cancelled')
          AND NOT EXISTS (
            SELECT 1 FROM run_links l JOIN runs p ON p.id = l.parent_run_id
            WHERE l.child_run_id = r.id AND p.finished_at IS NULL
          )
        ORDER BY r.finished_at
        LIMIT ${limit}
        FOR UPDATE OF r SKIP LOCKED
      )
      RETURNING id`.execute(tx);
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    await tx.deleteFrom('idempotency_keys').where('run_id', 'in', ids).execute();
    // The events mirror's cursors have no foreign key (see migration 0015): deleted with their runs here.
    await tx.deleteFrom('events_mirror').where('run_id', 'in', ids).execute();
    return ids.length;
  });
}
