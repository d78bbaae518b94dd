import { Router } from 'express';
import { z } from 'zod';
import { BatonError } from '@baton/core';
import { BULK_ACTIONS, getBulkOperation, startBulkOperation, type BulkOperationDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { guard } from '../route-permissions';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';

const RUN_STATUSES = ['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
const instant = z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

export const StartBulkOperationBody = z.object({
  action: z.enum(BULK_ACTIONS, { errorMap: () => ({ message: `must be one of ${BULK_ACTIONS.join(', ')}` }) }),
  filter: z.object({
    status: z.array(z.enum(RUN_STATUSES, { errorMap: () => ({ message: `must be one of ${RUN_STATUSES.join(', ')}` }) })).min(1).max(RUN_STATUSES.length).optional(),
    workflow: z.string().min(1).max(200).optional(),
    template: z.string().min(1).max(200).optional(),
    createdAfter: instant.optional(),
    createdBefore: instant.optional(),
  }, { required_error: 'a filter is required (an empty one takes every run the action applies to)' }).strict(),
}, { required_error: 'a JSON object body is required', invalid_type_error: 'the body must be a JSON object' }).strict();

/** `/v1/bulk-operations`: an operation on many runs of the tenant, answered at once, applied in batches. */
export function bulkOperationRoutes(deps: BulkOperationDeps | undefined): Router {
  const router = Router();
  const configured = (): BulkOperationDeps => {
    if (!deps) throw new BatonError('NOT_CONFIGURED', 'bulk operations are not available on this api');
    return deps;
  };

  router.post('/v1/bulk-operations', guard('POST /v1/bulk-operations'), allowQuery(), async (req, res) => {
    const body = parseRequest(StartBulkOperationBody, req.body, 'request body');
    const { id } = await startBulkOperation(configured(), principalOf(req), body);
    req.log = req.log.child({ bulkOperationId: id });
    res.setHeader('Location', `/v1/bulk-operations/${id}`);
    res.status(202).json({ id });
  });

  router.get('/v1/bulk-operations/:id', guard('GET /v1/bulk-operations/:id'), allowQuery(), async (req, res) => {
    res.json(await getBulkOperation(configured(), principalOf(req), { id: req.params.id }));
  });

  return router;
}
