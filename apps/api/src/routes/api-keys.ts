import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '@baton/auth';
import { BatonError } from '@baton/core';
import { createApiKey, deleteApiKey, listApiKeys, type ApiKeyDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';
import { guard } from '../route-permissions';

const TENANT = z.string().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-", the first a letter or digit');

// Strict: a client sets none of id, key, createdBy, createdAt.
export const CreateApiKeyBody = z
  .object({
    name: z.string().min(1).max(200),
    role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }),
    tenant: TENANT.optional(),
    agents: z.array(z.string().min(1).max(200)).max(1000).optional(),
    rateLimitPerMinute: z.number().int().min(1).max(100_000_000).optional(),
    expiresAt: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z' }).optional(),
  }, { required_error: 'a JSON object body is required', invalid_type_error: 'the body must be a JSON object' })
  .strict();

export const TenantQuery = z.object({ tenant: z.string({ invalid_type_error: 'tenant must be given once' }).pipe(TENANT).optional().describe("another tenant's keys (only the bootstrap BATON_ADMIN_KEY may name one)") });

function configured(deps: ApiKeyDeps | undefined): ApiKeyDeps {
  if (!deps) throw new BatonError('NOT_CONFIGURED', 'API keys are not available on this api');
  return deps;
}

/** `/v1/api-keys`: admins create (the key shown once), list (never a secret) and delete keys of their tenant. */
export function apiKeyRoutes(deps: ApiKeyDeps | undefined): Router {
  const router = Router();

  router.post('/v1/api-keys', guard('POST /v1/api-keys'), allowQuery(), async (req, res) => {
    const body = parseRequest(CreateApiKeyBody, req.body, 'request body');
    const created = await createApiKey(configured(deps), principalOf(req), body);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(created);
  });

  router.get('/v1/api-keys', guard('GET /v1/api-keys'), allowQuery('tenant'), async (req, res) => {
    res.json(await listApiKeys(configured(deps), principalOf(req), parseRequest(TenantQuery, req.query, 'query', undefined)));
  });

  router.delete('/v1/api-keys/:id', guard('DELETE /v1/api-keys/:id'), allowQuery('tenant'), async (req, res) => {
    const { tenant } = parseRequest(TenantQuery, req.query, 'query', undefined);
    await deleteApiKey(configured(deps), principalOf(req), { id: req.params.id, ...(tenant === undefined ? {} : { tenant }) });
    res.status(204).end();
  });

  return router;
}
