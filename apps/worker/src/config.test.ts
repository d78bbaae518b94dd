import { loadWorkerConfig, type WorkerConfig } from './config';

const DEFAULTS: WorkerConfig = {
  redisUrl: 'redis://127.0.0.1:6379',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/baton',
  queuePrefix: 'baton',
  logLevel: 'info',
  dbPoolSize: 10,
  payloadThresholdBytes: 65536,
  limits: { maxRunBytes: 67108864, maxExpressionBytes: 16777216, maxForEachItems: 10000, maxRunSteps: 20000, maxExpressionMs: 100, maxSubworkflowDepth: 5 },
  agents: undefined,
  concurrency: 100,
  synchronousCommit: false,
  lockMs: 5000,
  shutdownGraceMs: 10000,
  reconcileEveryMs: 5000,
  retentionDays: 0,
  retentionEveryMs: 600000,
  maxRequeues: 3,
  eagerDispatch: true,
  eagerMaxChain: 8,
  agentModules: [],
  agentConfig: {},
  agentConcurrency: {},
  metricsPort: 9464,
  metricsHost: '127.0.0.1',
};

/** Every variable the worker reads, with where it lands and its default. */
const EVERY_DEFAULT: Array<[string, (c: WorkerConfig) => unknown, unknown]> = [
  ['REDIS_URL', (c) => c.redisUrl, 'redis://127.0.0.1:6379'],
  ['DATABASE_URL', (c) => c.databaseUrl, 'postgres://postgres@127.0.0.1:5432/baton'],
  ['BATON_QUEUE_PREFIX', (c) => c.queuePrefix, 'baton'],
  ['LOG_LEVEL', (c) => c.logLevel, 'info'],
  ['DB_POOL_SIZE', (c) => c.dbPoolSize, 10],
  ['BATON_PAYLOAD_THRESHOLD', (c) => c.payloadThresholdBytes, 65536],
  ['BATON_MAX_RUN_BYTES', (c) => c.limits.maxRunBytes, 64 * 1024 * 1024],
  ['BATON_MAX_EXPRESSION_BYTES', (c) => c.limits.maxExpressionBytes, 16 * 1024 * 1024],
  ['BATON_MAX_FOREACH_ITEMS', (c) => c.limits.maxForEachItems, 10000],
  ['BATON_MAX_RUN_STEPS', (c) => c.limits.maxRunSteps, 20000],
  ['BATON_MAX_EXPRESSION_MS', (c) => c.limits.maxExpressionMs, 100],
  ['BATON_MAX_SUBWORKFLOW_DEPTH', (c) => c.limits.maxSubworkflowDepth, 5],
  ['WORKER_AGENTS', (c) => c.agents, undefined],
  ['WORKER_CONCURRENCY', (c) => c.concurrency, 100],
  ['WORKER_SYNC_COMMIT', (c) => c.synchronousCommit, false],
  ['WORKER_LOCK_MS', (c) => c.lockMs, 5000],
  ['SHUTDOWN_GRACE_MS', (c) => c.shutdownGraceMs, 10000],
  ['RECONCILE_EVERY_MS', (c) => c.reconcileEveryMs, 5000],
  ['BATON_RETENTION_DAYS', (c) => c.retentionDays, 0],
  ['RETENTION_EVERY_MS', (c) => c.retentionEveryMs, 600000],
  ['BATON_MAX_REQUEUES', (c) => c.maxRequeues, 3],
  ['BATON_EAGER_DISPATCH', (c) => c.eagerDispatch, true],
  ['BATON_EAGER_MAX_CHAIN', (c) => c.eagerMaxChain, 8],
  ['BATON_AGENT_MODULES', (c) => c.agentModules, []],
  ['BATON_AGENT_CONFIG', (c) => c.agentConfig, {}],
  ['BATON_AGENT_CONCURRENCY', (c) => c.agentConcurrency, {}],
  ['BATON_AUTO_PAUSE', (c) => c.autoPause, undefined],
  ['METRICS_PORT', (c) => c.metricsPort, 9464],
  ['METRICS_HOST', (c) => c.metricsHost, '127.0.0.1'],
];

