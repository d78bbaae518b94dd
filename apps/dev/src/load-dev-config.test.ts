import { loadConfig, type Config } from '@baton/app-api';
import { loadWorkerConfig, type WorkerConfig } from '@baton/app-worker';
import { sharedEnvSchema } from '@baton/config';
import { loadDevConfig } from './load-dev-config';

const SHARED = Object.keys(sharedEnvSchema.shape);

/** Values of every shared variable to feed both loaders: good, bad, empty, odd. */
const VALUES: Record<string, string[]> = {
  REDIS_URL: ['redis://r:6379', 'rediss://r', 'http://x', 'redis', ''],
  DATABASE_URL: ['postgres://p/db', 'postgresql://u:pw@p/db', 'mysql://db', 'nope', ''],
  BATON_QUEUE_PREFIX: ['staging.eu', 'a_b-c', '_x', 'has:colon', 'x'.repeat(64), 'x'.repeat(65), ''],
  LOG_LEVEL: ['error', 'debug', 'verbose', 'silly', 'INFO', 'loud', ''],
  DB_POOL_SIZE: ['1', '200', '1000', '1001', '0', '1e2', ' 5 ', ''],
  BATON_PAYLOAD_THRESHOLD: ['1024', '1073741824', '1023', '1073741825', 'big', ''],
  BATON_MAX_RUN_BYTES: ['1024', '1000000000', '1000000001', '3.5', ''],
  BATON_MAX_EXPRESSION_BYTES: ['1024', '1023', '-1', ''],
  BATON_MAX_FOREACH_ITEMS: ['1', '1000000', '0', '0x10', ''],
  BATON_MAX_RUN_STEPS: ['1000', '999', '10000000', ''],
  BATON_MAX_EXPRESSION_MS: ['250', '9', '60001', ''],
  BATON_MAX_SUBWORKFLOW_DEPTH: ['1', '100', '0', '101', 'deep', ''],
  BATON_SECRET_KEY: ['a'.repeat(64), Buffer.alloc(32, 7).toString('base64'), 'a'.repeat(63), 'short', ''],
  BATON_SECRET_KEY_ID: ['k2', 'has space', ''],
  BATON_SECRET_OLD_KEYS: [`k0:${'b'.repeat(64)}`, 'k0', `k0:${'b'.repeat(10)}`, ''],
  LOG_FORMAT: ['json', 'pretty', 'xml', ''],
  OTEL_EXPORTER_OTLP_ENDPOINT: ['http://collector:4318', 'https://c', 'grpc://c:4317', 'nope', ''],
  OTEL_SERVICE_NAME: ['baton-eu', 'x'.repeat(201), ''],
};

/** What a process makes of the shared variables, or the lines of its refusal without the title. */
function outcome(load: () => Config | WorkerConfig): { shared: unknown } | { refused: string } {
  try {
    const c = load();
    const { maxRunBytes, maxExpressionBytes, maxForEachItems, maxRunSteps, maxSubworkflowDepth } = c.limits;
    return {
      shared: {
        redisUrl: c.redisUrl, databaseUrl: c.databaseUrl, queuePrefix: c.queuePrefix, logLevel: c.logLevel, dbPoolSize: c.dbPoolSize,
        payloadThresholdBytes: c.payloadThresholdBytes, limits: { maxRunBytes, maxExpressionBytes, maxForEachItems, maxRunSteps, maxSubworkflowDepth },
        secretKeys: c.secretKeys, tracing: c.tracing, logFormat: c.logFormat,
      },
    };
  } catch (err) {
    return { refused: (err as Error).message.split('\n').slice(1).join('\n') };
  }
}

