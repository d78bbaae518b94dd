import { SHARED_SECRETS, envVar, parseEnv, sharedConfigOf, sharedEnvSchema, type SharedConfig, type SharedLimitsConfig } from '@baton/config';
import { z } from 'zod';
import { AUTH_ENV, AUTH_SECRETS, authConfigOf, refineAuthEnv, type AuthConfig } from './auth-config';
import { BUS_ENV, BUS_SECRETS, busConfigOf, type BusConfig } from './bus/bus-config';

// The api's own variables; those the worker reads too (REDIS_URL, LOG_LEVEL, the BATON_MAX_* of
// the engine, …) come from the shared schema, so both processes read them alike.
const Schema = sharedEnvSchema.extend({
  PORT: envVar.integer(0, 65_535, 3000),
  HOST: envVar.text('0.0.0.0'),
  // Not empty-as-unset: an empty admin key is a mistake, not a request to run without auth.
  BATON_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters (unset it to run without authentication)').optional(),
  BODY_LIMIT: envVar.matching(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'must be a size such as 1mb, 512kb or 1048576', '1mb'),
  BATCH_BODY_LIMIT: envVar.matching(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'must be a size such as 16mb, 512kb or 16777216', '16mb'),
  BATON_RUN_VIEW_BUDGET: envVar.integer(1024, 1024 * 1024 * 1024, 1_048_576),
  HTTP_HEADERS_TIMEOUT_MS: envVar.integer(100, 3_600_000, 10_000),
  HTTP_REQUEST_TIMEOUT_MS: envVar.integer(100, 3_600_000, 30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: envVar.integer(100, 3_600_000, 5000),
  HTTP_SOCKET_TIMEOUT_MS: envVar.integer(100, 3_600_000, 120_000),
  HTTP_MAX_HEADER_BYTES: envVar.integer(1024, 1024 * 1024, 16_384),
  // Limits only the api applies (to what a client sends); see LimitsConfig.
  BATON_MAX_INPUT_ARRAY_ITEMS: envVar.integer(1, 1_000_000, 10_000),
  BATON_MAX_YAML_NODES: envVar.integer(100, 100_000_000, 200_000),
  BATON_MAX_IDEMPOTENCY_KEY_LENGTH: envVar.integer(16, 10_000, 200),
  // Stored API keys, JWTs and open mode (auth-config.ts).
  ...AUTH_ENV,
  // Rate limits (0 = off) and the proxies in front of the api (their X-Forwarded-For entries are trusted).
  BATON_RATE_LIMIT_PER_MINUTE: envVar.integer(0, 100_000_000, 6000),
  BATON_AUTH_FAILURES_PER_MINUTE: envVar.integer(0, 1_000_000, 20),
  TRUST_PROXY: envVar.integer(0, 16, 0),
  // Live run events (GET /v1/runs/:id/events).
  BATON_SSE_HEARTBEAT_MS: envVar.integer(10, 3_600_000, 15_000),
  BATON_SSE_MAX_BUFFER_BYTES: envVar.integer(1024, 1024 * 1024 * 1024, 1_048_576),
  // Templates kept in a repository's folder, stored at start-up (templates-dir.ts).
  BATON_TEMPLATES_DIR: envVar.text(''),
  BATON_TEMPLATES_TENANT: envVar.matching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'must be a tenant name: letters, digits, ".", "_" or "-", the first a letter or digit', 'default'),
  // Runs from RabbitMQ queues and NATS subjects, and the mirror of run events (bus/bus-config.ts).
  ...BUS_ENV,
}).superRefine((c, ctx) => {
  refineAuthEnv(c, ctx);
  // Node refuses a headers timeout above the request timeout: say so here, naming the variables.
  if (c.HTTP_HEADERS_TIMEOUT_MS > c.HTTP_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must not be above HTTP_REQUEST_TIMEOUT_MS' });
  }
});

/**
 * The api's settings, validated once at startup (STYLE rule 6): the shared ones (`SharedConfig`
 * of `@baton/config`: Redis, Postgres, queue prefix, log level, pool size, payload threshold) and its own.
 */
export interface Config extends SharedConfig {
  /** `PORT`; 0 picks a free port. @defaultValue 3000 */
  port: number;
  /** `HOST`. @defaultValue '0.0.0.0' */
  host: string;
  /** `BATON_ADMIN_KEY`: an admin key of tenant `default`. Unset, the api runs open (every caller is admin). */
  adminKey?: string;
  /** `BODY_LIMIT`, in the `bytes` notation express.json takes. @defaultValue '1mb' */
  bodyLimit: string;
  /** `BATCH_BODY_LIMIT`: the body limit of `POST /v1/runs/batch` alone (up to 1,000 runs). @defaultValue '16mb' */
  batchBodyLimit?: string;
  /**
   * `BATON_RUN_VIEW_BUDGET`: bytes of a `GET /v1/runs/:id` answer. Values stored by reference are
   * inlined while the answer stays within it; the rest are `{ "$ref": "/v1/payloads/<id>" }` links.
   * @defaultValue 1048576 (1 MiB)
   */
  runViewBudgetBytes: number;
  /** HTTP server timeouts and limits against slow or oversized clients. */
  http: HttpServerConfig;
  /** What one run may hold and build; exceeding a limit is a 400 (or a failed step) naming its variable. */
  limits: LimitsConfig;
  /** Stored API keys, JWTs, and whether the api runs open (besides `adminKey`). */
  auth: AuthConfig;
  /** Requests a client may make (429 past them). */
  rateLimits: RateLimitsConfig;
  /**
   * `TRUST_PROXY`: how many proxies in front of the api append to `X-Forwarded-For`; the client's
   * address is the entry that many hops back (0: the socket's address, the header is ignored).
   * @defaultValue 0
   */
  trustProxy: number;
  /** Server-Sent Events of `GET /v1/runs/:id/events`. */
  sse: SseConfig;
  /**
   * `BATON_TEMPLATES_DIR`: a folder whose `*.yaml`, `*.yml` and `*.json` files are stored as
   * templates of `BATON_TEMPLATES_TENANT` (default `default`) at start-up; a bad file stops start-up.
   */
  templatesDir?: { path: string; tenant: string };
  /** `BATON_TRIGGERS` and `BATON_EVENTS_*`: runs started by messages, and run events mirrored to RabbitMQ. */
  bus: BusConfig;
}

