import { Router } from 'express';
import type { AppDeps } from '../app-deps';
import { requirePermission } from '../auth-middleware';
import { allowQuery } from '../query-params';

export function agentRoutes({ agents }: Pick<AppDeps, 'agents'>): Router {
  const router = Router();

  router.get('/v1/agents', requirePermission('agent.read'), allowQuery(), async (_req, res) => {
    res.json({ items: await agents.list() });
  });

  return router;
}
