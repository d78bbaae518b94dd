import { llmConfigSchema, postgresConnectionsSchema, publishExchangeSchema, publishUrlSchema } from '@baton/agents';
import { SHARED_SECRETS, emptyAsUnset, envVar, parseEnv, sharedConfigOf, sharedEnvSchema, type SharedConfig } from '@baton/config';
import { z } from 'zod';
import { autoPauseSchema, type AutoPauseConfig } from './auto-pause';

// Node runs a timer of more than 2^31 - 1 ms after 1 ms: a longer grace period, lock or period would be none.
const MAX_TIMER_MS = 2_147_483_647;

const AGENT_CONCURRENCY_SHAPE = 'must be a JSON object of integers from 1 to 100000: { "<agent>": n }';

// The worker's own variables; those the api reads too (REDIS_URL, LOG_LEVEL, the BATON_MAX_* of
// the engine, …) come from the shared schema, so both processes read them alike.
const Schema = sharedEnvSchema.extend({
  WORKER_AGENTS: envVar.list(),
  WORKER_CONCURRENCY: envVar.integer(1, 1000, 100),
  WORKER_SYNC_COMMIT: envVar.oneOf(['on', 'off'], 'off'),
  WORKER_LOCK_MS: envVar.integer(500, MAX_TIMER_MS, 5_000),
  SHUTDOWN_GRACE_MS: envVar.integer(0, MAX_TIMER_MS, 10_000),
  RECONCILE_EVERY_MS: envVar.integer(200, MAX_TIMER_MS, 5000),
  BATON_RETENTION_DAYS: envVar.integer(0, 36_500, 0),
  RETENTION_EVERY_MS: envVar.integer(1000, MAX_TIMER_MS, 600_000),
  BATON_MAX_REQUEUES: envVar.integer(0, 100, 3),
  BATON_EAGER_DISPATCH: envVar.oneOf(['on', 'off'], 'on'),
  BATON_EAGER_MAX_CHAIN: envVar.integer(1, 1000, 8),
  BATON_AGENT_MODULES: envVar.list(),
  BATON_AGENT_CONFIG: envVar.json(
    z.record(z.string(), z.record(z.string(), z.unknown()), { message: 'must be a JSON object of objects: { "<agent>": { … } }' }),
  ),
  BATON_AGENT_CONCURRENCY: envVar.json(
    z.record(z.string(), z.unknown(), { message: AGENT_CONCURRENCY_SHAPE })
      .refine((limits) => Object.values(limits).every((n) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 100_000), AGENT_CONCURRENCY_SHAPE)
      .transform((limits) => limits as Record<string, number>),
  ),
  BATON_CONNECTIONS: envVar.json(postgresConnectionsSchema),
  BATON_PUBLISH: z.preprocess(emptyAsUnset, publishUrlSchema.optional()),
  BATON_PUBLISH_EXCHANGE: z.preprocess(emptyAsUnset, publishExchangeSchema.default('baton')),
  BATON_HTTP_ALLOW: envVar.list(),
  BATON_FILES_ROOT: envVar.text(''),
  BATON_LLM_BASE_URL: z.preprocess(emptyAsUnset, llmConfigSchema.shape.baseUrl),
  BATON_LLM_API_KEY: envVar.text(''),
  BATON_LLM_MODEL: envVar.text(''),
  BATON_AUTO_PAUSE: z.preprocess(emptyAsUnset, autoPauseSchema.optional()),
  METRICS_PORT: envVar.integer(0, 65_535, 9464),
  METRICS_HOST: envVar.text('127.0.0.1'),
});

/**
 * The worker's settings, validated once at startup (STYLE rule 6): the shared ones (`SharedConfig`
 * of `@baton/config`: Redis, Postgres, queue prefix, log level, pool size, payload threshold, the
 * engine's limits) and its own.
 */
