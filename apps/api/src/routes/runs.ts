import { Router, type Request } from 'express';
import { z } from 'zod';
import { tenantPayloads } from '@baton/db';
import { FINAL_RUN_STATUSES, type RunStatus } from '@baton/engine';
import { unstorableJson, unstorableStrings } from '@baton/workflow';
import { can } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { AppDeps } from '../app-deps';
import { principalOf, requirePermission } from '../auth-middleware';
import { bodyHash } from '../canonical-json';
import { decodeCursor, encodeCursor, isUuid } from '../cursor';
import { hydrateWithin } from '../hydrate-within';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';
import { toRunSummary, toRunView } from '../run-view';
import { checkInput, checkWorkflow } from '../workflow-check';

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const satisfies readonly RunStatus[];
const isFinal = (status: string): boolean => FINAL_RUN_STATUSES.has(status as RunStatus);

const BODY_TYPE = { required_error: 'a JSON object body is required', invalid_type_error: 'the body must be a JSON object' };

const SubmitBody = z
  .object({
    workflow: z.unknown().optional(),
    template: z.string().min(1).max(200).optional(),
    version: z.number().int().min(1).optional(),
    input: z.unknown().optional(),
    priority: z.number().int().min(1, 'must be an integer from 1 to 10').max(10, 'must be an integer from 1 to 10').optional(),
  }, BODY_TYPE)
  .strict();

const single = (name: string) => z.string({ invalid_type_error: `${name} must be given once` });

const ListQuery = z.object({
  status: single('status').pipe(z.enum(RUN_STATUSES, { message: `must be one of ${RUN_STATUSES.join(', ')}` })).optional(),
  template: single('template').min(1).max(200).optional(),
  limit: single('limit')
    .regex(/^\d{1,6}$/, 'must be an integer from 1 to 200')
    .transform(Number)
    .pipe(z.number().min(1, 'must be an integer from 1 to 200').max(200, 'must be an integer from 1 to 200'))
    .optional(),
  cursor: single('cursor').optional(),
});

// `events` joins these when `GET /v1/runs/:id/events` exists: a link must never lead nowhere.
const links = (id: string) => ({ self: `/v1/runs/${id}` });

/** A 404 for a run that does not exist, is not a UUID or belongs to another tenant: all look alike. */
const runNotFound = (id: string) => new BatonError('RUN_NOT_FOUND', `run ${id.slice(0, 100)} not found`);

function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 200) {
    throw new BatonError('VALIDATION_FAILED', 'invalid Idempotency-Key', [{ path: 'Idempotency-Key', message: 'must be 1 to 200 characters' }]);
  }
  return key;
}

/**
 * The run routes. `budgetBytes` bounds a `GET /v1/runs/:id` answer: stored values that do not fit
 * are links to `GET /v1/payloads/:id`.
 */
