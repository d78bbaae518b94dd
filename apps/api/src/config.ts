import { z } from 'zod';

const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/** An empty variable counts as unset, so `PORT=` in an env file means the default. */
const optional = (value: unknown): unknown => (value === '' ? undefined : value);

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const integer = (min: number, max: number) =>
  z.string().transform((value, ctx) => {
    const n = /^\d{1,9}$/.test(value.trim()) ? Number(value) : NaN;
    if (n >= min && n <= max) return n;
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be an integer between ${min} and ${max}` });
    return z.NEVER;
  });

const Schema = z.object({
  PORT: z.preprocess(optional, integer(0, 65_535).default('3000')),
  HOST: z.preprocess(optional, z.string().default('0.0.0.0')),
  REDIS_URL: z.preprocess(optional, url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379')),
  DATABASE_URL: z.preprocess(optional, url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/baton')),
  BATON_QUEUE_PREFIX: z.preprocess(
    optional,
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"').default('baton'),
  ),
  // Not preprocessed: an empty admin key is a mistake, not a request to run without auth.
  BATON_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters (unset it to run without authentication)').optional(),
  BODY_LIMIT: z.preprocess(
    optional,
    z.string().regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'must be a size such as 1mb, 512kb or 1048576').default('1mb'),
  ),
  LOG_LEVEL: z.preprocess(optional, z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info')),
  DB_POOL_SIZE: z.preprocess(optional, integer(1, 1000).default('10')),
  BATON_PAYLOAD_THRESHOLD: z.preprocess(optional, integer(1024, 1024 * 1024 * 1024).default('65536')),
  BATON_RUN_VIEW_BUDGET: z.preprocess(optional, integer(1024, 1024 * 1024 * 1024).default('1048576')),
  HTTP_HEADERS_TIMEOUT_MS: z.preprocess(optional, integer(100, 3_600_000).default('10000')),
  HTTP_REQUEST_TIMEOUT_MS: z.preprocess(optional, integer(100, 3_600_000).default('30000')),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.preprocess(optional, integer(100, 3_600_000).default('5000')),
  HTTP_SOCKET_TIMEOUT_MS: z.preprocess(optional, integer(100, 3_600_000).default('120000')),
  HTTP_MAX_HEADER_BYTES: z.preprocess(optional, integer(1024, 1024 * 1024).default('16384')),
  // What one client's run may hold and build (issue 7): see LimitsConfig. The same names in the worker.
  BATON_MAX_RUN_BYTES: z.preprocess(optional, integer(1024, 1_000_000_000).default(String(64 * 1024 * 1024))),
  BATON_MAX_EXPRESSION_BYTES: z.preprocess(optional, integer(1024, 1_000_000_000).default(String(16 * 1024 * 1024))),
  BATON_MAX_FOREACH_ITEMS: z.preprocess(optional, integer(1, 1_000_000).default('10000')),
  BATON_MAX_RUN_STEPS: z.preprocess(optional, integer(1000, 10_000_000).default('20000')),
  BATON_MAX_INPUT_ARRAY_ITEMS: z.preprocess(optional, integer(1, 1_000_000).default('10000')),
  BATON_MAX_YAML_NODES: z.preprocess(optional, integer(100, 100_000_000).default('200000')),
}).superRefine((c, ctx) => {
  // Node refuses a headers timeout above the request timeout: say so here, naming the variables.
  if (c.HTTP_HEADERS_TIMEOUT_MS > c.HTTP_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['HTTP_HEADERS_TIMEOUT_MS'], message: 'must not be above HTTP_REQUEST_TIMEOUT_MS' });
  }
});

/** The api's settings, validated once at startup (STYLE rule 6). */
export interface Config {
  /** `PORT`; 0 picks a free port. @defaultValue 3000 */
  port: number;
  /** `HOST`. @defaultValue '0.0.0.0' */
  host: string;
  /** `REDIS_URL`. @defaultValue 'redis://127.0.0.1:6379' */
  redisUrl: string;
  /** `DATABASE_URL`. @defaultValue 'postgres://postgres@127.0.0.1:5432/baton' */
  databaseUrl: string;
  /** `BATON_QUEUE_PREFIX`: the key prefix of every Baton key in Redis. @defaultValue 'baton' */
  queuePrefix: string;
  /** `BATON_ADMIN_KEY`: an admin key of tenant `default`. Unset, the api runs open (every caller is admin). */
  adminKey?: string;
  /** `BODY_LIMIT`, in the `bytes` notation express.json takes. @defaultValue '1mb' */
  bodyLimit: string;
  /** `LOG_LEVEL` (winston's npm levels). @defaultValue 'info' */
  logLevel: string;
  /** `DB_POOL_SIZE`: Postgres connections of this process. @defaultValue 10 */
  dbPoolSize: number;
  /** `BATON_PAYLOAD_THRESHOLD`: values above this many JSON bytes travel by reference. @defaultValue 65536 */
  payloadThresholdBytes: number;
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
}

/** Limits on what a client's run may hold and build. The worker reads the first four too, under the same names. */
export interface LimitsConfig {
  /** `BATON_MAX_RUN_BYTES`: JSON bytes one run may store (step inputs and outputs, forEach items, context writes, an evaluated output); the evaluations of one decision share what is left. @defaultValue 67108864 (64 MiB) */
  maxRunBytes: number;
  /** `BATON_MAX_EXPRESSION_BYTES`: JSON bytes the expression results of one template evaluation may total. @defaultValue 16777216 (16 MiB) */
  maxExpressionBytes: number;
  /** `BATON_MAX_FOREACH_ITEMS`: items one forEach may produce (and sequences built on the way). @defaultValue 10000 */
  maxForEachItems: number;
  /** `BATON_MAX_RUN_STEPS`: entries one run may hold: its steps and every forEach child. @defaultValue 20000 */
  maxRunSteps: number;
  /** `BATON_MAX_INPUT_ARRAY_ITEMS`: items of any one array in a run's input, checked before its schema. @defaultValue 10000 */
  maxInputArrayItems: number;
  /** `BATON_MAX_YAML_NODES`: nodes of a YAML definition once its aliases are expanded. @defaultValue 200000 */
  maxYamlNodes: number;
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

/** Variables whose values may be secret or hold credentials: never echoed in an error. */
const SECRET = new Set(['BATON_ADMIN_KEY', 'REDIS_URL', 'DATABASE_URL']);

/**
 * Reads the api's configuration from environment variables.
 * @throws Error listing every bad variable, one per line, when any is invalid.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = Schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'config');
      const value = env[name];
      const shown = value === undefined || SECRET.has(name) ? '' : ` (got ${JSON.stringify(value)})`;
      return `  - ${name}: ${issue.message}${shown}`;
    });
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = result.data;
  return {
    port: c.PORT,
    host: c.HOST,
    redisUrl: c.REDIS_URL,
    databaseUrl: c.DATABASE_URL,
    queuePrefix: c.BATON_QUEUE_PREFIX,
    ...(c.BATON_ADMIN_KEY === undefined ? {} : { adminKey: c.BATON_ADMIN_KEY }),
    bodyLimit: c.BODY_LIMIT,
    logLevel: c.LOG_LEVEL,
    dbPoolSize: c.DB_POOL_SIZE,
    payloadThresholdBytes: c.BATON_PAYLOAD_THRESHOLD,
    runViewBudgetBytes: c.BATON_RUN_VIEW_BUDGET,
    http: {
      headersTimeoutMs: c.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: c.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: c.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      socketTimeoutMs: c.HTTP_SOCKET_TIMEOUT_MS,
      maxHeaderBytes: c.HTTP_MAX_HEADER_BYTES,
    },
    limits: {
      maxRunBytes: c.BATON_MAX_RUN_BYTES,
      maxExpressionBytes: c.BATON_MAX_EXPRESSION_BYTES,
      maxForEachItems: c.BATON_MAX_FOREACH_ITEMS,
      maxRunSteps: c.BATON_MAX_RUN_STEPS,
      maxInputArrayItems: c.BATON_MAX_INPUT_ARRAY_ITEMS,
      maxYamlNodes: c.BATON_MAX_YAML_NODES,
    },
  };
}
