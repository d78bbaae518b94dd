import { Router } from 'express';
import { BatonError } from '@baton/core';
import { signalRun, type UseCaseDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { guard } from '../route-permissions';
import { allowQuery } from '../query-params';

/**
 * `POST /v1/runs/:id/signals/:name`: the body, any JSON value (an empty body is null), resumes the
 * step waiting for that signal as its output, or is kept for a wait step yet to wait. 202, or 404.
 */
export function signalRoutes(deps: UseCaseDeps): Router {
  const router = Router();

  router.post('/v1/runs/:id/signals/:name', guard('POST /v1/runs/:id/signals/:name'), allowQuery(), async (req, res) => {
    // The body parser reads YAML types as text for definitions: a signal's payload is JSON only.
    if (req.body !== undefined && !req.is(['application/json', 'application/*+json'])) throw new BatonError('UNSUPPORTED_MEDIA_TYPE', 'a signal\'s payload must be application/json', [{ path: 'Content-Type', message: 'send application/json' }]);
    req.log = req.log.child({ runId: req.params.id });
    res.status(202).json(await signalRun(deps, principalOf(req), { id: req.params.id, name: req.params.name, payload: req.body ?? null }));
  });

  return router;
}
