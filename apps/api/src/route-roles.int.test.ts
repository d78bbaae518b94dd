// Every role on every route of ROUTE_PERMISSIONS, through HTTP with JWTs: a 403 FORBIDDEN where
// the role is below the route's action, anything but 401/403 where it is allowed. A route added to
// the table is covered here without a new line. Also JWTs refused through HTTP.
import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { ROLES, can, type Role } from '@baton/auth';
import { createTestDatabase, type TestDatabase } from '@baton/db/testing';
import { AgentRegistry, createRedis } from '@baton/queue';
import { createLogger } from '@baton/telemetry';
import type { Redis } from 'ioredis';
import { loadConfig } from './config';
import { PUBLIC, ROUTE_PERMISSIONS } from './route-permissions';
import { startApi, type RunningApi } from './start-api';

jest.setTimeout(60_000);

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `baton-roles-test-${randomUUID().slice(0, 8)}`;
const SECRET = 'a-jwt-secret-for-the-role-tests-32+';

let database: TestDatabase;
let redis: Redis;
let api: RunningApi;
let jwksApi: RunningApi;
let jwks: Server;
let served: Array<{ kid: string; key: KeyObject }> = [];

/** JWTs made by hand (jsonwebtoken is @baton/auth's dependency, not the api's): HS256, RS256 or ES256. */
const jwt = {
  sign(payload: object, key: string | KeyObject, { algorithm, keyid }: { algorithm: 'HS256' | 'RS256' | 'ES256'; keyid?: string }): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part({ alg: algorithm, typ: 'JWT', ...(keyid ? { kid: keyid } : {}) })}.${part(payload)}`;
    const signature = typeof key === 'string'
      ? createHmac('sha256', key).update(input).digest()
      : sign('sha256', Buffer.from(input), algorithm === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
    return `${input}.${signature.toString('base64url')}`;
  },
};

const exp = () => Math.floor(Date.now() / 1000) + 300;
const tokenOf = (role: Role, extra: Record<string, unknown> = {}) => jwt.sign({ sub: `${role}-user`, roles: [role], exp: exp(), ...extra }, SECRET, { algorithm: 'HS256' });

beforeAll(async () => {
  database = await createTestDatabase({ prefix: 'baton_roles' });
  redis = createRedis(REDIS_URL, 'worker');
  await new AgentRegistry({ connection: redis, prefix }).register('test-worker', [{ name: 'echo', description: 'returns its input' }], 60_000);
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: served.map(({ kid, key }) => ({ ...key.export({ format: 'jwk' }), kid, use: 'sig' })) }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksPort = (jwks.address() as { port: number }).port;
  const common = { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, REDIS_URL, BATON_QUEUE_PREFIX: prefix, DB_POOL_SIZE: '3' };
  const logger = createLogger({ service: 'roles-test', silent: true });
  api = await startApi(loadConfig({ ...common, BATON_JWT_SECRET: SECRET }), logger);
  jwksApi = await startApi(loadConfig({ ...common, BATON_JWT_JWKS_URL: `http://127.0.0.1:${jwksPort}/jwks.json`, BATON_JWT_AUDIENCE: 'baton', BATON_JWT_ISSUER: 'https://idp.test' }), logger);
});

afterAll(async () => {
  await Promise.all([api?.close(), jwksApi?.close()]);
  if (jwks) await new Promise((resolve) => jwks.close(resolve));
  await database?.drop();
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

async function call(target: RunningApi, method: string, path: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${target.port}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: { error?: { code: string; message: string; details: unknown } } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // not JSON (metrics, the board's HTML)
  }
  return { status: res.status, error: parsed.error };
}

/** A request for a route key: `:params` filled in, a body for methods that take one. */
function requestOf(route: string): { method: string; path: string; body?: unknown } {
  const [verb, template] = route.split(' ') as [string, string];
  const path = template.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === 'id' ? randomUUID() : 'x'));
  if (verb === 'USE') return { method: 'GET', path: `${path}/` };
  return ['POST', 'PUT', 'PATCH'].includes(verb) ? { method: verb, path, body: {} } : { method: verb, path };
}

