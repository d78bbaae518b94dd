import type { Server } from 'node:http';
import express from 'express';
import { createLogger } from '@baton/telemetry';
import { adminKeyAuthenticator, chainAuthenticators, openAuthenticator, type Authenticator } from '@baton/auth';
import { authenticate, requirePermission } from './auth-middleware';
import { errorMiddleware } from './error-middleware';

const KEY = 'an-admin-key-of-32-characters!!!';

async function serve(authenticator: Authenticator): Promise<{ base: string; close: () => Promise<void> }> {
  const app = express();
  app.use('/v1', authenticate(authenticator));
  app.get('/v1/read/:id', requirePermission('run.read'), (req, res) => {
    res.json({ principal: req.principal, id: req.params.id });
  });
  app.post('/v1/operate', requirePermission('run.retry'), (_req, res) => {
    res.status(202).json({});
  });
  app.use(errorMiddleware(createLogger({ service: 'test', silent: true })));
  const server: Server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  return {
    base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('with an admin key configured', () => {
  let api: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    api = await serve(adminKeyAuthenticator(KEY));
  });
  afterAll(() => api.close());

  it('accepts the key as X-API-Key or as a Bearer token, as admin of tenant default', async () => {
    const cases: Array<Record<string, string>> = [{ 'X-API-Key': KEY }, { Authorization: `Bearer ${KEY}` }, { authorization: `bearer ${KEY}` }];
    for (const headers of cases) {
      const res = await fetch(`${api.base}/v1/read/7`, { headers });
      expect(res.status).toBe(200);
      expect((await res.json()) as { error: { code: string } }).toEqual({ principal: { tenant: 'default', role: 'admin', subject: 'admin-key' }, id: '7' });
    }
  });

  it('answers 401 UNAUTHENTICATED without credentials or with a wrong key', async () => {
    const cases: Array<Record<string, string>> = [{}, { 'X-API-Key': 'wrong' }, { 'X-API-Key': `${KEY}x` }, { Authorization: `Basic ${KEY}` }];
    for (const headers of cases) {
      const res = await fetch(`${api.base}/v1/read/7`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('without an admin key', () => {
  it('lets everyone in as admin of tenant default', async () => {
    const api = await serve(openAuthenticator());
    try {
      const res = await fetch(`${api.base}/v1/read/1`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { principal: unknown }).principal).toMatchObject({ tenant: 'default', role: 'admin' });
    } finally {
      await api.close();
    }
  });
});

describe('requirePermission', () => {
  const viewer: Authenticator = { authenticate: async (c) => (c === 'viewer-key' ? { tenant: 't1', role: 'viewer', subject: 'v' } : undefined) };

  it('lets a role through where can() allows the action and answers 403 elsewhere', async () => {
    const api = await serve(chainAuthenticators(viewer, adminKeyAuthenticator(KEY)));
    try {
      const headers = { 'X-API-Key': 'viewer-key' };
      expect((await fetch(`${api.base}/v1/read/1`, { headers })).status).toBe(200);
      const denied = await fetch(`${api.base}/v1/operate`, { method: 'POST', headers });
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      // admin may do everything
      expect((await fetch(`${api.base}/v1/operate`, { method: 'POST', headers: { 'X-API-Key': KEY } })).status).toBe(202);
    } finally {
      await api.close();
    }
  });
});
