import { Router } from 'express';
import { getPayload, type UseCaseDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { guard } from '../route-permissions';
import { allowQuery } from '../query-params';

/**
 * `GET /v1/payloads/:id`: one stored value, as the `{ "$ref": "/v1/payloads/<id>" }` links of
 * `GET /v1/runs/:id` point at it.
 */
export function payloadRoutes(deps: UseCaseDeps): Router {
  const router = Router();

  router.get('/v1/payloads/:id', guard('GET /v1/payloads/:id'), allowQuery(), async (req, res) => {
    res.json(await getPayload(deps, principalOf(req), { id: req.params.id }));
  });

  return router;
}