export function runRoutes({ runtime, db, agents }: Pick<AppDeps, 'runtime' | 'db' | 'agents'>, budgetBytes: number): Router {
  const router = Router();

  router.post('/v1/runs', requirePermission('run.submit'), allowQuery(), async (req, res) => {
    const principal = principalOf(req);
    const body = parseRequest(SubmitBody, req.body, 'request body');
    // Postgres stores no NUL and no lone surrogate: refused before admission, where they are named.
    if (unstorableJson(JSON.stringify(req.body))) {
      throw new BatonError('VALIDATION_FAILED', 'the request holds text that cannot be stored (\\u0000 or a lone UTF-16 surrogate)', unstorableStrings(req.body));
    }
    const idempotencyKey = idempotencyKeyOf(req);
    if (body.template !== undefined && body.workflow !== undefined) {
      throw new BatonError('VALIDATION_FAILED', 'give either workflow or template', [{ path: 'template', message: 'not allowed together with workflow' }]);
    }
    if (body.template !== undefined) {
      throw new BatonError('TEMPLATE_NOT_FOUND', `template ${body.template} not found: templates are not available yet`);
    }
    if (body.version !== undefined) {
      throw new BatonError('VALIDATION_FAILED', 'version needs a template', [{ path: 'version', message: 'only allowed with template' }]);
    }
    if (body.workflow === undefined) {
      throw new BatonError('VALIDATION_FAILED', 'a workflow is required', [{ path: 'workflow', message: 'required (or a template)' }]);
    }
    const { workflow, compiled, hash } = await checkWorkflow(body.workflow, agents);
    const input = body.input ?? {};
    checkInput(workflow, input);
    const result = await runtime.submit({
      tenant: principal.tenant,
      workflow,
      compiled,
      definitionHash: hash,
      input,
      priority: body.priority,
      idempotency: idempotencyKey === undefined ? undefined : { key: idempotencyKey, bodyHash: bodyHash(req.body) },
      submittedBy: principal.subject,
    });
    res.setHeader('Location', links(result.id).self);
    res.status(result.created ? 202 : 200).json({ id: result.id, status: result.status, links: links(result.id) });
  });

  router.get('/v1/runs', requirePermission('run.read'), allowQuery('status', 'template', 'limit', 'cursor'), async (req, res) => {
    const { tenant } = principalOf(req);
    const query = parseRequest(ListQuery, req.query, 'query', undefined);
    const limit = query.limit ?? 50;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await runtime.repos.runs.list(db.kysely, { tenant, status: query.status, template: query.template, limit: limit + 1, after });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    res.json({
      items: page.map(toRunSummary),
      ...(rows.length > limit && last ? { nextCursor: encodeCursor({ createdAt: new Date(last.created_at), id: last.id }) } : {}),
    });
  });

  router.get('/v1/runs/:id', requirePermission('run.read'), allowQuery(), async (req, res) => {
    const { tenant } = principalOf(req);
    const { id } = req.params;
    if (!isUuid(id)) throw runNotFound(id);
    const run = await runtime.repos.runs.get(db.kysely, tenant, id);
    if (!run) throw runNotFound(id);
    const steps = await runtime.repos.steps.forRun(db.kysely, id);
    // Large outputs are stored by reference; a client sees them as plain values, as many as fit the budget.
    res.json(await hydrateWithin(toRunView(run, steps), budgetBytes, (ids) => tenantPayloads(db.kysely, tenant, ids)));
  });

  router.post('/v1/runs/:id/retry', requirePermission('run.retry'), allowQuery(), async (req, res) => {
    const { tenant } = principalOf(req);
    const { id } = req.params;
    if (!isUuid(id)) throw runNotFound(id);
    const run = await runtime.repos.runs.get(db.kysely, tenant, id);
    if (!run) throw runNotFound(id);
    if (run.status !== 'failed') throw new BatonError('RUN_NOT_FAILED', `only a failed run can be retried; this one is ${run.status}`);
    await runtime.apply(id, { type: 'run.retried' });
    const after = await runtime.repos.runs.get(db.kysely, tenant, id);
    res.status(202).json({ id, status: after?.status ?? 'running' });
  });

  router.post('/v1/runs/:id/cancel', requirePermission('run.cancel'), allowQuery(), async (req, res) => {
    const principal = principalOf(req);
    const { id } = req.params;
    if (!isUuid(id)) throw runNotFound(id);
    const run = await runtime.repos.runs.get(db.kysely, principal.tenant, id);
    if (!run) throw runNotFound(id);
    if (!can(principal, 'run.cancel', { tenant: run.tenant, submittedBy: run.submitted_by })) {
      throw new BatonError('FORBIDDEN', 'only an operator or the submitter of a run may cancel it');
    }
    if (isFinal(run.status)) throw new BatonError('RUN_FINISHED', `run is already ${run.status}`);
    await runtime.cancel(id);
    // The run may have finished on its own meanwhile: answer with what actually happened.
    const after = await runtime.repos.runs.get(db.kysely, principal.tenant, id);
    if (after && after.status !== 'cancelled' && isFinal(after.status)) throw new BatonError('RUN_FINISHED', `run is already ${after.status}`);
    res.status(202).json({ id, status: 'cancelled' });
  });

  return router;
}
