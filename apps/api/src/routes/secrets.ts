import { Router } from 'express';
import { z } from 'zod';
import { BatonError } from '@baton/core';
import { deleteSecret, listSecrets, putSecret, type SecretDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';
import { guard } from '../route-permissions';

// Strict: a client sets nothing but the value and who may receive it. The rules of the name, the
// value's size and agent names are the use case's.
export const PutSecretBody = z
  .object({
    value: z.string({ required_error: 'is required', invalid_type_error: 'must be a string' }),
    allowedAgents: z.array(z.string()).max(1000).optional(),
  }, { required_error: 'a JSON object body is required', invalid_type_error: 'the body must be a JSON object' })
  .strict();

function configured(deps: SecretDeps | undefined): SecretDeps {
  if (!deps) throw new BatonError('NOT_CONFIGURED', 'secrets are not available on this api');
  return deps;
}

/**
 * `/v1/secrets`: admins write (never read back), list (names only) and delete the secrets of their
 * tenant. Answers carry `Cache-Control: no-store`.
 */
export function secretRoutes(deps: SecretDeps | undefined): Router {
  const router = Router();

  router.put('/v1/secrets/:name', guard('PUT /v1/secrets/:name'), allowQuery(), async (req, res) => {
    const body = parseRequest(PutSecretBody, req.body, 'request body');
    await putSecret(configured(deps), principalOf(req), { name: req.params.name, ...body });
    res.setHeader('Cache-Control', 'no-store');
    res.status(204).end();
  });

  router.get('/v1/secrets', guard('GET /v1/secrets'), allowQuery(), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await listSecrets(configured(deps), principalOf(req)));
  });

  router.delete('/v1/secrets/:name', guard('DELETE /v1/secrets/:name'), allowQuery(), async (req, res) => {
    await deleteSecret(configured(deps), principalOf(req), { name: req.params.name });
    res.status(204).end();
  });

  return router;
}
