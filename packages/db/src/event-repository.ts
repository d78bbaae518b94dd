import { sql, type Kysely } from 'kysely';
import type { Database, RunEventRow } from './schema';
import { toJsonb } from './json';

type Executor = Kysely<Database>;

export interface EventWrite {
  run_id: string;
  seq: number;
  type: string;
  key: string | null;
  data: unknown;
  at: Date;
}

/** The INSERT of many events from one jsonb parameter; also a part of `writeTransitions`. */
export function eventsInsertSql(events: EventWrite[]) {
  return sql`
    INSERT INTO run_events (run_id, seq, type, key, data, at)
    SELECT * FROM jsonb_to_recordset(${toJsonb(events)}::jsonb)
      AS r(run_id uuid, seq integer, type text, key text, data jsonb, at timestamptz)`;
}

export class KyselyEventRepository {
  async append(db: Executor, events: EventWrite[]): Promise<void> {
    if (events.length > 0) await eventsInsertSql(events).execute(db);
  }

  async list(db: Executor, runId: string, afterSeq: number, limit: number): Promise<RunEventRow[]> {
    return db
      .selectFrom('run_events')
      .selectAll()
      .where('run_id', '=', runId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }
}
