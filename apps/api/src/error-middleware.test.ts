import type { Logger } from '@baton/telemetry';
import type { Server } from 'node:http';
import express from 'express';
import { BatonError, type ErrorCode } from '@baton/core';
import { createLogger, createMetrics } from '@baton/telemetry';
import { errorMiddleware, notFound, toErrorAnswer } from './error-middleware';
import { jsonBody } from './json-body';
import { requestContext } from './request-context';

const logged: Array<{ level: string; message: string; meta?: Record<string, unknown> }> = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, meta) => void logged.push({ level: 'warn', message, meta }),
  error: (message, meta) => void logged.push({ level: 'error', message, meta }),
  child: () => logger,
};

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(requestContext(createLogger({ service: 'test', silent: true }), createMetrics({ defaultMetrics: false })));
  app.use(jsonBody('100b'));
  app.post('/echo', (req, res) => {
    res.json({ body: req.body ?? null });
  });
  app.get('/baton', () => {
    throw new BatonError('VALIDATION_FAILED', 'bad', [{ path: 'steps[0].id', message: 'duplicate' }]);
  });
  app.get('/conflict', async () => {
    throw new BatonError('IDEMPOTENCY_CONFLICT', 'key reused');
  });
  app.get('/unmapped', () => {
    throw new BatonError('SOMETHING_NEW' as ErrorCode, 'internal detail'); // forced past the closed union
  });
  app.get('/bug', async () => {
    throw new Error('secret SQL: SELECT * FROM runs');
  });
  app.get('/pg-down', async () => {
    throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  });
  app.get('/redis-down', async () => {
    throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
  });
  app.use(notFound);
  app.use(errorMiddleware(logger));
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  logged.length = 0;
});

async function call(path: string, init?: RequestInit) {
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

describe('errorMiddleware', () => {
  it('answers a BatonError with its status, code, message and details', async () => {
    const res = await call('/baton');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'bad', details: [{ path: 'steps[0].id', message: 'duplicate' }] } });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(logged).toEqual([]);
  });

  it('handles rejected promises of async handlers', async () => {
    const res = await call('/conflict');
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({ code: 'IDEMPOTENCY_CONFLICT', message: 'key reused', details: [] });
  });

  it('answers 500 INTERNAL for a bug, without the message or a stack, and logs it with the request id', async () => {
    const res = await call('/bug', { headers: { 'X-Request-Id': 'req-123' } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error', details: [] } });
    expect(res.text).not.toMatch(/SELECT|at .*\.ts/);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(logged).toEqual([expect.objectContaining({ level: 'error', meta: expect.objectContaining({ requestId: 'req-123', error: expect.stringContaining('SELECT') }) })]);
  });

  it('answers 500 for a BatonError code it has no status for, without its message', async () => {
    const res = await call('/unmapped');
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'INTERNAL', message: 'internal error' });
  });

  it.each([['/pg-down', 'database'], ['/redis-down', 'Redis']])('answers 503 UNAVAILABLE when a dependency is down (%s)', async (path, what) => {
    const res = await call(path);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
    expect(res.body.error.message).toContain(what);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(logged[0]).toMatchObject({ level: 'warn' });
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const res = await call('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', details: [] });
  });
});

describe('JSON bodies', () => {
  const post = (body: string, type = 'application/json') => call('/echo', { method: 'POST', headers: { 'Content-Type': type }, body });

  it('parses JSON', async () => {
    expect(await post('{"a":1}')).toMatchObject({ status: 200, body: { body: { a: 1 } } });
    expect(await post('{"a":1}', 'application/merge-patch+json')).toMatchObject({ status: 200 });
  });

  it('answers 413 above the body limit', async () => {
    const res = await post(JSON.stringify({ a: 'x'.repeat(200) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 400 INVALID_JSON for malformed JSON and for a bare scalar', async () => {
    for (const body of ['{"a":', '42']) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_JSON');
      expect(res.text).not.toMatch(/Unexpected|position/);
    }
  });

  it('answers 415 for another content type, or none, with a body', async () => {
    expect((await post('a=1', 'text/plain')).status).toBe(415);
    expect((await post('a=1', 'application/x-www-form-urlencoded')).body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const none = await call('/echo', { method: 'POST', body: new Blob(['{}']) });
    expect(none.status).toBe(415);
  });

  it('accepts a POST without a body, whatever its content type', async () => {
    expect(await call('/echo', { method: 'POST' })).toMatchObject({ status: 200, body: { body: null } });
    expect(await call('/echo', { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': '0' } })).toMatchObject({ status: 200 });
  });
});

describe('toErrorAnswer', () => {
  it('answers each BatonError with the status of API.md for its code', () => {
    const statuses = Object.fromEntries((['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'IDEMPOTENCY_CONFLICT',
      'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED', 'UNAVAILABLE'] as const).map((code) => [code, toErrorAnswer(new BatonError(code, 'x')).status]));
    expect(statuses).toEqual({
      VALIDATION_FAILED: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, IDEMPOTENCY_CONFLICT: 409,
      PAYLOAD_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, RATE_LIMITED: 429, UNAVAILABLE: 503,
    });
  });

  it('maps body-parser charset errors to 415', () => {
    expect(toErrorAnswer({ type: 'charset.unsupported' }).status).toBe(415);
  });
});
