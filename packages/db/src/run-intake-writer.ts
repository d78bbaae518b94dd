import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';
import { eventsInsertSql, type EventWrite } from './events-insert-sql';
import { stepsUpsertSql, type StepWrite } from './steps-upsert-sql';
import { toJsonb } from './json';

/** A new run, with the state the engine gave it at submission. */
export interface NewRun {
  id: string;
  tenant: string;
  status: string;
  workflow_name: string;
  template: string | null;
  template_version: number | null;
  definition: unknown;
  definition_hash: string;
  input: unknown;
  output: unknown;
  error: unknown;
  context: unknown;
  priority: number;
  event_seq: number;
  submitted_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  used_bytes: number;
  /** The submitter's agent allow-list; null (or absent) for every agent. */
  allowed_agents?: string[] | null;
  /** The submitting request's W3C `traceparent`. */
  traceparent?: string | null;
  /** Who paused it (a run of a paused template is admitted paused). */
  paused_by?: string | null;
  /** A fork's origin run and step. */
  forked_from?: string | null;
  forked_from_step?: string | null;
}

export interface IdempotencyClaim {
  tenant: string;
  key: string;
  body_hash: string;
  run_id: string;
  created_at: string;
}

/** The claim that holds a key: its request's hash and the run it made. */
export interface IdempotencyHolder {
  tenant: string;
  key: string;
  bodyHash: string;
  runId: string;
}

/**
 * Claims idempotency keys for a batch of submissions in one statement. Returns the holder of each
 * key that was already taken (before, or by an earlier claim of the same batch); a claim that won
 * is not in the answer.
 */
export async function claimIdempotencyKeys(db: Kysely<Database>, claims: IdempotencyClaim[]): Promise<IdempotencyHolder[]> {
  if (claims.length === 0) return [];
  const won = await sql<{ run_id: string }>`
    INSERT INTO idempotency_keys (tenant, key, body_hash, run_id, created_at)
    SELECT * FROM jsonb_to_recordset(${toJsonb(claims)}::jsonb)
      AS c(tenant text, key text, body_hash text, run_id uuid, created_at timestamptz)
    ON CONFLICT (tenant, key) DO NOTHING
    RETURNING run_id`.execute(db);
  const winners = new Set(won.rows.map((r) => r.run_id));
  const lost = claims.filter((c) => !winners.has(c.run_id));
  if (lost.length === 0) return [];
  const holders = await sql<{ tenant: string; key: string; body_hash: string; run_id: string }>`
    SELECT k.tenant, k.key, k.body_hash, k.run_id FROM idempotency_keys k
    JOIN jsonb_to_recordset(${toJsonb(lost)}::jsonb) AS c(tenant text, key text) ON k.tenant = c.tenant AND k.key = c.key`.execute(db);
  return holders.rows.map((h) => ({ tenant: h.tenant, key: h.key, bodyHash: h.body_hash, runId: h.run_id }));
}

/** New runs with the first steps and events of each. */
export interface NewRuns {
  runs: NewRun[];
  steps: StepWrite[];
  events: EventWrite[];
}

/** Inserts new runs with their first steps and events in one statement. */
export async function insertRuns(db: Kysely<Database>, batch: NewRuns): Promise<void> {
  await sql`
    WITH r AS (
      INSERT INTO runs (id, tenant, status, workflow_name, template, template_version, definition, definition_hash, input,
        output, error, context, priority, event_seq, submitted_by, created_at, started_at, finished_at, used_bytes, allowed_agents, traceparent, paused_by, forked_from, forked_from_step)
      SELECT id, tenant, status, workflow_name, template, template_version, definition, definition_hash, input,
        output, error, context, priority, event_seq, submitted_by, created_at, started_at, finished_at, used_bytes, allowed_agents, traceparent, paused_by, forked_from, forked_from_step
      FROM jsonb_to_recordset(${toJsonb(batch.runs)}::jsonb) AS n(id uuid, tenant text, status text, workflow_name text,
        template text, template_version integer, definition jsonb, definition_hash text, input jsonb, output jsonb,
        error jsonb, context jsonb, priority smallint, event_seq integer, submitted_by text, created_at timestamptz,
        started_at timestamptz, finished_at timestamptz, used_bytes integer, allowed_agents jsonb, traceparent text, paused_by text, forked_from uuid, forked_from_step text)
      RETURNING 1),
    s AS (${stepsUpsertSql(batch.steps)} RETURNING 1),
    e AS (${eventsInsertSql(batch.events)} RETURNING 1)
    SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM s), (SELECT count(*) FROM e)`.execute(db);
}
