import { Router } from 'express';
import type { AppDeps } from '../app-deps';
import { guard } from '../route-permissions';

/**
 * `/healthz` (liveness: the process answers; it checks no dependency, so a Redis outage never
 * gets the api restarted) and `/readyz` (readiness: every check of `Readiness`, each with its
 * result and latency; any failure is a 503 carrying the same checks and the API.md error shape).
 * No credentials: for load balancers and orchestrators.
 */
export function healthRoutes({ readiness }: Pick<AppDeps, 'readiness'>): Router {
  const router = Router();

  router.get('/healthz', guard('GET /healthz'), (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', guard('GET /readyz'), async (_req, res) => {
    const { ready, checks } = await readiness.check();
    if (ready) {
      res.json({ status: 'ready', checks });
      return;
    }
    const failed = Object.entries(checks).filter(([, c]) => !c.ok);
    res.status(503).json({
      status: 'unavailable',
      checks,
      error: {
        code: 'UNAVAILABLE',
        message: `not ready: ${failed.map(([name]) => name).join(', ')}`,
        details: failed.map(([path, c]) => ({ path, message: c.reason ?? 'failed' })),
      },
    });
  });

  return router;
}
