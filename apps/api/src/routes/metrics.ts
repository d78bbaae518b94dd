import { Router } from 'express';
import type { AppDeps } from '../app-deps';
import { guard } from '../route-permissions';
import { allowQuery } from '../query-params';

/** `GET /metrics`: the process's Prometheus series, for authenticated scrapers. */
export function metricsRoutes({ metrics }: Pick<AppDeps, 'metrics'>): Router {
  const router = Router();

  router.get('/metrics', guard('GET /metrics'), allowQuery(), async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return router;
}
