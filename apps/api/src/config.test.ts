import { loadConfig, type Config } from './config';

const DEFAULTS: Config = {
  port: 3000,
  host: '0.0.0.0',
  redisUrl: 'redis://127.0.0.1:6379',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/baton',
  queuePrefix: 'baton',
  bodyLimit: '1mb',
  batchBodyLimit: '16mb',
  logLevel: 'info',
  dbPoolSize: 10,
  payloadThresholdBytes: 65536,
  runViewBudgetBytes: 1048576,
  http: { headersTimeoutMs: 10000, requestTimeoutMs: 30000, keepAliveTimeoutMs: 5000, socketTimeoutMs: 120000, maxHeaderBytes: 16384 },
  limits: { maxRunBytes: 67108864, maxExpressionBytes: 16777216, maxForEachItems: 10000, maxRunSteps: 20000, maxExpressionMs: 100, maxSubworkflowDepth: 5, maxInputArrayItems: 10000, maxYamlNodes: 200000, maxIdempotencyKeyLength: 200 },
  rateLimits: { perMinute: 6000, authFailuresPerMinute: 20 },
  trustProxy: 0,
  sse: { heartbeatMs: 15000, maxBufferedBytes: 1048576 },
  auth: { open: true },
  bus: { triggers: [] },
};

/** Every variable the api reads that has a default, with where it lands and that default. */
const EVERY_DEFAULT: Array<[string, (c: Config) => unknown, unknown]> = [
  ['PORT', (c) => c.port, 3000],
  ['HOST', (c) => c.host, '0.0.0.0'],
  ['REDIS_URL', (c) => c.redisUrl, 'redis://127.0.0.1:6379'],
  ['DATABASE_URL', (c) => c.databaseUrl, 'postgres://postgres@127.0.0.1:5432/baton'],
  ['BATON_QUEUE_PREFIX', (c) => c.queuePrefix, 'baton'],
  ['BODY_LIMIT', (c) => c.bodyLimit, '1mb'],
  ['BATCH_BODY_LIMIT', (c) => c.batchBodyLimit, '16mb'],
  ['LOG_LEVEL', (c) => c.logLevel, 'info'],
  ['DB_POOL_SIZE', (c) => c.dbPoolSize, 10],
  ['BATON_PAYLOAD_THRESHOLD', (c) => c.payloadThresholdBytes, 65536],
  ['BATON_RUN_VIEW_BUDGET', (c) => c.runViewBudgetBytes, 1048576],
  ['HTTP_HEADERS_TIMEOUT_MS', (c) => c.http.headersTimeoutMs, 10000],
  ['HTTP_REQUEST_TIMEOUT_MS', (c) => c.http.requestTimeoutMs, 30000],
  ['HTTP_KEEP_ALIVE_TIMEOUT_MS', (c) => c.http.keepAliveTimeoutMs, 5000],
  ['HTTP_SOCKET_TIMEOUT_MS', (c) => c.http.socketTimeoutMs, 120000],
  ['HTTP_MAX_HEADER_BYTES', (c) => c.http.maxHeaderBytes, 16384],
  ['BATON_MAX_RUN_BYTES', (c) => c.limits.maxRunBytes, 64 * 1024 * 1024],
  ['BATON_MAX_EXPRESSION_BYTES', (c) => c.limits.maxExpressionBytes, 16 * 1024 * 1024],
  ['BATON_MAX_FOREACH_ITEMS', (c) => c.limits.maxForEachItems, 10000],
  ['BATON_MAX_RUN_STEPS', (c) => c.limits.maxRunSteps, 20000],
  ['BATON_MAX_EXPRESSION_MS', (c) => c.limits.maxExpressionMs, 100],
  ['BATON_MAX_SUBWORKFLOW_DEPTH', (c) => c.limits.maxSubworkflowDepth, 5],
  ['BATON_MAX_IDEMPOTENCY_KEY_LENGTH', (c) => c.limits.maxIdempotencyKeyLength, 200],
  ['BATON_MAX_INPUT_ARRAY_ITEMS', (c) => c.limits.maxInputArrayItems, 10000],
  ['BATON_MAX_YAML_NODES', (c) => c.limits.maxYamlNodes, 200000],
  ['BATON_RATE_LIMIT_PER_MINUTE', (c) => c.rateLimits.perMinute, 6000],
  ['BATON_AUTH_FAILURES_PER_MINUTE', (c) => c.rateLimits.authFailuresPerMinute, 20],
  ['TRUST_PROXY', (c) => c.trustProxy, 0],
  ['BATON_SSE_HEARTBEAT_MS', (c) => c.sse.heartbeatMs, 15000],
  ['BATON_SSE_MAX_BUFFER_BYTES', (c) => c.sse.maxBufferedBytes, 1048576],
  ['BATON_TRIGGERS', (c) => c.bus.triggers, []],
  ['BATON_EVENTS_MIRROR', (c) => c.bus.eventsMirror, undefined],
];