describe('loadWorkerConfig', () => {
  test('applies the defaults to an empty environment', () => {
    expect(loadWorkerConfig({})).toEqual(DEFAULTS);
  });

  test.each(EVERY_DEFAULT)('%s: unset or empty means its default', (name, read, fallback) => {
    expect(read(loadWorkerConfig({}))).toEqual(fallback);
    expect(read(loadWorkerConfig({ [name]: '' }))).toEqual(fallback);
  });

  test('takes every variable empty at once as the defaults (an empty count is not 0)', () => {
    expect(loadWorkerConfig(Object.fromEntries(EVERY_DEFAULT.map(([name]) => [name, ''])))).toEqual(DEFAULTS);
  });

  test('reads every variable', () => {
    expect(loadWorkerConfig({
      REDIS_URL: 'rediss://cache:6380', DATABASE_URL: 'postgresql://u:p@db/baton', BATON_QUEUE_PREFIX: 'staging.eu', LOG_LEVEL: 'debug',
      DB_POOL_SIZE: '25', BATON_PAYLOAD_THRESHOLD: '2048', BATON_MAX_RUN_BYTES: '4096', BATON_MAX_EXPRESSION_BYTES: '1024',
      BATON_MAX_FOREACH_ITEMS: '5', BATON_MAX_RUN_STEPS: '1000', BATON_MAX_EXPRESSION_MS: '250', WORKER_AGENTS: 'echo, delay', WORKER_CONCURRENCY: '7',
      WORKER_SYNC_COMMIT: 'on', WORKER_LOCK_MS: '600', SHUTDOWN_GRACE_MS: '0', RECONCILE_EVERY_MS: '250', BATON_MAX_REQUEUES: '0',
      BATON_EAGER_DISPATCH: 'off', BATON_EAGER_MAX_CHAIN: '3',
      BATON_RETENTION_DAYS: '30', RETENTION_EVERY_MS: '60000',
      BATON_AGENT_MODULES: './a.js', BATON_AGENT_CONFIG: '{"echo":{"x":1}}', BATON_AGENT_CONCURRENCY: '{"llm":5}', BATON_AUTO_PAUSE: 'failureRate=0.5,window=60s,minSteps=20', METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0', UNRELATED: 'ignored',
    })).toEqual({
      redisUrl: 'rediss://cache:6380', databaseUrl: 'postgresql://u:p@db/baton', queuePrefix: 'staging.eu', logLevel: 'debug',
      dbPoolSize: 25, payloadThresholdBytes: 2048,
      limits: { maxRunBytes: 4096, maxExpressionBytes: 1024, maxForEachItems: 5, maxRunSteps: 1000, maxExpressionMs: 250, maxSubworkflowDepth: 5 },
      agents: ['echo', 'delay'], concurrency: 7, synchronousCommit: true, lockMs: 600, shutdownGraceMs: 0, reconcileEveryMs: 250,
      retentionDays: 30, retentionEveryMs: 60000, maxRequeues: 0, eagerDispatch: false, eagerMaxChain: 3, agentModules: ['./a.js'], agentConfig: { echo: { x: 1 } }, agentConcurrency: { llm: 5 }, autoPause: { failureRate: 0.5, windowMs: 60_000, minSteps: 20 }, metricsPort: 9100, metricsHost: '0.0.0.0',
    });
  });

  // Variables the api reads too: the worker and the api must agree (issue 8).
  test.each<[string, Record<string, string>, Partial<WorkerConfig> | RegExp]>([
    ['a queue prefix with a dot', { BATON_QUEUE_PREFIX: 'staging.eu' }, { queuePrefix: 'staging.eu' }],
    ['an http:// Redis URL', { REDIS_URL: 'http://x' }, /REDIS_URL: must be a URL starting with redis:\/\/ or rediss:\/\//],
    ['an empty LOG_LEVEL', { LOG_LEVEL: '' }, { logLevel: 'info' }],
    ['a winston level the api takes', { LOG_LEVEL: 'verbose' }, { logLevel: 'verbose' }],
    ['a Postgres URL of another database', { DATABASE_URL: 'mysql://db' }, /DATABASE_URL: must be a URL starting with postgres:\/\/ or postgresql:\/\//],
  ])('shared with the api: %s', (_case, env, expected) => {
    if (expected instanceof RegExp) expect(() => loadWorkerConfig(env)).toThrow(expected);
    else expect(loadWorkerConfig(env)).toMatchObject(expected);
  });

  test.each([
    ['WORKER_CONCURRENCY', '0', 'must be an integer between 1 and 1000'],
    ['WORKER_CONCURRENCY', '1e2', 'must be an integer between 1 and 1000'],
    ['WORKER_SYNC_COMMIT', 'yes', 'must be one of on, off'],
    ['WORKER_LOCK_MS', '100', 'must be an integer between 500 and 2147483647'],
    ['SHUTDOWN_GRACE_MS', '2147483648', 'must be an integer between 0 and 2147483647'],
    ['RECONCILE_EVERY_MS', ' ', 'must be an integer between 200 and 2147483647'],
    ['BATON_MAX_REQUEUES', '101', 'must be an integer between 0 and 100'],
    ['BATON_RETENTION_DAYS', '-1', 'must be an integer between 0 and 36500'],
    ['RETENTION_EVERY_MS', '10', 'must be an integer between 1000 and 2147483647'],
    ['BATON_AGENT_CONCURRENCY', '{"llm":0}', 'must be a JSON object of integers from 1 to 100000: { "<agent>": n }'],
    ['BATON_AGENT_CONCURRENCY', '[5]', 'must be a JSON object of integers from 1 to 100000: { "<agent>": n }'],
    ['BATON_AUTO_PAUSE', 'failureRate=2,window=60s,minSteps=20', 'must be "failureRate=<0..1>,window=<n>(ms|s|m),minSteps=<n>", e.g. "failureRate=0.5,window=60s,minSteps=20"'],
  ])('refuses %s=%j, naming it', (name, value, message) => {
    expect(() => loadWorkerConfig({ [name]: value })).toThrow(`\n  - ${name}: ${message} (got ${JSON.stringify(value)})`);
  });

  test('lists every bad value in one error, one line each', () => {
    expect(() => loadWorkerConfig({ REDIS_URL: 'http://x', LOG_LEVEL: 'loud', WORKER_CONCURRENCY: 'many' })).toThrow(
      'invalid worker configuration:\n' +
        '  - REDIS_URL: must be a URL starting with redis:// or rediss://, or several comma-separated (the nodes of a cluster)\n' +
        '  - LOG_LEVEL: must be one of error, warn, info, http, verbose, debug, silly (got "loud")\n' +
        '  - WORKER_CONCURRENCY: must be an integer between 1 and 1000 (got "many")',
    );
  });

  test('BATON_CONNECTIONS becomes the postgres agent\'s connections, with their defaults, and is never shown', () => {
    const config = loadWorkerConfig({ BATON_AGENT_CONFIG: '{"echo":{"x":1}}', BATON_CONNECTIONS: '{"reporting":{"url":"postgres://r:pw@db/app","readOnly":true}}' });
    expect(config.agentConfig).toEqual({
      echo: { x: 1 },
      postgres: { connections: { reporting: { url: 'postgres://r:pw@db/app', readOnly: true, statementTimeoutMs: 10_000, maxRows: 1000, poolSize: 5 } } },
    });
    const bad = { BATON_CONNECTIONS: '{"reporting":{"url":"mysql://r:pw4@db","maxRows":0}}' };
    expect(() => loadWorkerConfig(bad)).toThrow("  - BATON_CONNECTIONS.reporting.url: must be a postgres:// URL\n  - BATON_CONNECTIONS.reporting.maxRows: Number must be greater than or equal to 1");
    expect(() => loadWorkerConfig(bad)).toThrow(expect.objectContaining({ message: expect.not.stringMatching(/pw4/) }));
  });

  test('BATON_HTTP_ALLOW becomes the http and a2a agents\' allow list, over BATON_AGENT_CONFIG\'s', () => {
    const config = loadWorkerConfig({ BATON_AGENT_CONFIG: '{"http":{"allow":["10.0.0.1"],"timeoutMs":5000},"a2a":{"pollMs":200}}', BATON_HTTP_ALLOW: '127.0.0.1, 10.2.0.0/16,internal.example' });
    const allow = ['127.0.0.1', '10.2.0.0/16', 'internal.example'];
    expect(config.agentConfig).toEqual({ http: { allow, timeoutMs: 5000 }, a2a: { allow, pollMs: 200 } });
    expect(loadWorkerConfig({}).agentConfig).toEqual({});
  });

  test('BATON_FILES_ROOT becomes the files agent\'s root, over BATON_AGENT_CONFIG\'s', () => {
    const config = loadWorkerConfig({ BATON_AGENT_CONFIG: '{"files":{"root":"/a","maxBytes":100}}', BATON_FILES_ROOT: '/srv/baton-files' });
    expect(config.agentConfig).toEqual({ files: { root: '/srv/baton-files', maxBytes: 100 } });
    expect(loadWorkerConfig({ BATON_FILES_ROOT: '' }).agentConfig).toEqual({});
  });

  test('BATON_PUBLISH and BATON_PUBLISH_EXCHANGE become the publish agent\'s url and exchange, the URL never shown', () => {
    expect(loadWorkerConfig({ BATON_PUBLISH: 'amqp://u:pw@mq:5672' }).agentConfig).toEqual({ publish: { url: 'amqp://u:pw@mq:5672', exchange: 'baton' } });
    expect(loadWorkerConfig({ BATON_PUBLISH: 'nats://127.0.0.1:4222', BATON_PUBLISH_EXCHANGE: 'events' }).agentConfig).toEqual({ publish: { url: 'nats://127.0.0.1:4222', exchange: 'events' } });
    expect(loadWorkerConfig({ BATON_PUBLISH: '' }).agentConfig).toEqual({});
    expect(() => loadWorkerConfig({ BATON_PUBLISH: 'http://u:pw5@mq', BATON_PUBLISH_EXCHANGE: 'a b' })).toThrow(
      '  - BATON_PUBLISH: must be a URL starting with amqp://, amqps://, nats:// or tls://\n  - BATON_PUBLISH_EXCHANGE: must be 1 to 255 letters, digits, `_`, `.`, `:` or `-` (got "a b")',
    );
    expect(() => loadWorkerConfig({ BATON_PUBLISH: 'http://u:pw5@mq' })).toThrow(expect.objectContaining({ message: expect.not.stringMatching(/pw5/) }));
  });

  test('BATON_LLM_BASE_URL, BATON_LLM_API_KEY and BATON_LLM_MODEL become the llm agent\'s, over BATON_AGENT_CONFIG\'s; the URL and the key never shown', () => {
    const env = { BATON_AGENT_CONFIG: '{"llm":{"model":"small","retries":0}}', BATON_LLM_BASE_URL: 'https://llm.example/v1', BATON_LLM_API_KEY: 'sk-key6' };
    expect(loadWorkerConfig(env).agentConfig).toEqual({ llm: { baseUrl: 'https://llm.example/v1', apiKey: 'sk-key6', model: 'small', retries: 0 } });
    expect(loadWorkerConfig({ BATON_LLM_MODEL: 'gpt-x', BATON_LLM_API_KEY: '' }).agentConfig).toEqual({ llm: { model: 'gpt-x' } });
    expect(loadWorkerConfig({ BATON_LLM_BASE_URL: '' }).agentConfig).toEqual({});
    expect(() => loadWorkerConfig({ BATON_LLM_BASE_URL: 'ftp://u:pw7@llm', BATON_LLM_API_KEY: 'sk-key7' })).toThrow('  - BATON_LLM_BASE_URL: must be an http:// or https:// URL');
    expect(() => loadWorkerConfig({ BATON_LLM_BASE_URL: 'ftp://u:pw7@llm', WORKER_CONCURRENCY: '0', BATON_LLM_API_KEY: 'sk-key7' })).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/pw7|sk-key7/) }),
    );
  });

  test('never shows the URLs or the agent config, which may hold credentials', () => {
    expect(() => loadWorkerConfig({ REDIS_URL: 'http://:pw1@x', DATABASE_URL: 'mysql://root:pw2@db', BATON_AGENT_CONFIG: '{"a":{"apiKey":"pw3"},"b":1}' })).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/pw1|pw2|pw3/) }),
    );
  });
});
