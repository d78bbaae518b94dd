import { Router } from 'express';
import { tenantPayloads } from '@baton/db';
import { BatonError } from '@baton/core';
import type { AppDeps } from '../app-deps';
import { principalOf, requirePermission } from '../auth-middleware';
import { isUuid } from '../cursor';
import { hydrateWithin } from '../hydrate-within';
import { allowQuery } from '../query-params';

/** A 404 for a payload that does not exist, is not a UUID or belongs to another tenant's run: all look alike. */
const payloadNotFound = (id: string) => new BatonError('PAYLOAD_NOT_FOUND', `payload ${id.slice(0, 100)} not found`);

/**
 * `GET /v1/payloads/:id`: one stored value, as the `{ "$ref": "/v1/payloads/<id>" }` links of
 * `GET /v1/runs/:id` point at it. The value is served whole; values stored inside it by reference
 * are inlined within the response budget, like a run's, and linked beyond it.
 */
export function payloadRoutes({ db }: Pick<AppDeps, 'db'>, budgetBytes: number): Router {
  const router = Router();

  router.get('/v1/payloads/:id', requirePermission('run.read'), allowQuery(), async (req, res) => {
    const { tenant } = principalOf(req);
    const { id } = req.params;
    if (!isUuid(id)) throw payloadNotFound(id);
    const found = await tenantPayloads(db.kysely, tenant, [id]);
    if (!found.has(id)) throw payloadNotFound(id);
    res.json(await hydrateWithin(found.get(id), budgetBytes, (ids) => tenantPayloads(db.kysely, tenant, ids)));
  });

  return router;
}