export interface WorkerConfig extends SharedConfig {
  /** `WORKER_AGENTS`: the agents this worker serves. @defaultValue every agent it loaded */
  agents?: string[];
  /** `WORKER_CONCURRENCY`: jobs run at once per agent. @defaultValue 100 */
  concurrency: number;
  /** `WORKER_SYNC_COMMIT=on`: every commit waits for the WAL flush; off, a Postgres crash may re-run the last steps. @defaultValue false */
  synchronousCommit: boolean;
  /**
   * `WORKER_LOCK_MS`: how long a job stays locked to its worker without a renewal (renewed every
   * quarter of it); a dead worker's jobs run again within about 1.2 × this, and a worker whose event
   * loop stalls for about 0.75 × this loses its jobs to another (its late results are fenced out).
   * @defaultValue 5000
   */
  lockMs: number;
  /** `SHUTDOWN_GRACE_MS`: on close, how long active jobs may finish before they are released. @defaultValue 10000 */
  shutdownGraceMs: number;
  /** `RECONCILE_EVERY_MS`: the reconciler's period. @defaultValue 5000 */
  reconcileEveryMs: number;
  /** `BATON_RETENTION_DAYS`: finished runs older than this many days are deleted, with their steps, events and payloads; 0 keeps every run. @defaultValue 0 */
  retentionDays: number;
  /** `RETENTION_EVERY_MS`: the retention sweep's period, fleet-wide. @defaultValue 600000 (10 minutes) */
  retentionEveryMs: number;
  /** `BATON_MAX_REQUEUES`: times the reconciler runs one attempt again after its job was lost; then it fails with WORKER_LOST. @defaultValue 3 */
  maxRequeues: number;
  /**
   * `BATON_EAGER_DISPATCH=on`: a step that this worker's commit makes ready runs here at once, without
   * a BullMQ job, when this worker serves its agent and has a free slot (README, Performance). @defaultValue true
   */
  eagerDispatch: boolean;
  /** `BATON_EAGER_MAX_CHAIN`: most steps of one run run eagerly in a row; the next one is queued behind the rest. @defaultValue 8 */
  eagerMaxChain: number;
  /** `BATON_AGENT_MODULES`: agent modules to load, paths relative to the working directory (`./…`) or package names. @defaultValue [] */
  agentModules?: string[];
  /**
   * `BATON_AGENT_CONFIG`: each agent's config object, keyed by agent name; `BATON_CONNECTIONS`
   * (the `postgres` agent's named connections) becomes `postgres.connections`, `BATON_HTTP_ALLOW`
   * `http.allow` and `a2a.allow`, `BATON_FILES_ROOT` `files.root`, each over any given here.
   * `BATON_PUBLISH` (with `BATON_PUBLISH_EXCHANGE`) becomes `publish.url` (and `publish.exchange`);
   * `BATON_LLM_BASE_URL`, `BATON_LLM_API_KEY` and `BATON_LLM_MODEL` become `llm.baseUrl`, `llm.apiKey` and `llm.model`.
   * @defaultValue {}
   */
  agentConfig?: Record<string, Record<string, unknown>>;
  /**
   * `BATON_AGENT_CONCURRENCY`: jobs of an agent running at once across the whole fleet (BullMQ's
   * global concurrency of its queue), by agent name; a served agent not named has no fleet limit.
   * Give every worker the same value: the last one to start sets it. @defaultValue {}
   */
  agentConcurrency?: Record<string, number>;
  /**
   * `BATON_AUTO_PAUSE` (`failureRate=0.5,window=60s,minSteps=20`): an agent whose attempts on this
   * worker fail at that rate over the window is paused fleet-wide until resumed. @defaultValue off
   */
  autoPause?: AutoPauseConfig;
  /** `METRICS_PORT` of the worker's Prometheus `/metrics`; undefined for 0, no metrics server. @defaultValue 9464 */
  metricsPort?: number;
  /** `METRICS_HOST`: the interface `/metrics` listens on; it needs no credentials, so only this host by default (`0.0.0.0` for every interface). @defaultValue '127.0.0.1' */
  metricsHost?: string;
}

/**
 * Reads the worker's configuration from environment variables; an empty one counts as unset.
 * @throws ConfigError (`@baton/config`) listing every bad variable, one per line; the values of
 * the URLs and of `BATON_AGENT_CONFIG`, which may hold credentials, are never shown.
 */
export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const c = parseEnv(Schema, env, { title: 'invalid worker configuration', secrets: [...SHARED_SECRETS, 'BATON_AGENT_CONFIG', 'BATON_CONNECTIONS', 'BATON_PUBLISH', 'BATON_LLM_BASE_URL', 'BATON_LLM_API_KEY'] });
  const agentConfig = { ...c.BATON_AGENT_CONFIG };
  if (c.BATON_HTTP_ALLOW) {
    agentConfig.http = { ...agentConfig.http, allow: c.BATON_HTTP_ALLOW };
    agentConfig.a2a = { ...agentConfig.a2a, allow: c.BATON_HTTP_ALLOW };
  }
  if (c.BATON_FILES_ROOT) agentConfig.files = { ...agentConfig.files, root: c.BATON_FILES_ROOT };
  if (c.BATON_CONNECTIONS) agentConfig.postgres = { ...agentConfig.postgres, connections: c.BATON_CONNECTIONS };
  if (c.BATON_PUBLISH) agentConfig.publish = { ...agentConfig.publish, url: c.BATON_PUBLISH, exchange: c.BATON_PUBLISH_EXCHANGE };
  const llm = { baseUrl: c.BATON_LLM_BASE_URL, apiKey: c.BATON_LLM_API_KEY || undefined, model: c.BATON_LLM_MODEL || undefined };
  for (const [field, value] of Object.entries(llm)) if (value !== undefined) agentConfig.llm = { ...agentConfig.llm, [field]: value };
  return {
    ...sharedConfigOf(c),
    agents: c.WORKER_AGENTS,
    concurrency: c.WORKER_CONCURRENCY,
    synchronousCommit: c.WORKER_SYNC_COMMIT === 'on',
    lockMs: c.WORKER_LOCK_MS,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    reconcileEveryMs: c.RECONCILE_EVERY_MS,
    retentionDays: c.BATON_RETENTION_DAYS,
    retentionEveryMs: c.RETENTION_EVERY_MS,
    maxRequeues: c.BATON_MAX_REQUEUES,
    eagerDispatch: c.BATON_EAGER_DISPATCH === 'on',
    eagerMaxChain: c.BATON_EAGER_MAX_CHAIN,
    agentModules: c.BATON_AGENT_MODULES ?? [],
    agentConfig,
    agentConcurrency: c.BATON_AGENT_CONCURRENCY ?? {},
    ...(c.BATON_AUTO_PAUSE ? { autoPause: c.BATON_AUTO_PAUSE } : {}),
    metricsPort: c.METRICS_PORT === 0 ? undefined : c.METRICS_PORT,
    metricsHost: c.METRICS_HOST,
  };
}
