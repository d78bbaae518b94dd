import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app-deps';
import { requirePermission } from '../auth-middleware';
import { parseRequest } from '../parse-request';
import { checkWorkflow } from '../workflow-check';
import { allowQuery } from '../query-params';

const ValidateBody = z
  .object({ workflow: z.unknown().refine((w) => w !== undefined, 'required') }, {
    required_error: 'a JSON object body is required',
    invalid_type_error: 'the body must be a JSON object',
  })
  .strict();

export function workflowRoutes({ agents }: Pick<AppDeps, 'agents'>): Router {
  const router = Router();

  /** The same checks as a submission, without recording anything: 200 or a 400 listing every problem. */
  router.post('/v1/workflows/validate', requirePermission('workflow.validate'), allowQuery(), async (req, res) => {
    const body = parseRequest(ValidateBody, req.body, 'request body');
    await checkWorkflow(body.workflow, agents);
    res.json({ valid: true });
  });

  return router;
}
