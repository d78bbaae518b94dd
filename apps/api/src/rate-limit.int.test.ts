// Rate limits through HTTP, counted in the real Redis: per principal, per key, per address without
// credentials (X-Forwarded-For trusted only as far as `trustProxy` says), failed authentications,
// and Redis down or hung.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import type { Authenticator, Principal } from '@baton/auth';
import { AgentRegistry, createRedis, redisReady } from '@baton/queue';
import { createLogger, createMetrics } from '@baton/telemetry';
import type { Redis } from 'ioredis';
import type { AppDeps } from './app-deps';
import { createApp } from './create-app';
import { REDIS_TIMEOUT_MS, RedisRateLimits } from './rate-limit';

jest.setTimeout(30_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIMIT = 5;
const FAILURES = 3;

// Each key is a caller; the key is also its subject.
const CALLERS: Record<string, Omit<Principal, 'subject'>> = {
  alice: { tenant: 't1', role: 'submitter' },
  bob: { tenant: 't1', role: 'submitter' },
  slow: { tenant: 't1', role: 'viewer', rateLimitPerMinute: 2 },
  fast: { tenant: 't1', role: 'viewer', rateLimitPerMinute: 8 },
};
const byKey: Authenticator = {
  authenticate: async (key) => (key !== undefined && CALLERS[key] ? { ...CALLERS[key], subject: key } : undefined),
};

const redises: Redis[] = [];
const servers: Server[] = [];
const prefixes: string[] = [];

/** An app on its own prefix (so each test has fresh counters), limits counted through `redis`. */
async function serve(options: { trustProxy?: number; redis?: Redis } = {}): Promise<string> {
  let redis = options.redis;
  if (!redis) {
    redis = createRedis(REDIS_URL, 'client');
    redises.push(redis);
    await redisReady(redis);
  }
  const prefix = `baton-rate-test-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  // Nothing else is called here: only /v1/agents (the registry, empty) and unknown paths.
  const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used')) });
  const app = createApp({
    runtime: unused,
    queries: unused,
    readiness: unused,
    agents: new AgentRegistry({ connection: redis, prefix }),
    logger: createLogger({ service: 'rate-limit-test', silent: true }),
    metrics: createMetrics({ defaultMetrics: false }),
    config: { bodyLimit: '1mb', adminKey: undefined, trustProxy: options.trustProxy ?? 0 },
    authenticator: byKey,
    rateLimits: new RedisRateLimits({ connection: redis, prefix, perMinute: LIMIT, authFailuresPerMinute: FAILURES }),
  } as unknown as AppDeps);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  const cleaner = createRedis(REDIS_URL, 'worker');
  for (const prefix of prefixes) {
    const keys = await cleaner.keys(`${prefix}:*`);
    if (keys.length > 0) await cleaner.del(...keys);
  }
  await cleaner.quit();
  for (const redis of redises) redis.disconnect();
});

interface Answer {
  status: number;
  code?: string;
  message?: string;
  limit: string | null;
  remaining: string | null;
  reset: string | null;
  retryAfter: string | null;
}

async function call(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(base + path, { headers });
  const text = await res.text();
  const body = text.startsWith('{') ? (JSON.parse(text) as { error?: { code: string; message: string; details: unknown[] } }) : {};
  if (body.error) expect(body.error.details).toEqual([]);
  return {
    status: res.status,
    code: body.error?.code,
    message: body.error?.message,
    limit: res.headers.get('ratelimit-limit'),
    remaining: res.headers.get('ratelimit-remaining'),
    reset: res.headers.get('ratelimit-reset'),
    retryAfter: res.headers.get('retry-after'),
  };
}

const times = async (n: number, fn: (i: number) => Promise<Answer>): Promise<Answer[]> => {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i++) answers.push(await fn(i));
  return answers;
};

const expectLimited = (answer: Answer, limit: number) => {
  expect(answer).toMatchObject({ status: 429, code: 'RATE_LIMITED', limit: String(limit), remaining: '0' });
  const retryAfter = Number(answer.retryAfter);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(answer.reset).toBe(answer.retryAfter);
};

it('limits each principal on its own, with RateLimit-* headers on every answer', async () => {
  const base = await serve();
  const alice = await times(LIMIT, () => call(base, '/v1/agents', { 'X-API-Key': 'alice' }));
  expect(alice.map((a) => [a.status, a.limit, a.remaining])).toEqual([4, 3, 2, 1, 0].map((left) => [200, String(LIMIT), String(left)]));
  for (const a of alice) expect(Number(a.reset)).toBeGreaterThanOrEqual(1);
  expect(alice.every((a) => a.retryAfter === null)).toBe(true);

  const over = await call(base, '/v1/agents', { 'X-API-Key': 'alice' });
  expectLimited(over, LIMIT);
  expect(over.message).toMatch(/^rate limit exceeded: 5 per minute; retry in \d+ s$/);
  // Another principal from the same address is not affected.
  expect(await call(base, '/v1/agents', { 'X-API-Key': 'bob' })).toMatchObject({ status: 200, remaining: String(LIMIT - 1) });
});

it("takes a key's own limit instead of the default, lower or higher", async () => {
  const base = await serve();
  const slow = await times(3, () => call(base, '/v1/agents', { 'X-API-Key': 'slow' }));
  expect(slow.map((a) => a.status)).toEqual([200, 200, 429]);
  expectLimited(slow[2]!, 2);

  const fast = await times(9, () => call(base, '/v1/agents', { 'X-API-Key': 'fast' }));
  expect(fast.map((a) => a.status)).toEqual([...Array(8).fill(200), 429]);
  expect(fast[0]!.limit).toBe('8');
});

it('limits requests without credentials by socket address: a rotating X-Forwarded-For changes nothing (TRUST_PROXY=0)', async () => {
  const base = await serve({ trustProxy: 0 });
  // Unknown paths, a 401 and the public OpenAPI document alike count against the address.
  const paths = ['/nowhere', '/v1/agents', '/openapi.json'];
  const answers = await times(LIMIT + 1, (i) => call(base, paths[i % 3]!, { 'X-Forwarded-For': `10.0.${i}.${i}` }));
  expect(answers.map((a) => a.status)).toEqual([404, 401, 200, 404, 401, 429]);
  expectLimited(answers[LIMIT]!, LIMIT);
});

it('with TRUST_PROXY=1 takes only the last X-Forwarded-For hop: earlier entries are the client\'s own and change nothing', async () => {
  const base = await serve({ trustProxy: 1 });
  const spoofed = await times(LIMIT + 1, (i) => call(base, '/nowhere', { 'X-Forwarded-For': `198.51.100.${i}, 203.0.113.7` }));
  expect(spoofed.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 429]);
  expectLimited(spoofed[LIMIT]!, LIMIT);
  // Another client behind the same proxy has its own budget.
  expect(await call(base, '/nowhere', { 'X-Forwarded-For': '198.51.100.1, 203.0.113.8' })).toMatchObject({ status: 404, remaining: String(LIMIT - 1) });
});

it('locks an address out after too many refused credentials, the right key included, and no other address', async () => {
  const base = await serve({ trustProxy: 1 });
  const from = (ip: string, key: string) => call(base, '/v1/agents', { 'X-API-Key': key, 'X-Forwarded-For': ip });
  const guesses = await times(FAILURES + 1, (i) => from('203.0.113.50', `guess-${i}`));
  expect(guesses.map((a) => a.status)).toEqual([401, 401, 401, 429]);
  expect(guesses[0]).toMatchObject({ code: 'UNAUTHENTICATED', limit: String(FAILURES), remaining: String(FAILURES - 1) });
  expectLimited(guesses[FAILURES]!, FAILURES);
  expect(guesses[FAILURES]!.message).toMatch(/^too many failed authentications from this address: 3 per minute; retry in \d+ s$/);

  const right = await from('203.0.113.50', 'alice');
  expectLimited(right, FAILURES);
  expect(right.message).toMatch(/^too many failed authentications/);
  // A request without credentials is not a guess: it gets its 401.
  expect(await call(base, '/v1/agents', { 'X-Forwarded-For': '203.0.113.50' })).toMatchObject({ status: 401 });
  expect(await from('203.0.113.51', 'alice')).toMatchObject({ status: 200 });
});

it('never limits /healthz', async () => {
  const base = await serve();
  const answers = await times(LIMIT * 2, () => call(base, '/healthz'));
  expect(answers.map((a) => [a.status, a.limit])).toEqual(Array(LIMIT * 2).fill([200, null]));
});

it('still limits while Redis is down, counting in the process', async () => {
  // A port nobody listens on: the connection never becomes ready.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
  const down = createRedis(`redis://127.0.0.1:${port}`, 'client');
  redises.push(down);
  const base = await serve({ redis: down });
  const principal = await times(LIMIT + 1, () => call(base, '/v1/agents', { 'X-API-Key': 'alice' }));
  // The route itself needs Redis (503); the limit does not.
  expect(principal.map((a) => a.status)).toEqual([503, 503, 503, 503, 503, 429]);
  expect(principal[0]!.remaining).toBe(String(LIMIT - 1));
  expectLimited(principal[LIMIT]!, LIMIT);
  const anonymous = await times(LIMIT + 1, () => call(base, '/nowhere'));
  expect(anonymous.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 429]);
  const guesses = await times(FAILURES + 1, (i) => call(base, '/v1/agents', { 'X-API-Key': `guess-${i}` }));
  expect(guesses.map((a) => a.status)).toEqual([401, 401, 401, 429]);
});

