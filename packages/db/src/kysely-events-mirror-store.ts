import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

/** One event to mirror, with what a reader outside Baton needs of its run. */
export interface MirrorEventRow {
  runId: string;
  tenant: string;
  template: string | null;
  seq: number;
  type: string;
  key: string | null;
  data: unknown;
  at: Date;
}

/** How far the broker has confirmed a run's events. */
export interface MirrorCursor {
  runId: string;
  seq: number;
}

/**
 * The events mirror's state in Postgres (migration 0015): a cursor per run (the last event the
 * broker confirmed), read and written only by the one mirroring process, never by commits.
 */
export class KyselyEventsMirrorStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The first time ever: records that the mirror is on and marks every run existing then as
   * mirrored up to its last event (the mirror carries what happens from now on, not the past).
   * Later calls change nothing. Resolves true when it was the first time.
   */
  async enable(now: Date): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const first = await tx.insertInto('events_mirror_state').values({ enabled_at: now })
        .onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
      if (!first) return false;
      await sql`INSERT INTO events_mirror (run_id, seq) SELECT id, event_seq FROM runs WHERE event_seq > 0 ON CONFLICT (run_id) DO NOTHING`.execute(tx);
      return true;
    });
  }

  /** Up to `limit` runs with events after their cursor (a run without one counts from 0). Reads every run: the catch-up's scan. */
  async behind(limit: number): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      SELECT r.id FROM runs r LEFT JOIN events_mirror m ON m.run_id = r.id
      WHERE r.event_seq > COALESCE(m.seq, 0) LIMIT ${limit}`.execute(this.db);
    return rows.map((r) => r.id);
  }

  /** The events of `runIds` after their cursors, in run then event order, at most `limit` in all. */
  async pending(runIds: readonly string[], limit: number): Promise<MirrorEventRow[]> {
    if (runIds.length === 0) return [];
    const { rows } = await sql<{ run_id: string; tenant: string; template: string | null; seq: number; type: string; key: string | null; data: unknown; at: Date }>`
      SELECT e.run_id, r.tenant, r.template, e.seq, e.type, e.key, e.data, e.at
      FROM runs r
      LEFT JOIN events_mirror m ON m.run_id = r.id
      JOIN run_events e ON e.run_id = r.id AND e.seq > COALESCE(m.seq, 0)
      WHERE r.id = ANY(${[...runIds]}::uuid[])
      ORDER BY e.run_id, e.seq
      LIMIT ${limit}`.execute(this.db);
    return rows.map((r) => ({ runId: r.run_id, tenant: r.tenant, template: r.template, seq: r.seq, type: r.type, key: r.key, data: r.data, at: r.at }));
  }

  /** Moves cursors forward (never back: a late write of an older cursor changes nothing). */
  async advance(cursors: readonly MirrorCursor[]): Promise<void> {
    if (cursors.length === 0) return;
    await sql`
      INSERT INTO events_mirror (run_id, seq)
      SELECT * FROM unnest(${cursors.map((c) => c.runId)}::uuid[], ${cursors.map((c) => c.seq)}::integer[])
      ON CONFLICT (run_id) DO UPDATE SET seq = GREATEST(events_mirror.seq, excluded.seq)`.execute(this.db);
  }
}
