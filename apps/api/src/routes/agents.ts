import { Router } from 'express';
import { pauseAgent, resumeAgent, type AgentPauseDeps, type UseCaseDeps } from '@baton/runtime';
import type { AppDeps } from '../app-deps';
import { principalOf } from '../auth-middleware';
import { guard } from '../route-permissions';
import { allowQuery } from '../query-params';

/** `/v1/agents`: the registered agents (a paused one says who paused it, why and when); admins pause and resume one fleet-wide. */
export function agentRoutes(deps: AgentPauseDeps & Pick<UseCaseDeps, 'agentPauses'> & { directory: AppDeps['agents'] }): Router {
  const router = Router();

  router.get('/v1/agents', guard('GET /v1/agents'), allowQuery(), async (_req, res) => {
    const [items, paused] = await Promise.all([deps.directory.list(), deps.agentPauses?.paused() ?? new Map()]);
    res.json({ items: items.map((a) => {
      const pause = paused.get(a.name);
      return pause ? { ...a, paused: { by: pause.by, ...(pause.reason === undefined ? {} : { reason: pause.reason }), at: pause.at.toISOString() } } : a;
    }) });
  });

  router.post('/v1/agents/:name/pause', guard('POST /v1/agents/:name/pause'), allowQuery(), async (req, res) => {
    res.status(202).json(await pauseAgent(deps, principalOf(req), { name: req.params.name }));
  });

  router.post('/v1/agents/:name/resume', guard('POST /v1/agents/:name/resume'), allowQuery(), async (req, res) => {
    res.status(202).json(await resumeAgent(deps, principalOf(req), { name: req.params.name }));
  });

  return router;
}
