import { Router } from 'express';
import { z } from 'zod';
import { validateWorkflow, type UseCaseDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { guard } from '../route-permissions';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';
import { submissionOf } from '../yaml-submission';

export const ValidateBody = z
  .object({ workflow: z.unknown().refine((w) => w !== undefined, 'required') }, {
    required_error: 'a JSON object body is required',
    invalid_type_error: 'the body must be a JSON object',
  })
  .strict();

export function workflowRoutes(deps: UseCaseDeps): Router {
  const router = Router();

  /** The same checks as a submission, without recording anything: 200 or a 400 listing every problem. */
  router.post('/v1/workflows/validate', guard('POST /v1/workflows/validate'), allowQuery(), async (req, res) => {
    const body = parseRequest(ValidateBody, await submissionOf(req.body, deps), 'request body');
    res.json(await validateWorkflow(deps, principalOf(req), body));
  });

  return router;
}