describe('npm start: the api and the worker from one environment', () => {
  test('every shared variable has cases here', () => {
    expect(Object.keys(VALUES).sort()).toEqual([...SHARED].sort());
  });

  test.each(Object.entries(VALUES).flatMap(([name, values]) => values.map((value) => [name, value] as const)))(
    '%s=%j: both accept it alike, or both refuse it in the same words',
    (name, value) => {
      const env = { [name]: value };
      const api = outcome(() => loadConfig(env));
      const worker = outcome(() => loadWorkerConfig(env));
      expect(worker).toEqual(api);
      if ('refused' in api) expect(api.refused).toMatch(new RegExp(`^  - ${name}: `));
    },
  );

  test('a bad shared variable is named once', () => {
    expect(() => loadDevConfig({ REDIS_URL: 'http://x' })).toThrow(/^invalid configuration:\n {2}- REDIS_URL: [^\n]*$/);
  });

  test('names the bad variables of both processes at once', () => {
    expect(() => loadDevConfig({ PORT: 'eighty', WORKER_CONCURRENCY: '0', LOG_LEVEL: 'loud' })).toThrow(
      'invalid configuration:\n' +
        '  - LOG_LEVEL: must be one of error, warn, info, http, verbose, debug, silly (got "loud")\n' +
        '  - PORT: must be an integer between 0 and 65535 (got "eighty")\n' +
        '  - WORKER_CONCURRENCY: must be an integer between 1 and 1000 (got "0")',
    );
  });

  test('the bus variables are the api\'s: triggers and the events mirror, a bad one named once', () => {
    const { api } = loadDevConfig({
      BATON_TRIGGERS: '[{"source":"amqp://g:pw@mq","queue":"orders","event":"order.created"}]',
      BATON_EVENTS_MIRROR: 'amqp://g:pw@mq', BATON_EVENTS_EXCHANGE: 'baton.events', BATON_EVENTS_MIRROR_CATCHUP_MS: '5000',
    });
    expect(api.bus).toEqual({
      triggers: [{ name: 'orders', source: { kind: 'amqp', url: 'amqp://g:pw@mq', queue: 'orders' }, tenant: 'default', prefetch: 10, event: 'order.created' }],
      eventsMirror: { url: 'amqp://g:pw@mq', exchange: 'baton.events', catchUpEveryMs: 5000 },
    });
    expect(() => loadDevConfig({ BATON_TRIGGERS: '[{"source":"amqp://g:pw@mq","event":"e"}]', BATON_EVENTS_MIRROR: 'nats://g:pw@n' })).toThrow(
      'invalid configuration:\n  - BATON_TRIGGERS.0.queue: required with an amqp:// source\n  - BATON_EVENTS_MIRROR: must be a URL starting with amqp:// or amqps://',
    );
  });

  test('loads both from a good environment', () => {
    const { api, worker } = loadDevConfig({ BATON_QUEUE_PREFIX: 'staging.eu', LOG_LEVEL: '', PORT: '0', WORKER_CONCURRENCY: '5' });
    expect([api.queuePrefix, api.logLevel, api.port]).toEqual(['staging.eu', 'info', 0]);
    expect([worker.queuePrefix, worker.logLevel, worker.concurrency]).toEqual(['staging.eu', 'info', 5]);
  });

  test('gives the llm agent its endpoint, key and model, and never shows the key or the URL', () => {
    const { worker } = loadDevConfig({ BATON_LLM_BASE_URL: 'http://127.0.0.1:9/v1', BATON_LLM_API_KEY: 'sk-dev-key', BATON_LLM_MODEL: 'tiny' });
    expect(worker.agentConfig?.llm).toEqual({ baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-dev-key', model: 'tiny' });
    const bad = () => loadDevConfig({ BATON_LLM_BASE_URL: 'gopher://sk-dev-key@x', BATON_LLM_API_KEY: 'sk-dev-key' });
    expect(bad).toThrow('  - BATON_LLM_BASE_URL: must be an http:// or https:// URL');
    expect(bad).toThrow(expect.objectContaining({ message: expect.not.stringMatching(/sk-dev-key/) }));
  });

  test('gives the worker BATON_AUTO_PAUSE, and names a bad one', () => {
    expect(loadDevConfig({ BATON_AUTO_PAUSE: 'failureRate=0.5,window=60s,minSteps=20' }).worker.autoPause).toEqual({ failureRate: 0.5, windowMs: 60_000, minSteps: 20 });
    expect(() => loadDevConfig({ BATON_AUTO_PAUSE: 'always' })).toThrow(/ {2}- BATON_AUTO_PAUSE: must be "failureRate=/);
  });
});
