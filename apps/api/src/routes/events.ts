import { Router } from 'express';
import { z } from 'zod';
import { postEvent, type EventDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';
import { guard } from '../route-permissions';

export const EventBody = z
  .object({
    type: z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }).min(1).max(128),
    payload: z.unknown().optional(),
  }, { required_error: 'a JSON object body is required', invalid_type_error: 'the body must be a JSON object' })
  .strict();

/** `POST /v1/events`: starts every template of the caller's tenant whose `on` lists the event's type. */
export function eventRoutes(deps: EventDeps): Router {
  const router = Router();
  router.post('/v1/events', guard('POST /v1/events'), allowQuery(), async (req, res) => {
    const body = parseRequest(EventBody, req.body, 'request body');
    res.status(202).json(await postEvent(deps, principalOf(req), { ...body, idempotencyKey: req.get('idempotency-key'), requestId: req.requestId, traceparent: req.traceparent }));
  });
  return router;
}
