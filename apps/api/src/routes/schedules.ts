import { Router } from 'express';
import { BatonError } from '@baton/core';
import { listSchedules, type ScheduleDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { allowQuery } from '../query-params';
import { guard } from '../route-permissions';

/** `GET /v1/schedules`: the caller's templates with a schedule, with their next fire time. */
export function scheduleRoutes(deps: ScheduleDeps | undefined): Router {
  const router = Router();
  router.get('/v1/schedules', guard('GET /v1/schedules'), allowQuery(), async (req, res) => {
    if (!deps) throw new BatonError('NOT_CONFIGURED', 'schedules are not available on this api');
    res.json(await listSchedules(deps, principalOf(req)));
  });
  return router;
}
