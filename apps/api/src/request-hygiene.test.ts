import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import express from 'express';
import type { Logger } from '@baton/telemetry';
import { errorMiddleware, notFound } from './error-middleware';
import { jsonBody } from './json-body';
import { wellFormedPath } from './well-formed-path';

// Malformed bodies, encodings and paths through the real middleware chain: each a 4xx in the error shape, none a 500.

const logged: string[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => void logged.push(message),
  error: (message) => void logged.push(message),
  child: () => logger,
};

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(wellFormedPath);
  app.use(jsonBody('1kb'));
  app.post('/echo', (req, res) => {
    res.json({ body: req.body ?? null });
  });
  app.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.get('/uri-error', () => {
    throw Object.assign(new URIError('URI malformed'), { status: 400 });
  });
  app.get('/client-error', () => {
    throw Object.assign(new Error('request size did not match content length'), { status: 400, expose: true });
  });
  app.use(notFound);
  app.use(errorMiddleware(logger));
  server = app.listen(0, '127.0.0.1');
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
  return { status: res.status, body: JSON.parse(text) as { error?: { code: string; message: string; details: Array<{ path: string; message: string }> } } };
}

const post = (body: RequestInit['body'], headers: Record<string, string>) => call('/echo', { method: 'POST', headers, body });

describe('Content-Encoding', () => {
  it('reads a gzip body that is gzip', async () => {
    expect(await post(gzipSync('{"a":1}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toEqual({ status: 200, body: { body: { a: 1 } } });
  });

  it.each(['gzip', 'deflate', 'br', 'GZIP'])('answers 400 naming Content-Encoding when a body is not %s, and logs no error', async (encoding) => {
    const res = await post('{"a":1}', { 'content-type': 'application/json', 'content-encoding': encoding });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', details: [{ path: 'Content-Encoding', message: expect.any(String) }] });
    expect(logged).toEqual([]);
  });

  it('answers 400 for a truncated gzip body', async () => {
    const res = await post(gzipSync('{"a":1}').subarray(0, 12), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('BAD_REQUEST');
  });

  it('answers 413 for a gzip body that inflates past the body limit', async () => {
    const res = await post(gzipSync(JSON.stringify({ a: 'x'.repeat(100_000) })), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
  });

  it.each(['compress', 'gzip, gzip', 'x-custom'])('answers 415 naming Content-Encoding for %s', async (encoding) => {
    const res = await post('{"a":1}', { 'content-type': 'application/json', 'content-encoding': encoding });
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('Content-Encoding'), details: [{ path: 'Content-Encoding' }] });
  });
});

describe('other client errors of the body reader', () => {
  it('are a 400 with a generic message, not a 500', async () => {
    const res = await call('/client-error');
    expect(res).toEqual({ status: 400, body: { error: { code: 'BAD_REQUEST', message: 'request body could not be read', details: [] } } });
  });
});

describe('Content-Type', () => {
  it('says a missing or empty type is missing, not `" is not application/json"`', async () => {
    for (const headers of [{ 'content-type': '' }, { 'content-type': '   ' }]) {
      const res = await post('{"a":1}', headers);
      expect(res.status).toBe(415);
      expect(res.body.error?.details).toEqual([{ path: 'Content-Type', message: 'is missing: send application/json' }]);
    }
  });

  it('quotes a wrong type', async () => {
    const res = await post('a', { 'content-type': 'text/plain' });
    expect(res.body.error?.details).toEqual([{ path: 'Content-Type', message: '"text/plain" is not application/json' }]);
  });
});

describe('percent-encoding in the path', () => {
  it.each(['/things/%zz', '/things/%', '/things/%E0%A4%A', '/nowhere/%zz'])('answers %s with a 404 in the error shape, not a 500', async (path) => {
    const res = await call(path);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', details: [{ path: 'path', message: 'is not valid percent-encoding' }] });
    expect(logged).toEqual([]);
  });

  it('answers a URIError from deeper down (the router decoding a parameter) with a 404', async () => {
    expect(await call('/uri-error')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(logged).toEqual([]);
  });

  it('still decodes a valid one', async () => {
    expect(await call('/things/a%20b')).toEqual({ status: 200, body: { id: 'a b' } });
  });
});
