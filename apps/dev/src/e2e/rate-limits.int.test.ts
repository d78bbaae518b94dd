// Rate limits through a whole api (startApi) on a Redis of the test's own: a stored key's own
// rateLimitPerMinute, and Redis shut down: the api counts in its process and still answers 429.
import { randomBytes } from 'node:crypto';
import { BatonHarness } from '../testing/baton-harness';
import { startRedis } from '../testing/ephemeral-services';

jest.setTimeout(60_000);

const ADMIN_KEY = randomBytes(24).toString('base64url');
const DEFAULT_LIMIT = 6;

it("limits a stored key by its own rateLimitPerMinute, and keeps limiting while Redis is down", async () => {
  const redis = await startRedis();
  const baton = await BatonHarness.start({
    redisUrl: redis.url,
    workers: 0,
    env: { BATON_ADMIN_KEY: ADMIN_KEY, BATON_KEY_PEPPER: randomBytes(32).toString('base64url'), BATON_RATE_LIMIT_PER_MINUTE: String(DEFAULT_LIMIT) },
  });
  let down = false;
  try {
    const statuses = async (n: number, key: string) => {
      const answers = [];
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${baton.url}/v1/runs`, { headers: { 'X-API-Key': key } });
        answers.push({ status: res.status, limit: res.headers.get('ratelimit-limit'), retryAfter: res.headers.get('retry-after'), body: await res.json() });
      }
      return answers;
    };

    const created = await baton.request('POST', '/v1/api-keys', { name: 'slow reader', role: 'viewer', rateLimitPerMinute: 3 }, { 'X-API-Key': ADMIN_KEY });
    expect(created.status).toBe(201);
    const own = await statuses(4, created.body.key);
    expect(own.map((a) => [a.status, a.limit])).toEqual([[200, '3'], [200, '3'], [200, '3'], [429, '3']]);
    expect(own[3]!.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    expect(Number(own[3]!.retryAfter)).toBeGreaterThanOrEqual(1);

    await redis.shutdown();
    down = true;
    // The bootstrap key needs no Redis, nor does GET /v1/runs: only the limit would, and it holds in memory.
    const admin = await statuses(DEFAULT_LIMIT + 1, ADMIN_KEY);
    expect(admin.map((a) => a.status)).toEqual([...Array(DEFAULT_LIMIT).fill(200), 429]);
    expect(admin[DEFAULT_LIMIT]!.body).toMatchObject({ error: { code: 'RATE_LIMITED', details: [] } });
    expect(Number(admin[DEFAULT_LIMIT]!.retryAfter)).toBeGreaterThanOrEqual(1);
    // Health is never limited.
    for (let i = 0; i < DEFAULT_LIMIT + 2; i++) expect((await fetch(`${baton.url}/healthz`)).status).toBe(200);
  } finally {
    if (down) await redis.start(); // closing the harness needs its Redis
    await baton.close();
    await redis.stop();
  }
});
