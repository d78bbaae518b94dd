import { sql } from 'kysely';
import { toJsonb } from './json';

/** What a transition changes of a run: its state, its last event's number and its stored bytes. */
export interface RunUpdate {
  id: string;
  status: string;
  output: unknown;
  error: unknown;
  context: unknown;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  event_seq: number;
  used_bytes: number;
  /** Signals kept for a wait step (`RunState.signals`); absent or null for none. */
  signals?: unknown;
  /** Tokens spent (`RunState.usage`); absent or null for none. */
  usage?: unknown;
  /** Who paused the run; absent or null when it is not paused. */
  paused_by?: string | null;
}

/** The UPDATE of many runs from one jsonb parameter (a part of `writeTransitions`); bumps each run's `version`. */
export function runsUpdateSql(updates: RunUpdate[]) {
  const records = updates.map((u) => ({ ...u, output: u.output ?? null, error: u.error ?? null, signals: u.signals ?? null, usage: u.usage ?? null, paused_by: u.paused_by ?? null }));
  return sql`
    UPDATE runs SET status = r.status, output = r.output, error = r.error, context = r.context,
      started_at = r.started_at, finished_at = r.finished_at, event_seq = r.event_seq, used_bytes = r.used_bytes, signals = r.signals, usage = r.usage, paused_by = r.paused_by, version = runs.version + 1
    FROM jsonb_to_recordset(${toJsonb(records)}::jsonb) AS r(
      id uuid, status text, output jsonb, error jsonb, context jsonb,
      started_at timestamptz, finished_at timestamptz, event_seq integer, used_bytes integer, signals jsonb, usage jsonb, paused_by text)
    WHERE runs.id = r.id`;
}
