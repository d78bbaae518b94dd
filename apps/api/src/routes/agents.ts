import { Router } from 'express';
import type { AppDeps } from '../app-deps';
import { guard } from '../route-permissions';
import { allowQuery } from '../query-params';

export function agentRoutes({ agents }: Pick<AppDeps, 'agents'>): Router {
  const router = Router();

  router.get('/v1/agents', guard('GET /v1/agents'), allowQuery(), async (_req, res) => {
    res.json({ items: await agents.list() });
  });

  return router;
}
