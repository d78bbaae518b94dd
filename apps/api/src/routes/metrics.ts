import { Router } from 'express';
import type { AppDeps } from '../app-deps';
import { requirePermission } from '../auth-middleware';
import { allowQuery } from '../query-params';

/** `GET /metrics`: the process's Prometheus series, for authenticated scrapers. */
export function metricsRoutes({ metrics }: Pick<AppDeps, 'metrics'>): Router {
  const router = Router();

  router.get('/metrics', requirePermission('metrics.read'), allowQuery(), async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}
