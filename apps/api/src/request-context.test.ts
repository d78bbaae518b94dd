import type { Server } from 'node:http';
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