/** How the api keeps run event streams alive and bounded. */
export interface SseConfig {
  /** `BATON_SSE_HEARTBEAT_MS`: a comment line this often keeps idle streams (and proxies) open, and a client that took nothing for two of them is dropped. @defaultValue 15000 */
  heartbeatMs: number;
  /** `BATON_SSE_MAX_BUFFER_BYTES`: unsent bytes a stream may hold for a slow client before it is dropped. @defaultValue 1048576 */
  maxBufferedBytes: number;
}

/** Fixed one-minute windows, counted in Redis for the whole fleet (in each process while Redis is down). */
export interface RateLimitsConfig {
  /** `BATON_RATE_LIMIT_PER_MINUTE`: requests per principal (per client address without credentials); a key's own limit replaces it; 0 = off. @defaultValue 6000 */
  perMinute: number;
  /** `BATON_AUTH_FAILURES_PER_MINUTE`: refused credentials per client address, after which every credential from it is a 429 until the minute ends; 0 = off. @defaultValue 20 */
  authFailuresPerMinute: number;
}

/** Limits on what a client's run may hold and build: the shared ones (the worker applies them too) and two of the api's own. */
export interface LimitsConfig extends SharedLimitsConfig {
  /** `BATON_MAX_INPUT_ARRAY_ITEMS`: items of any one array in a run's input, checked before its schema. @defaultValue 10000 */
  maxInputArrayItems: number;
  /** `BATON_MAX_YAML_NODES`: nodes of a YAML definition once its aliases are expanded. @defaultValue 200000 */
  maxYamlNodes: number;
  /** `BATON_MAX_IDEMPOTENCY_KEY_LENGTH`: characters of an `Idempotency-Key`. @defaultValue 200 */
  maxIdempotencyKeyLength: number;
}

/** How the HTTP server treats slow clients (Node's own defaults are far too patient for an API). */
export interface HttpServerConfig {
  /** `HTTP_HEADERS_TIMEOUT_MS`: a client must send its whole header within this (408 after). @defaultValue 10000 */
  headersTimeoutMs: number;
  /** `HTTP_REQUEST_TIMEOUT_MS`: ... and its whole request, body included, within this (408 after). @defaultValue 30000 */
  requestTimeoutMs: number;
  /** `HTTP_KEEP_ALIVE_TIMEOUT_MS`: an idle keep-alive connection is closed after this; keep it above a load balancer's idle timeout. @defaultValue 5000 */
  keepAliveTimeoutMs: number;
  /** `HTTP_SOCKET_TIMEOUT_MS`: a connection on which no byte moves either way for this long is closed (a client that stops reading). @defaultValue 120000 */
  socketTimeoutMs: number;
  /** `HTTP_MAX_HEADER_BYTES`: request headers above this are a 431. @defaultValue 16384 */
  maxHeaderBytes: number;
}

/**
 * Reads the api's configuration from environment variables; an empty one counts as unset
 * (except `BATON_ADMIN_KEY`).
 * @throws ConfigError (`@baton/config`) listing every bad variable, one per line, when any is invalid;
 * the values of the admin key and the URLs, which may hold credentials, are never shown.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const c = parseEnv(Schema, env, { title: 'invalid api configuration', secrets: [...SHARED_SECRETS, 'BATON_ADMIN_KEY', ...AUTH_SECRETS, ...BUS_SECRETS] });
  const shared = sharedConfigOf(c);
  return {
    ...shared,
    port: c.PORT,
    host: c.HOST,
    ...(c.BATON_ADMIN_KEY === undefined ? {} : { adminKey: c.BATON_ADMIN_KEY }),
    bodyLimit: c.BODY_LIMIT,
    batchBodyLimit: c.BATCH_BODY_LIMIT,
    auth: authConfigOf(c),
    runViewBudgetBytes: c.BATON_RUN_VIEW_BUDGET,
    http: {
      headersTimeoutMs: c.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: c.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: c.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      socketTimeoutMs: c.HTTP_SOCKET_TIMEOUT_MS,
      maxHeaderBytes: c.HTTP_MAX_HEADER_BYTES,
    },
    rateLimits: { perMinute: c.BATON_RATE_LIMIT_PER_MINUTE, authFailuresPerMinute: c.BATON_AUTH_FAILURES_PER_MINUTE },
    trustProxy: c.TRUST_PROXY,
    sse: { heartbeatMs: c.BATON_SSE_HEARTBEAT_MS, maxBufferedBytes: c.BATON_SSE_MAX_BUFFER_BYTES },
    ...(c.BATON_TEMPLATES_DIR ? { templatesDir: { path: c.BATON_TEMPLATES_DIR, tenant: c.BATON_TEMPLATES_TENANT } } : {}),
    bus: busConfigOf(c),
    limits: { ...shared.limits, maxInputArrayItems: c.BATON_MAX_INPUT_ARRAY_ITEMS, maxYamlNodes: c.BATON_MAX_YAML_NODES, maxIdempotencyKeyLength: c.BATON_MAX_IDEMPOTENCY_KEY_LENGTH },
  };
}
