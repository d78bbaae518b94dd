import { Router } from 'express';
import { BatonError } from '@baton/core';
import type { AppDeps } from '../app-deps';
import { within } from '../readiness';
import { guard } from '../route-permissions';

/** Each dependency check gets this long before it counts as down. */
const CHECK_MS = 1000;

/** `/healthz` and `/readyz`: no credentials, for load balancers and orchestrators. */
export function healthRoutes({ readiness }: Pick<AppDeps, 'readiness'>): Router {
  const router = Router();

  router.get('/healthz', guard('GET /healthz'), (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', guard('GET /readyz'), async (_req, res) => {
    const [redis, postgres] = await Promise.all([
      within(Promise.resolve().then(() => readiness.redis()), CHECK_MS, false),
      within(Promise.resolve().then(() => readiness.postgres()), CHECK_MS, false),
    ]);
    if (!redis || !postgres) {
      const down = [...(redis ? [] : ['redis']), ...(postgres ? [] : ['postgres'])];
      throw new BatonError('UNAVAILABLE', `not ready: ${down.join(' and ')} unreachable`,
        down.map((path) => ({ path, message: `down or no answer within ${CHECK_MS} ms` })));
    }
    res.json({ status: 'ready', redis: 'up', postgres: 'up' });
  });

  return router;
}
