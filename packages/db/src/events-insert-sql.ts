import { sql } from 'kysely';
import { toJsonb } from './json';

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