describe('loadConfig', () => {
  it('applies the defaults to an empty environment', () => {
    expect(loadConfig({})).toEqual(DEFAULTS);
  });

  it.each(EVERY_DEFAULT)('%s: unset or empty means its default', (name, read, fallback) => {
    expect(read(loadConfig({}))).toEqual(fallback);
    expect(read(loadConfig({ [name]: '' }))).toEqual(fallback);
  });

  it('takes every variable empty at once as the defaults', () => {
    expect(loadConfig(Object.fromEntries(EVERY_DEFAULT.map(([name]) => [name, ''])))).toEqual(DEFAULTS);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080', HOST: '127.0.0.1', REDIS_URL: 'rediss://cache:6380', DATABASE_URL: 'postgresql://u:p@db/baton',
      BATON_QUEUE_PREFIX: 'staging', BATON_ADMIN_KEY: 'x'.repeat(16), BODY_LIMIT: '512kb', BATCH_BODY_LIMIT: '8mb', LOG_LEVEL: 'debug', DB_POOL_SIZE: '25',
      BATON_PAYLOAD_THRESHOLD: '2048', BATON_RUN_VIEW_BUDGET: '4096', HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '4000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000', HTTP_SOCKET_TIMEOUT_MS: '9000', HTTP_MAX_HEADER_BYTES: '8192',
      BATON_MAX_RUN_BYTES: '4096', BATON_MAX_EXPRESSION_BYTES: '1024', BATON_MAX_FOREACH_ITEMS: '5', BATON_MAX_RUN_STEPS: '1000', BATON_MAX_EXPRESSION_MS: '250', BATON_MAX_IDEMPOTENCY_KEY_LENGTH: '64',
      BATON_MAX_INPUT_ARRAY_ITEMS: '7', BATON_MAX_YAML_NODES: '100',
      BATON_RATE_LIMIT_PER_MINUTE: '0', BATON_AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: '2',
      BATON_SSE_HEARTBEAT_MS: '250', BATON_SSE_MAX_BUFFER_BYTES: '65536',
      UNRELATED: 'ignored',
    });
    expect(config).toEqual({
      port: 8080, host: '127.0.0.1', redisUrl: 'rediss://cache:6380', databaseUrl: 'postgresql://u:p@db/baton',
      queuePrefix: 'staging', adminKey: 'x'.repeat(16), bodyLimit: '512kb', batchBodyLimit: '8mb', logLevel: 'debug', dbPoolSize: 25, payloadThresholdBytes: 2048,
      runViewBudgetBytes: 4096,
      http: { headersTimeoutMs: 2000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 65000, socketTimeoutMs: 9000, maxHeaderBytes: 8192 },
      limits: { maxRunBytes: 4096, maxExpressionBytes: 1024, maxForEachItems: 5, maxRunSteps: 1000, maxExpressionMs: 250, maxSubworkflowDepth: 5, maxInputArrayItems: 7, maxYamlNodes: 100, maxIdempotencyKeyLength: 64 },
      rateLimits: { perMinute: 0, authFailuresPerMinute: 3 },
      trustProxy: 2,
      sse: { heartbeatMs: 250, maxBufferedBytes: 65536 },
      auth: { open: false },
      bus: { triggers: [] },
    });
  });

  // Variables the worker reads too: the api and the worker must agree (issue 8).
  it.each<[string, Record<string, string>, Partial<Config> | RegExp]>([
    ['a queue prefix with a dot', { BATON_QUEUE_PREFIX: 'staging.eu' }, { queuePrefix: 'staging.eu' }],
    ['an http:// Redis URL', { REDIS_URL: 'http://x' }, /REDIS_URL: must be a URL starting with redis:\/\/ or rediss:\/\//],
    ['an empty LOG_LEVEL', { LOG_LEVEL: '' }, { logLevel: 'info' }],
  ])('shared with the worker: %s', (_case, env, expected) => {
    if (expected instanceof RegExp) expect(() => loadConfig(env)).toThrow(expected);
    else expect(loadConfig(env)).toMatchObject(expected);
  });

  it('treats an empty admin key as a mistake, not as unset', () => {
    expect(() => loadConfig({ BATON_ADMIN_KEY: '' })).toThrow(/BATON_ADMIN_KEY: must be at least 16 characters/);
  });

  it('accepts port 0 (any free port)', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  it('lists every bad value in one error, one line each', () => {
    let message = '';
    try {
      loadConfig({
        PORT: 'eighty', REDIS_URL: 'http://cache', DATABASE_URL: 'not a url', BATON_QUEUE_PREFIX: 'has:colon',
        BATON_ADMIN_KEY: 'short', BODY_LIMIT: 'lots', LOG_LEVEL: 'loud', DB_POOL_SIZE: '0',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    const lines = message.split('\n');
    expect(lines[0]).toBe('invalid api configuration:');
    expect(lines.slice(1)).toEqual([
      '  - REDIS_URL: must be a URL starting with redis:// or rediss://, or several comma-separated (the nodes of a cluster)',
      '  - DATABASE_URL: must be a URL starting with postgres:// or postgresql://',
      '  - BATON_QUEUE_PREFIX: must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, or such a name in braces (a Redis Cluster hash tag: {baton}) (got "has:colon")',
      '  - LOG_LEVEL: must be one of error, warn, info, http, verbose, debug, silly (got "loud")',
      '  - DB_POOL_SIZE: must be an integer between 1 and 1000 (got "0")',
      '  - PORT: must be an integer between 0 and 65535 (got "eighty")',
      '  - BATON_ADMIN_KEY: must be at least 16 characters (unset it to run without authentication)',
      '  - BODY_LIMIT: must be a size such as 1mb, 512kb or 1048576 (got "lots")',
    ]);
  });

  it('never echoes secrets or URLs, which may hold credentials', () => {
    expect(() => loadConfig({ BATON_ADMIN_KEY: 'hunter2', DATABASE_URL: 'mysql://root:pw@db', REDIS_URL: 'http://:pw2@x' })).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/hunter2|pw@db|pw2/) }),
    );
  });

  it('refuses a headers timeout above the request timeout, naming both', () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must not be above HTTP_REQUEST_TIMEOUT_MS/);
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000', HTTP_REQUEST_TIMEOUT_MS: '40000' }).http.headersTimeoutMs).toBe(40000);
  });

  it.each([['BATON_RUN_VIEW_BUDGET', '100'], ['HTTP_HEADERS_TIMEOUT_MS', '0'], ['HTTP_SOCKET_TIMEOUT_MS', 'never'], ['HTTP_MAX_HEADER_BYTES', '10'],
    ['BATON_RATE_LIMIT_PER_MINUTE', '-1'], ['BATON_AUTH_FAILURES_PER_MINUTE', 'many'], ['TRUST_PROXY', 'true'], ['TRUST_PROXY', '17'],
    ['BATON_SSE_HEARTBEAT_MS', '5'], ['BATON_SSE_MAX_BUFFER_BYTES', '100']])(
    'refuses %s=%s with a message naming it', (name, value) => {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}: must be an integer between`));
    });

  it.each(['65536', '-1', '3.5', '1e3'])('refuses PORT=%s', (port) => {
    expect(() => loadConfig({ PORT: port })).toThrow(/PORT: must be an integer between 0 and 65535/);
  });
});