const routes = Object.entries(ROUTE_PERMISSIONS);
const cases = routes.flatMap(([route, permission]) => ROLES.map((role) => [route, role, permission] as const));

describe('every role on every route', () => {
  it.each(cases)('%s as %s', async (route, role, permission) => {
    const { method, path, body } = requestOf(route);
    const answer = await call(api, method, path, tokenOf(role), body);
    if (permission !== PUBLIC && !can({ tenant: 'default', role, subject: 'x' }, permission)) {
      expect(answer).toEqual({ status: 403, error: { code: 'FORBIDDEN', message: expect.any(String), details: expect.any(Array) } });
    } else {
      expect([401, 403]).not.toContain(answer.status);
    }
  });

  it.each(routes.filter(([, permission]) => permission !== PUBLIC))('%s without credentials is a 401', async (route) => {
    const { method, path, body } = requestOf(route);
    expect((await call(api, method, path, undefined, body)).status).toBe(401);
  });
});

describe('JWTs through HTTP', () => {
  it('records the submitter of a run as jwt:<sub>, in the token\'s tenant', async () => {
    const workflow = { name: 'jwt', steps: [{ id: 'a', agent: 'echo', input: { text: 'hi' } }] };
    const res = await fetch(`http://127.0.0.1:${api.port}/v1/runs`, {
      method: 'POST', headers: { Authorization: `Bearer ${tokenOf('submitter', { tenant: 'acme' })}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ workflow }),
    });
    const { id } = (await res.json()) as { id: string };
    expect(res.status).toBe(202);
    expect((await call(api, 'GET', `/v1/runs/${id}`, tokenOf('viewer', { tenant: 'acme' }))).status).toBe(200);
    expect((await call(api, 'GET', `/v1/runs/${id}`, tokenOf('admin'))).status).toBe(404);
  });

  it.each<[string, () => string, RegExp]>([
    ['expired', () => jwt.sign({ sub: 'u', roles: ['admin'], exp: Math.floor(Date.now() / 1000) - 60 }, SECRET, { algorithm: 'HS256' }), /expired/],
    ['forged', () => jwt.sign({ sub: 'u', roles: ['admin'], exp: exp() }, `${SECRET}-not`, { algorithm: 'HS256' }), /signature/],
    ['alg none', () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u', roles: ['admin'], exp: exp() })).toString('base64url')}.`, /algorithm/],
    ['without exp', () => jwt.sign({ sub: 'u', roles: ['admin'] }, SECRET, { algorithm: 'HS256' }), /no exp/],
    ['without a known role', () => jwt.sign({ sub: 'u', roles: ['root'], exp: exp() }, SECRET, { algorithm: 'HS256' }), /no known role/],
  ])('refuses a token %s with 401', async (_, token, message) => {
    const answer = await call(api, 'GET', '/v1/runs', token());
    expect(answer).toEqual({ status: 401, error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(message), details: [] } });
  });

  it('verifies a JWKS key by kid, fetches a rotated one, checks iss and aud, and refuses HS256 signed with the public key', async () => {
    const first = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    served = [{ kid: 'k1', key: first.publicKey }];
    const claims = { sub: 'u', roles: ['viewer'], exp: exp(), iss: 'https://idp.test', aud: 'baton' };
    expect((await call(jwksApi, 'GET', '/v1/runs', jwt.sign(claims, first.privateKey, { algorithm: 'RS256', keyid: 'k1' }))).status).toBe(200);
    served = [{ kid: 'k2', key: second.publicKey }];
    expect((await call(jwksApi, 'GET', '/v1/runs', jwt.sign(claims, second.privateKey, { algorithm: 'ES256', keyid: 'k2' }))).status).toBe(200);
    for (const wrong of [{ aud: 'other' }, { iss: 'https://evil.test' }]) {
      expect((await call(jwksApi, 'GET', '/v1/runs', jwt.sign({ ...claims, ...wrong }, second.privateKey, { algorithm: 'ES256', keyid: 'k2' }))).status).toBe(401);
    }
    const pem = second.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'k2' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url')}`;
    const confused = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(await call(jwksApi, 'GET', '/v1/runs', confused)).toMatchObject({ status: 401, error: { code: 'UNAUTHENTICATED' } });
  });
});