it('still limits while Redis is connected but hung, each request waiting at most the timeout', async () => {
  // A redis-server of this test's own, stopped with SIGSTOP: the connection stays open and answers nothing.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as { port: number };
      probe.close(() => resolve(p));
    });
  });
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().includes('PONG'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const hung = createRedis(`redis://127.0.0.1:${port}`, 'client');
    redises.push(hung);
    await redisReady(hung);
    const base = await serve({ redis: hung });
    expect(await call(base, '/nowhere')).toMatchObject({ status: 404, remaining: String(LIMIT - 1) });

    server.kill('SIGSTOP');
    const started = Date.now();
    const answers = await times(LIMIT + 1, () => call(base, '/nowhere'));
    const elapsed = Date.now() - started;
    // Counted in this process from the first unanswered count on, with the process's own budget.
    expect(answers.map((a) => [a.status, a.remaining])).toEqual([4, 3, 2, 1, 0].map((left) => [404, String(left)]).concat([[429, '0']]));
    expectLimited(answers[LIMIT]!, LIMIT);
    // The first request waited out the timeout; the next ones, within the backoff second, did not ask Redis.
    expect(elapsed).toBeGreaterThanOrEqual(REDIS_TIMEOUT_MS);
    expect(elapsed).toBeLessThan(REDIS_TIMEOUT_MS + 900);
  } finally {
    server.kill('SIGCONT');
    server.kill('SIGKILL');
  }
});
