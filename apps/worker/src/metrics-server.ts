import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@baton/telemetry';

/** What the server exposes: prom-client's `Registry` fits. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServer {
  /** The port it listens on (the one asked for, or the one the system gave for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** What `/readyz` answers: `readinessCheck` of `@baton/runtime`. */
export type ReadinessSource = () => Promise<{ ready: boolean; checks: Record<string, { ok: boolean; latencyMs: number; reason?: string }> }>;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/**
 * Serves on `port` (every interface unless `host` says otherwise) `GET /metrics` (the Prometheus
 * text format), `GET /healthz` (liveness: the process answers; no dependency is checked) and
 * `GET /readyz` (each of `readiness`'s checks with its latency; 503 when one fails); anything
 * else is a 404. A port that cannot be listened on (in use, say) is logged as an error and the
 * worker runs on without it: metrics are not worth stopping steps for.
 * @returns undefined when it could not listen.
 */
export async function serveMetrics(options: { port: number; host?: string; source: MetricsSource; readiness?: ReadinessSource; logger: Logger }): Promise<MetricsServer | undefined> {
  const { source, logger, readiness } = options;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && path === '/healthz') return json(res, 200, { status: 'ok' });
    if (read && path === '/readyz' && readiness) {
      readiness().then(
        ({ ready, checks }) => json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks }),
        (error: unknown) => json(res, 503, { status: 'unavailable', error: String(error) }),
      );
      return;
    }
    if (!read || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the worker serves GET /metrics, /healthz and /readyz only\n');
      return;
    }
    source.metrics().then(
      (text) => res.writeHead(200, { 'content-type': source.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (error: unknown) => {
        logger.warn('collecting metrics failed', { error: String(error) });
        res.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    logger.error('metrics not served: cannot listen on METRICS_PORT (set another port, or 0 for none)', { port: options.port, error: String(error) });
    return undefined;
  }
  // Later errors on accepted connections are theirs alone.
  server.on('error', (error) => logger.warn('metrics server error', { error: String(error) }));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
