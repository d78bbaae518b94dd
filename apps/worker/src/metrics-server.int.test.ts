import { createServer } from 'node:http';
import type { Logger } from '@baton/telemetry';
import { serveMetrics } from './metrics-server';

function recordingLogger() {
  const lines: Array<[string, string, unknown]> = [];
  const logger: Logger = {
    debug: (m, meta) => lines.push(['debug', m, meta]),
    info: (m, meta) => lines.push(['info', m, meta]),
    warn: (m, meta) => lines.push(['warn', m, meta]),
    error: (m, meta) => lines.push(['error', m, meta]),
    child: () => logger,
  };
  return { lines, logger };
}

const source = { contentType: 'text/plain; version=0.0.4; charset=utf-8', metrics: async () => 'baton_steps_total{agent="echo",status="succeeded"} 3\n' };

describe('serveMetrics', () => {
  it('serves GET /metrics as Prometheus text, and nothing else', async () => {
    const server = (await serveMetrics({ port: 0, host: '127.0.0.1', source, logger: recordingLogger().logger }))!;
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(source.contentType);
      expect(await res.text()).toBe('baton_steps_total{agent="echo",status="succeeded"} 3\n');
      expect((await fetch(`${base}/metrics?x=1`)).status).toBe(200);
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('serves /healthz without checking anything, and /readyz with every check: 503 when one fails', async () => {
    let ready = true;
    const readiness = async () => ({ ready, checks: { redis: { ok: ready, latencyMs: 1.5, ...(ready ? {} : { reason: 'unreachable (ECONNREFUSED)' }) } } });
    const server = (await serveMetrics({ port: 0, host: '127.0.0.1', source, readiness, logger: recordingLogger().logger }))!;
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      const up = await fetch(`${base}/readyz`);
      expect([up.status, await up.json()]).toEqual([200, { status: 'ready', checks: { redis: { ok: true, latencyMs: 1.5 } } }]);
      ready = false;
      const down = await fetch(`${base}/readyz`);
      expect([down.status, await down.json()]).toEqual([503, { status: 'unavailable', checks: { redis: { ok: false, latencyMs: 1.5, reason: 'unreachable (ECONNREFUSED)' } } }]);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('answers 500 when collecting fails, and logs why', async () => {
    const { lines, logger } = recordingLogger();
    const server = (await serveMetrics({ port: 0, host: '127.0.0.1', source: { contentType: 'text/plain', metrics: () => Promise.reject(new Error('collector threw')) }, logger }))!;
    try {
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(500);
      expect(lines).toEqual([['warn', 'collecting metrics failed', { error: 'Error: collector threw' }]]);
    } finally {
      await server.close();
    }
  });

  it('logs a port it cannot listen on as an error, and serves nothing', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const { lines, logger } = recordingLogger();
      expect(await serveMetrics({ port, host: '127.0.0.1', source, logger })).toBeUndefined();
      expect(lines).toEqual([['error', 'metrics not served: cannot listen on METRICS_PORT (set another port, or 0 for none)', { port, error: expect.stringContaining('EADDRINUSE') }]]);
    } finally {
      taken.close();
    }
  });
});
