import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import express, { Router } from 'express';
import { createLogger, createMetrics } from '@baton/telemetry';
import { errorMiddleware, notFound } from './error-middleware';
import { requestContext } from './request-context';

const metrics = createMetrics({ defaultMetrics: false });
let server: Server;
let base: string;

beforeAll(async () => {
  const logger = createLogger({ service: 'test', silent: true });
  const app = express();
  app.use(requestContext(logger, metrics));
  const router = Router();
  router.get('/v1/things/:id', (req, res) => {
    res.json({ id: req.params.id, requestId: req.requestId });
  });
  router.get('/v1/broken/:id', async () => {
    throw new Error('bug');
  });
  app.use(router);
  app.use(notFound);
  app.use(errorMiddleware(logger));
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('requestContext', () => {
  it('keeps a plain X-Request-Id and echoes it', async () => {
    const res = await fetch(`${base}/v1/things/1`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(((await res.json()) as { requestId: string }).requestId).toBe('abc-123');
  });

  it('generates an id when there is none or it is not plain', async () => {
    const cases: Array<Record<string, string>> = [{}, { 'X-Request-Id': 'a b\tc' }, { 'X-Request-Id': 'x'.repeat(200) }];
    for (const headers of cases) {
      const res = await fetch(`${base}/v1/things/1`, { headers });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('labels the HTTP metrics with the route template, not the path', async () => {
    await fetch(`${base}/v1/things/2`);
    await fetch(`${base}/v1/things/3`);
    await fetch(`${base}/v1/broken/4`);
    await fetch(`${base}/no/such/path`);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/baton_http_requests_total\{method="GET",route="\/v1\/things\/:id",status="200"\} [3-9]/);
    expect(text).toContain('baton_http_requests_total{method="GET",route="/v1/broken/:id",status="500"} 1');
    expect(text).toContain('baton_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toMatch(/baton_http_request_duration_seconds_count\{method="GET",route="\/v1\/things\/:id"\} \d/);
    expect(text).not.toMatch(/route="\/v1\/things\/\d/);
  });
});

describe('requestContext without tracing', () => {
  const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it("keeps a client's valid traceparent for the run and puts its trace id on the request's log lines; ignores a bad one", async () => {
    const stream = new PassThrough();
    const lines: Array<Record<string, unknown>> = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)));
    const app = express();
    app.use(requestContext(createLogger({ service: 'test', format: 'json', stream }), createMetrics({ defaultMetrics: false })));
    app.get('/v1/trace', (req, res) => {
      res.json({ traceparent: req.traceparent ?? null });
    });
    const traced = app.listen(0);
    await new Promise((resolve) => traced.once('listening', resolve));
    const url = `http://127.0.0.1:${(traced.address() as { port: number }).port}/v1/trace`;
    try {
      const sent = await fetch(url, { headers: { traceparent: TRACE, 'X-Request-Id': 'with-trace' } });
      expect(await sent.json()).toEqual({ traceparent: TRACE });
      const bad = await fetch(url, { headers: { traceparent: '00-zz-00-01', 'X-Request-Id': 'bad-trace' } });
      expect(await bad.json()).toEqual({ traceparent: null });
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines.find((l) => l.requestId === 'with-trace')).toMatchObject({ message: 'request', route: '/v1/trace', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
      expect(lines.find((l) => l.requestId === 'bad-trace')).not.toHaveProperty('traceId');
    } finally {
      await new Promise((resolve) => traced.close(resolve));
    }
  });
});
