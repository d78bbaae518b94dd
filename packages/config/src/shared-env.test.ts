import { parseEnv } from './parse-env';
import { sharedConfigOf, sharedEnvSchema, SHARED_SECRETS } from './shared-env';

const load = (env: Record<string, string | undefined>) => sharedConfigOf(parseEnv(sharedEnvSchema, env, { secrets: SHARED_SECRETS }));

const DEFAULTS = {
  redisUrl: 'redis://127.0.0.1:6379',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/baton',
  queuePrefix: 'baton',
  logLevel: 'info',
  dbPoolSize: 10,
  payloadThresholdBytes: 65_536,
  limits: { maxRunBytes: 64 * 1024 * 1024, maxExpressionBytes: 16 * 1024 * 1024, maxForEachItems: 10_000, maxRunSteps: 20_000, maxExpressionMs: 100, maxSubworkflowDepth: 5 },
};
const NAMES = Object.keys(sharedEnvSchema.shape);

describe('the shared variables', () => {
  test('have their documented defaults when unset', () => {
    expect(load({})).toEqual(DEFAULTS);
  });

  test('take an empty value as unset, every one of them', () => {
    expect(load(Object.fromEntries(NAMES.map((name) => [name, ''])))).toEqual(DEFAULTS);
  });

  test('are read', () => {
    expect(load({
      REDIS_URL: 'rediss://cache:6380', DATABASE_URL: 'postgresql://u:p@db/baton', BATON_QUEUE_PREFIX: 'staging.eu', LOG_LEVEL: 'verbose',
      DB_POOL_SIZE: '25', BATON_PAYLOAD_THRESHOLD: '2048', BATON_MAX_RUN_BYTES: '4096', BATON_MAX_EXPRESSION_BYTES: '1024',
      BATON_MAX_FOREACH_ITEMS: '5', BATON_MAX_RUN_STEPS: '1000', BATON_MAX_EXPRESSION_MS: '250', BATON_MAX_SUBWORKFLOW_DEPTH: '3',
    })).toEqual({
      redisUrl: 'rediss://cache:6380', databaseUrl: 'postgresql://u:p@db/baton', queuePrefix: 'staging.eu', logLevel: 'verbose',
      dbPoolSize: 25, payloadThresholdBytes: 2048,
      limits: { maxRunBytes: 4096, maxExpressionBytes: 1024, maxForEachItems: 5, maxRunSteps: 1000, maxExpressionMs: 250, maxSubworkflowDepth: 3 },
    });
  });

  test.each([
    ['REDIS_URL', 'http://x', 'must be a URL starting with redis:// or rediss://, or several comma-separated (the nodes of a cluster)'],
    ['DATABASE_URL', 'mysql://db', 'must be a URL starting with postgres:// or postgresql://'],
    ['BATON_QUEUE_PREFIX', 'has:colon', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, or such a name in braces (a Redis Cluster hash tag: {baton}) (got "has:colon")'],
    ['BATON_QUEUE_PREFIX', '_hidden', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, or such a name in braces (a Redis Cluster hash tag: {baton}) (got "_hidden")'],
    ['BATON_QUEUE_PREFIX', 'x'.repeat(65), 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit, or such a name in braces (a Redis Cluster hash tag: {baton})'],
    ['LOG_LEVEL', 'loud', 'must be one of error, warn, info, http, verbose, debug, silly (got "loud")'],
    ['DB_POOL_SIZE', '0', 'must be an integer between 1 and 1000 (got "0")'],
    ['BATON_PAYLOAD_THRESHOLD', '1000', 'must be an integer between 1024 and 1073741824 (got "1000")'],
    ['BATON_MAX_RUN_BYTES', '10', 'must be an integer between 1024 and 1000000000 (got "10")'],
    ['BATON_MAX_EXPRESSION_BYTES', 'lots', 'must be an integer between 1024 and 1000000000 (got "lots")'],
    ['BATON_MAX_FOREACH_ITEMS', '1.5', 'must be an integer between 1 and 1000000 (got "1.5")'],
    ['BATON_MAX_RUN_STEPS', '999', 'must be an integer between 1000 and 10000000 (got "999")'],
    ['BATON_MAX_EXPRESSION_MS', '5', 'must be an integer between 10 and 60000 (got "5")'],
  ])('refuse %s=%j, naming it', (name, value, message) => {
    expect(() => load({ [name]: value })).toThrow(`  - ${name}: ${message}`);
  });

  test('take several Redis URLs as the nodes of a Redis Cluster, whose prefix must be a hash tag', () => {
    const nodes = 'redis://:pw@10.0.0.1:7000, redis://10.0.0.2:7000,redis://10.0.0.3:7000';
    expect(load({ REDIS_URL: nodes, BATON_QUEUE_PREFIX: '{baton}' })).toMatchObject({ redisUrl: nodes, queuePrefix: '{baton}' });
    expect(() => load({ REDIS_URL: nodes })).toThrow(
      'invalid configuration:\n  - BATON_QUEUE_PREFIX: a Redis Cluster (several REDIS_URL nodes) needs a prefix in braces, a hash tag that keeps Baton\'s keys on one slot: {baton} (got "baton")',
    );
    expect(() => load({ REDIS_URL: 'redis://a:1,http://b:2' })).toThrow('  - REDIS_URL: must be a URL starting with redis:// or rediss://, or several');
    expect(() => load({ BATON_QUEUE_PREFIX: '{unclosed' })).toThrow('  - BATON_QUEUE_PREFIX: must be 1-64');
    expect(() => load({ BATON_QUEUE_PREFIX: '{}' })).toThrow('  - BATON_QUEUE_PREFIX: must be 1-64');
  });

  test('never show the URLs, which may hold credentials', () => {
    expect(() => load({ REDIS_URL: 'http://:pw1@x', DATABASE_URL: 'mysql://root:pw2@db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/pw1|pw2/) }),
    );
  });
});
