import { ConfigError } from './config-error';
import { z } from 'zod';
import { envVar } from './env-var';
import { observabilityOf, observabilityVars, type ObservabilityConfig } from './observability-env';
import { SECRET_KEY_VARS, secretKeyVars, secretKeysOf, type SecretKeysConfig } from './secret-keys';

/** winston's npm levels, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/**
 * The variables the api and the worker both read, with their one set of rules. `npm start` feeds
 * one environment to both, so a value one accepts the other must accept too: each app's schema
 * extends this one (`sharedEnvSchema.extend({ … })`) and never redefines these names.
 */
export const sharedEnvSchema = z.object({
  REDIS_URL: envVar.urls(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  DATABASE_URL: envVar.url(['postgres:', 'postgresql:'], 'postgres://postgres@127.0.0.1:5432/baton'),
  // A Redis key segment: no ':' (BullMQ's separator), nothing a shell or a glob would mangle; in
  // braces, a hash tag that puts every Baton key on one Redis Cluster slot.
  BATON_QUEUE_PREFIX: envVar.matching(
    /^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}|\{[A-Za-z0-9][A-Za-z0-9_.-]{0,61}\})$/,
    'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, or such a name in braces (a Redis Cluster hash tag: {baton})',
    'baton',
  ),
  LOG_LEVEL: envVar.oneOf(LOG_LEVELS, 'info'),
  DB_POOL_SIZE: envVar.integer(1, 1000, 10),
  BATON_PAYLOAD_THRESHOLD: envVar.integer(1024, 1024 * 1024 * 1024, 65_536),
  // What one client's run may hold and build (issue 7): the engine's limits, the same in every process.
  BATON_MAX_RUN_BYTES: envVar.integer(1024, 1_000_000_000, 64 * 1024 * 1024),
  BATON_MAX_EXPRESSION_BYTES: envVar.integer(1024, 1_000_000_000, 16 * 1024 * 1024),
  BATON_MAX_FOREACH_ITEMS: envVar.integer(1, 1_000_000, 10_000),
  BATON_MAX_RUN_STEPS: envVar.integer(1000, 10_000_000, 20_000),
  BATON_MAX_EXPRESSION_MS: envVar.integer(10, 60_000, 100),
  // How deep sub-workflows nest: the api starts a run's first children, a worker the later ones.
  BATON_MAX_SUBWORKFLOW_DEPTH: envVar.integer(1, 100, 5),
  // Tracing (OTLP) and the log format.
  ...observabilityVars,
  // Secrets: the api encrypts with the current key, a worker decrypts with whichever key a value names.
  ...secretKeyVars,
});

/** The shared variables once parsed. */
export type SharedEnv = z.output<typeof sharedEnvSchema>;

/** Shared variables that may hold credentials: never shown in an error. */
export const SHARED_SECRETS: readonly string[] = ['REDIS_URL', 'DATABASE_URL', ...SECRET_KEY_VARS];

/** The limits every process applies to a run (the engine's); exceeding one is a 400 or a failed step naming its variable. */
export interface SharedLimitsConfig {
  /** `BATON_MAX_RUN_BYTES`: JSON bytes one run may store (step inputs and outputs, forEach items, context writes, an evaluated output); the evaluations of one decision share what is left. @defaultValue 67108864 (64 MiB) */
  maxRunBytes: number;
  /** `BATON_MAX_EXPRESSION_BYTES`: JSON bytes the expression results of one template evaluation may total. @defaultValue 16777216 (16 MiB) */
  maxExpressionBytes: number;
  /** `BATON_MAX_FOREACH_ITEMS`: items one forEach may produce (and sequences built on the way). @defaultValue 10000 */
  maxForEachItems: number;
  /** `BATON_MAX_RUN_STEPS`: entries one run may hold: its steps and every forEach child. @defaultValue 20000 */
  maxRunSteps: number;
  /** `BATON_MAX_EXPRESSION_MS`: how long one expression may run (JSONata's own timeout). @defaultValue 100 */
  maxExpressionMs: number;
  /** `BATON_MAX_SUBWORKFLOW_DEPTH`: how deep sub-workflows nest (a top-level run's child is at depth 1); a start deeper fails its step. @defaultValue 5 */
  maxSubworkflowDepth: number;
}

/** The settings both processes have, validated once at startup (STYLE rule 6). Each app's config extends it. */
export interface SharedConfig extends ObservabilityConfig {
  /**
   * `REDIS_URL` (`redis://` or `rediss://`); several comma-separated are the seed nodes of a Redis
   * Cluster (credentials and TLS of the first apply to every node). @defaultValue 'redis://127.0.0.1:6379'
   */
  redisUrl: string;
  /** `DATABASE_URL` (`postgres://` or `postgresql://`). @defaultValue 'postgres://postgres@127.0.0.1:5432/baton' */
  databaseUrl: string;
  /** `BATON_QUEUE_PREFIX`: the key prefix of every Baton key in Redis. @defaultValue 'baton' */
  queuePrefix: string;
  /** `LOG_LEVEL`: one of {@link LOG_LEVELS}. @defaultValue 'info' */
  logLevel: string;
  /** `DB_POOL_SIZE`: Postgres connections of this process, 1 to 1000. @defaultValue 10 */
  dbPoolSize: number;
  /** `BATON_PAYLOAD_THRESHOLD`: values above this many JSON bytes are stored once and travel by reference. @defaultValue 65536 */
  payloadThresholdBytes: number;
  /** The `BATON_MAX_*` limits both processes apply. */
  limits: SharedLimitsConfig;
  /**
   * `BATON_SECRET_KEY` (with `BATON_SECRET_KEY_ID`, default `k1`) and `BATON_SECRET_OLD_KEYS`: the
   * keys of secrets' AES-256-GCM encryption; undefined when no key is set (secrets are then refused).
   */
  secretKeys?: SecretKeysConfig;
}

/** The typed settings of the shared variables, from an app's parsed environment. */
export function sharedConfigOf(env: SharedEnv): SharedConfig {
  // A Lua script or a MULTI of BullMQ touches several keys of a queue: on a cluster they must share a slot.
  if (env.REDIS_URL.includes(',') && !env.BATON_QUEUE_PREFIX.startsWith('{')) {
    const message = 'a Redis Cluster (several REDIS_URL nodes) needs a prefix in braces, a hash tag that keeps Baton\'s keys on one slot: {baton}';
    throw new ConfigError('invalid configuration', [{ variable: 'BATON_QUEUE_PREFIX', message }], [`  - BATON_QUEUE_PREFIX: ${message} (got ${JSON.stringify(env.BATON_QUEUE_PREFIX)})`]);
  }
  return {
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    queuePrefix: env.BATON_QUEUE_PREFIX,
    logLevel: env.LOG_LEVEL,
    dbPoolSize: env.DB_POOL_SIZE,
    payloadThresholdBytes: env.BATON_PAYLOAD_THRESHOLD,
    ...observabilityOf(env),
    limits: {
      maxRunBytes: env.BATON_MAX_RUN_BYTES,
      maxExpressionBytes: env.BATON_MAX_EXPRESSION_BYTES,
      maxForEachItems: env.BATON_MAX_FOREACH_ITEMS,
      maxRunSteps: env.BATON_MAX_RUN_STEPS,
      maxExpressionMs: env.BATON_MAX_EXPRESSION_MS,
      maxSubworkflowDepth: env.BATON_MAX_SUBWORKFLOW_DEPTH,
    },
    secretKeys: secretKeysOf(env),
  };
}
