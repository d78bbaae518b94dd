import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './schema';

/** Migrations live in code so they ship inside the built package. Append; never edit a landed one. */
const migrations: Record<string, Migration> = {
  '0001_runs': {
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE runs (
          id uuid PRIMARY KEY,
          tenant text NOT NULL,
          status text NOT NULL,
          workflow_name text NOT NULL,
          template text,
          template_version integer,
          definition jsonb NOT NULL,
          definition_hash text NOT NULL,
          input jsonb NOT NULL,
          output jsonb,
          error jsonb,
          context jsonb NOT NULL DEFAULT '{}',
          priority smallint NOT NULL DEFAULT 5,
          version bigint NOT NULL DEFAULT 0,
          event_seq integer NOT NULL DEFAULT 0,
          submitted_by text,
          created_at timestamptz NOT NULL,
          started_at timestamptz,
          finished_at timestamptz
        );
        CREATE INDEX runs_tenant_created ON runs (tenant, created_at DESC, id DESC);
        CREATE INDEX runs_tenant_status_created ON runs (tenant, status, created_at DESC, id DESC);
        CREATE TABLE steps (
          run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          key text NOT NULL,
          step_id text NOT NULL,
          agent text,
          status text NOT NULL,
          attempt integer NOT NULL,
          parent_key text,
          idx integer,
          hop integer,
          input jsonb,
          output jsonb,
          error jsonb,
          reason text,
          items jsonb,
          handoff jsonb,
          queued_at timestamptz,
          started_at timestamptz,
          finished_at timestamptz,
          deadline_at timestamptz,
          next_child integer,
          children_succeeded integer,
          PRIMARY KEY (run_id, key)
        );
        -- the reconciler scans only live attempts
        CREATE INDEX steps_live ON steps (queued_at) WHERE status IN ('queued', 'running');
        CREATE TABLE run_events (
          run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          seq integer NOT NULL,
          type text NOT NULL,
          key text,
          data jsonb,
          at timestamptz NOT NULL,
          PRIMARY KEY (run_id, seq)
        );
        -- every agent a worker ever registered: a workflow naming another one is refused
        CREATE TABLE agents (
          name text PRIMARY KEY,
          description text NOT NULL,
          first_seen_at timestamptz NOT NULL,
          last_seen_at timestamptz NOT NULL
        );
        -- step outputs above the payload threshold, stored once and passed by reference
        CREATE TABLE payloads (
          id uuid PRIMARY KEY,
          run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          data jsonb NOT NULL,
          bytes integer NOT NULL,
          created_at timestamptz NOT NULL
        );
        CREATE INDEX payloads_run ON payloads (run_id);
        CREATE TABLE idempotency_keys (
          tenant text NOT NULL,
          key text NOT NULL,
          body_hash text NOT NULL,
          -- no foreign key: a batch claims its keys before it inserts the runs that won them
          run_id uuid NOT NULL,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (tenant, key)
        );
      `.execute(db);
    },
  },
  '0002_step_requeues': {
    // How often the reconciler re-enqueued the current attempt of a step whose job was lost.
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE steps ADD COLUMN requeues integer NOT NULL DEFAULT 0`.execute(db);
    },
  },
  '0003_run_used_bytes': {
    // The JSON bytes a run has stored (the engine's RunState.usedBytes, bounded by BATON_MAX_RUN_BYTES).
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE runs ADD COLUMN used_bytes integer NOT NULL DEFAULT 0`.execute(db);
    },
  },
  '0004_api_keys': {
    // Stored API keys: only an HMAC of the secret (under the api's BATON_KEY_PEPPER); a deleted
    // key keeps its row (deleted_at) so that what it did stays attributable.
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE api_keys (
          id text PRIMARY KEY,
          tenant text NOT NULL,
          name text NOT NULL,
          role text NOT NULL,
          agents jsonb,
          rate_limit_per_minute integer,
          secret_hash text NOT NULL,
          expires_at timestamptz,
          created_at timestamptz NOT NULL,
          created_by text NOT NULL,
          deleted_at timestamptz
        );
        CREATE INDEX api_keys_tenant_live ON api_keys (tenant, created_at) WHERE deleted_at IS NULL;
      `.execute(db);
    },
  },
  '0005_secrets': {
    // Secrets per tenant, encrypted by the api and decrypted only by a worker at execution; and the
    // agent allow-list of a run's submitter, which hand-offs are held to.
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE secrets (
          tenant text NOT NULL,
          name text NOT NULL,
          ciphertext bytea NOT NULL,
          iv bytea NOT NULL,
          tag bytea NOT NULL,
          key_id text NOT NULL,
          allowed_agents jsonb,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          PRIMARY KEY (tenant, name)
        );
        ALTER TABLE runs ADD COLUMN allowed_agents jsonb;
      `.execute(db);
    },
  },
  '0006_stats_indexes': {
    // GET /v1/stats, read from the indexes alone (index-only scans). Runs: a tenant's runs finished
    // in a window, or not finished (NULLs are indexed too), with what the per-template aggregate
    // reads. Steps: attempts finished in a window; partial, so a step costs an entry only when it
    // finishes, not at each transition.
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE INDEX runs_tenant_finished ON runs (tenant, finished_at)
          INCLUDE (id, template, workflow_name, status, created_at, started_at);
        CREATE INDEX steps_finished ON steps (finished_at) INCLUDE (run_id, agent, status, queued_at, started_at)
          WHERE finished_at IS NOT NULL AND agent IS NOT NULL AND started_at IS NOT NULL;
      `.execute(db);
    },
  },
  '0007_run_trace': {
    // The W3C traceparent of the request that submitted the run: the parent of jobs enqueued
    // where no step of the run is running (a retry, the reconciler's requeue).
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE runs ADD COLUMN traceparent text`.execute(db);
    },
  },
  '0008_templates': {
    // Stored workflow templates, one row per version (immutable once written). `triggers` (the
    // definition's `on`) and `schedule` are copied out of the definition for the event and schedule lookups.
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE templates (
          tenant text NOT NULL,
          name text NOT NULL,
          version integer NOT NULL,
          definition jsonb NOT NULL,
          definition_hash text NOT NULL,
          description text,
          schedule jsonb,
          triggers jsonb NOT NULL DEFAULT '[]',
          created_by text,
          created_at timestamptz NOT NULL,
          PRIMARY KEY (tenant, name, version)
        );
      `.execute(db);
    },
  },
  '0010_signals': {
    // Signals that came before their wait step waited (the engine's RunState.signals), kept with the
    // run; the reconciler's sweep for waits past their timeout reads a partial index of waiting steps.
    async up(db: Kysely<unknown>) {
      await sql`
        ALTER TABLE runs ADD COLUMN signals jsonb;
        CREATE INDEX steps_waiting_deadline ON steps (deadline_at) WHERE status = 'waiting' AND deadline_at IS NOT NULL;
      `.execute(db);
    },
  },
  '0011_attempts': {
    // A re-run step's fresh budget of retry.attempts starts after the attempts made before the run's
    // retry (the engine's StepState.priorAttempts); the attempt log itself is read from run_events.
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE steps ADD COLUMN prior_attempts integer`.execute(db);
    },
  },
  '0012_child_runs_and_limits': {
    // Concurrency keys: one row per tenant and key with its running count (the lock that admissions
    // and releases serialise on), and each keyed run's place: holding a slot, or waiting for one.
    // A sub-workflow's child run links to the parent step (one child per attempt) with its depth.
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE concurrency_slots (
          tenant text NOT NULL,
          key text NOT NULL,
          max_running integer NOT NULL,
          running integer NOT NULL DEFAULT 0,
          PRIMARY KEY (tenant, key)
        );
        CREATE TABLE concurrency_runs (
          -- no foreign key: an admission takes slots before it inserts its runs
          run_id uuid PRIMARY KEY,
          tenant text NOT NULL,
          key text NOT NULL,
          holding boolean NOT NULL,
          created_at timestamptz NOT NULL
        );
        CREATE INDEX concurrency_runs_waiting ON concurrency_runs (tenant, key, created_at, run_id) WHERE NOT holding;
        CREATE TABLE run_links (
          child_run_id uuid PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
          parent_run_id uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          parent_step_key text NOT NULL,
          parent_attempt integer NOT NULL,
          depth integer NOT NULL,
          UNIQUE (parent_run_id, parent_step_key, parent_attempt)
        );
      `.execute(db);
    },
  },
  '0013_run_usage': {
    // The model tokens a run's steps spent (the engine's RunState.usage), held to the workflow's
    // budget.tokens; each step's share is read from its step.usage events.
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE runs ADD COLUMN usage jsonb`.execute(db);
    },
  },
  '0015_events_mirror': {
    // The mirror of run events to RabbitMQ (api, BATON_EVENTS_MIRROR): per run, the last event
    // number the broker confirmed. No foreign key: its KEY SHARE lock on a run row would wait for
    // (and hold up) the commits that lock runs FOR UPDATE. The one-row state says when the mirror
    // was first enabled, which marked every run existing then as mirrored up to its last event.
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE events_mirror (
          run_id uuid PRIMARY KEY,
          seq integer NOT NULL
        );
        CREATE TABLE events_mirror_state (
          id boolean PRIMARY KEY DEFAULT true CHECK (id),
          enabled_at timestamptz NOT NULL
        );
      `.execute(db);
    },
  },
  '0016_pauses_and_forks': {
    async up(db) {
      await sql`
        ALTER TABLE runs ADD COLUMN paused_by text;
        -- No foreign key: a fork outlives its origin (retention), and a restore loads runs in any order.
        ALTER TABLE runs ADD COLUMN forked_from uuid;
        ALTER TABLE runs ADD COLUMN forked_from_step text;
        ALTER TABLE steps ADD COLUMN held_until timestamptz;
        CREATE INDEX runs_paused ON runs (tenant, template) WHERE status = 'paused';
        CREATE TABLE template_pauses (
          tenant text NOT NULL,
          name text NOT NULL,
          paused_by text NOT NULL,
          paused_at timestamptz NOT NULL,
          PRIMARY KEY (tenant, name)
        );
        CREATE TABLE agent_pauses (
          name text PRIMARY KEY,
          paused_by text NOT NULL,
          reason text,
          paused_at timestamptz NOT NULL
        );
      `.execute(db);
    },
  },
  '0024_retention': {
    // The retention sweep deletes finished runs oldest first, and their idempotency keys by run.
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
        CREATE INDEX idempotency_keys_run ON idempotency_keys (run_id);
      `.execute(db);
    },
  },
  '0023_bulk_operations': {
    // A bulk operation's row is its source of truth: the runner resumes from `cursor` after a restart.
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE bulk_operations (
          id uuid PRIMARY KEY,
          tenant text NOT NULL,
          action text NOT NULL,
          filter jsonb NOT NULL,
          status text NOT NULL,
          cursor_created_at timestamptz,
          cursor_id uuid,
          matched integer NOT NULL,
          done integer NOT NULL DEFAULT 0,
          failed integer NOT NULL DEFAULT 0,
          created_by text NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          finished_at timestamptz
        );
        CREATE INDEX bulk_operations_unfinished ON bulk_operations (created_at) WHERE status = 'running';
        -- Fair-share pools: every key of a workflow name (every tenant) shares total slots, and
        -- waiting runs are admitted by start-time fair queuing over keys (pass, vtime).
        CREATE TABLE concurrency_pools (
          name text PRIMARY KEY,
          total integer NOT NULL,
          running integer NOT NULL DEFAULT 0,
          vtime double precision NOT NULL DEFAULT 0
        );
        ALTER TABLE concurrency_slots
          ADD COLUMN pool text,
          ADD COLUMN weight integer NOT NULL DEFAULT 1,
          ADD COLUMN pass double precision NOT NULL DEFAULT 0;
        CREATE INDEX concurrency_slots_pool ON concurrency_slots (pool, pass) WHERE pool IS NOT NULL;
      `.execute(db);
    },
  },
  '0025_settings': {
    // The deployment's runtime settings (one row, a JSON object), and the audit trail of who
    // changed what (settings now; any admin action later).
    async up(db: Kysely<unknown>) {
      await sql`
        CREATE TABLE settings (
          id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
          value jsonb NOT NULL,
          version integer NOT NULL,
          updated_by text,
          updated_at timestamptz
        );
        CREATE TABLE audit_events (
          id uuid PRIMARY KEY,
          at timestamptz NOT NULL,
          tenant text NOT NULL,
          actor text NOT NULL,
          action text NOT NULL,
          data jsonb NOT NULL
        );
        CREATE INDEX audit_events_at ON audit_events (at DESC);
      `.execute(db);
    },
  },
};

/** Every migration of this build (for a restore, which migrates to a backup's level first). */
export const migrationProvider: MigrationProvider = { getMigrations: async () => migrations };

/** The migrations this build knows that the database has not run (readiness: a schema behind the code is not ready). */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const infos = await new Migrator({ db, provider: migrationProvider }).getMigrations();
  return infos.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Any 64-bit number works; this one is Baton's, so several processes starting at once migrate one at a time. */
const MIGRATION_LOCK = 7_355_608_001;

/**
 * Brings the schema up to date. Safe when several processes start at once: a session advisory
 * lock serialises them, and the later ones find nothing to do. The lock's connection comes from
 * the pool of `createDb`, which listens for its errors: Postgres going away meanwhile rejects
 * this call (with `cause` saying why) instead of killing the process.
 * @throws Error when a migration fails (the schema is left at the last good migration).
 */
export async function migrate(db: Kysely<Database>): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`.execute(conn);
    try {
      const { error, results } = await new Migrator({ db: conn, provider: migrationProvider }).migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error || failed) throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
    } finally {
      // Unlocking fails only on a broken connection, whose session end released the lock already;
      // what happened before (a committed migration, or the error that says why) is the answer.
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.execute(conn).catch(() => undefined);
    }
  });
}
