import type { ColumnType, Generated, Selectable } from 'kysely';

type Json = ColumnType<unknown, string, string>;
type NullableJson = ColumnType<unknown | null, string | null, string | null>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface RunsTable {
  id: string;
  tenant: string;
  status: string;
  workflow_name: string;
  template: string | null;
  template_version: number | null;
  definition: Json;
  /** sha256 of the definition: a process may cache what it compiled from it. */
  definition_hash: string;
  input: Json;
  output: NullableJson;
  error: NullableJson;
  context: Json;
  priority: number;
  /** Bumped by every transaction that changes the run or its steps: cached states check it. */
  version: Generated<number>;
  /** Sequence number of the run's last event. */
  event_seq: Generated<number>;
  submitted_by: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  /** JSON bytes the run has stored (the engine's `usedBytes`). */
  used_bytes: Generated<number>;
  /** The submitter's agent allow-list (a JSON array of names), null for every agent: hand-offs are held to it. */
  allowed_agents: NullableJson;
  /** W3C `traceparent` of the submitting request (its span), the run's root in traces; null when none. */
  traceparent: ColumnType<string | null, string | null | undefined, string | null>;
  /** Signals kept until a wait step takes them (the engine's `RunState.signals`: a JSON object by name), null for none. */
  signals: ColumnType<unknown | null, string | null | undefined, string | null>;
  /** Tokens the run's steps spent (the engine's `RunState.usage`: `{ promptTokens, completionTokens, totalTokens }`), null for none. */
  usage: ColumnType<unknown | null, string | null | undefined, string | null>;
  /** Who paused the run (the engine's `RunState.pausedBy`), while it is paused. */
  paused_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** A fork's origin run and the step it was forked from; null for any other run. */
  forked_from: ColumnType<string | null, string | null | undefined, string | null>;
  forked_from_step: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface StepsTable {
  run_id: string;
  key: string;
  step_id: string;
  agent: string | null;
  status: string;
  attempt: number;
  parent_key: string | null;
  idx: number | null;
  hop: number | null;
  input: NullableJson;
  output: NullableJson;
  error: NullableJson;
  reason: string | null;
  items: NullableJson;
  handoff: NullableJson;
  queued_at: Timestamp | null;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  deadline_at: Timestamp | null;
  /** forEach parent: children started so far and children succeeded (the engine's counters). */
  next_child: number | null;
  children_succeeded: number | null;
  /** Attempts made before the run's last retry: a re-run's budget of retry.attempts counts from here. */
  prior_attempts: number | null;
  /** Times the reconciler re-enqueued the current attempt after its job was lost (0 for a new attempt). */
  requeues: Generated<number>;
  /** A queued attempt its paused run holds, with no job: when it may start (the engine's `heldUntil`). */
  held_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface RunEventsTable {
  run_id: string;
  seq: number;
  type: string;
  key: string | null;
  data: NullableJson;
  at: Timestamp;
}

export interface IdempotencyKeysTable {
  tenant: string;
  key: string;
  body_hash: string;
  run_id: string;
  created_at: Timestamp;
}


export interface AgentsTable {
  name: string;
  description: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface PayloadsTable {
  id: string;
  run_id: string;
  data: Json;
  bytes: number;
  created_at: Timestamp;
}

/** A secret of a tenant, encrypted (AES-256-GCM); only the worker decrypts it, at execution. */
export interface SecretsTable {
  tenant: string;
  name: string;
  ciphertext: Buffer;
  /** 12 random bytes, new for every write. */
  iv: Buffer;
  /** GCM authentication tag (16 bytes). */
  tag: Buffer;
  /** Which key encrypted it (`BATON_SECRET_KEY_ID`), so that a rotated key still decrypts it. */
  key_id: string;
  /** The agents that may receive it (a JSON array), null for every agent. */
  allowed_agents: NullableJson;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A stored API key (`bk_<id>_<secret>`): never the secret, only its HMAC under the api's pepper. */
export interface ApiKeysTable {
  /** 16 hex digits, public: the key's name in URLs. */
  id: string;
  tenant: string;
  name: string;
  role: string;
  /** The agents it may use (a JSON array of names), null for every agent. */
  agents: NullableJson;
  rate_limit_per_minute: number | null;
  /** HMAC-SHA-256 of the secret under `BATON_KEY_PEPPER`, hex. */
  secret_hash: string;
  expires_at: Timestamp | null;
  created_at: Timestamp;
  /** The subject of the principal that created it. */
  created_by: string;
  /** Set when deleted: the key stops working, the row stays. */
  deleted_at: Timestamp | null;
}

/** One version of a stored workflow template; a version is never changed once written. */
export interface TemplatesTable {
  tenant: string;
  name: string;
  version: number;
  /** The definition as the client wrote it (parsed from YAML or JSON). */
  definition: Json;
  /** sha256 of the validated definition's canonical JSON: an unchanged PUT makes no new version. */
  definition_hash: string;
  description: string | null;
  /** The definition's `schedule`, null when it has none. */
  schedule: NullableJson;
  /** The definition's `on`: event types that start it (a JSON array). */
  triggers: Json;
  created_by: string | null;
  created_at: Timestamp;
}

/** A concurrency key of a tenant (`<workflow>/<value>`): how many of its runs hold a slot, and how many may. */
export interface ConcurrencySlotsTable {
  tenant: string;
  key: string;
  max_running: number;
  running: number;
  pool: ColumnType<string | null, string | null | undefined, string | null>;
  weight: ColumnType<number, number | undefined, number>;
  pass: ColumnType<number, number | undefined, number>;
}

/** A fair-share pool: `total` slots shared by every key whose slot names it. */
export interface ConcurrencyPoolsTable {
  name: string;
  total: number;
  running: number;
  vtime: number;
}

/** A run with a concurrency key: holding a slot, or waiting for one (oldest first); deleted when it finishes. */
export interface ConcurrencyRunsTable {
  run_id: string;
  tenant: string;
  key: string;
  holding: boolean;
  created_at: Timestamp;
}

/** A sub-workflow's child run and the parent step attempt that started it. */
export interface RunLinksTable {
  child_run_id: string;
  parent_run_id: string;
  parent_step_key: string;
  parent_attempt: number;
  /** 1 for a child of a top-level run. */
  depth: number;
}

/** The events mirror's cursor: the last event of a run RabbitMQ confirmed (migration 0015). */
export interface EventsMirrorTable {
  run_id: string;
  seq: number;
}

export interface EventsMirrorStateTable {
  id: Generated<boolean>;
  enabled_at: Date;
}

export interface SettingsTable {
  id: Generated<number>;
  value: Json;
  version: number;
  updated_by: string | null;
  updated_at: Timestamp | null;
}

export interface AuditEventsTable {
  id: string;
  at: Timestamp;
  tenant: string;
  actor: string;
  action: string;
  data: Json;
}

/** A template whose new runs are admitted paused (`POST /v1/templates/:name/pause`) until it is resumed. */
export interface TemplatePausesTable {
  tenant: string;
  name: string;
  paused_by: string;
  paused_at: Timestamp;
}

/** An agent whose queue is paused fleet-wide: who paused it (`auto` for the failure-rate trip), why and when. */
export interface AgentPausesTable {
  name: string;
  paused_by: string;
  reason: string | null;
  paused_at: Timestamp;
}

/** A bulk operation (`/v1/bulk-operations`): its filter, cursor and counts; the runner's source of truth. */
export interface BulkOperationsTable {
  id: string;
  tenant: string;
  action: string;
  filter: ColumnType<unknown, string, string>;
  status: string;
  cursor_created_at: Date | null;
  cursor_id: string | null;
  matched: number;
  done: ColumnType<number, number | undefined, number>;
  failed: ColumnType<number, number | undefined, number>;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface Database {
  bulk_operations: BulkOperationsTable;
  concurrency_pools: ConcurrencyPoolsTable;
  events_mirror: EventsMirrorTable;
  events_mirror_state: EventsMirrorStateTable;
  settings: SettingsTable;
  audit_events: AuditEventsTable;
  template_pauses: TemplatePausesTable;
  agent_pauses: AgentPausesTable;
  concurrency_slots: ConcurrencySlotsTable;
  concurrency_runs: ConcurrencyRunsTable;
  run_links: RunLinksTable;
  templates: TemplatesTable;
  api_keys: ApiKeysTable;
  secrets: SecretsTable;
  payloads: PayloadsTable;
  agents: AgentsTable;
  runs: RunsTable;
  steps: StepsTable;
  run_events: RunEventsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type RunRow = Selectable<RunsTable>;
export type StepRow = Selectable<StepsTable>;
