import { Router } from 'express';
import { z } from 'zod';
import type { RunStatus } from '@baton/engine';
import { BatonError } from '@baton/core';
import { MAX_BATCH_RUNS, cancelRun, forkRun, getRun, getRunDefinition, getRunStep, listRuns, pauseRun, rerunRun, resumeRun, retryRun, submitRun, submitRuns, type UseCaseDeps } from '@baton/runtime';
import { principalOf } from '../auth-middleware';
import { toErrorAnswer, type ErrorBody } from '../error-middleware';
import { underField } from '../problem-path';
import { guard } from '../route-permissions';
import { parseRequest } from '../parse-request';
import { allowQuery } from '../query-params';
import { submissionOf } from '../yaml-submission';

export const RUN_STATUSES = ['queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled'] as const satisfies readonly RunStatus[];

export const SubmitBody = z
  .object({
    workflow: z.unknown().optional().describe('a workflow definition (docs/workflows.md); or give `template`'),
    template: z.string().min(1).max(200).optional().describe("a stored template's name"),
    version: z.number().int().min(1).optional().describe("the template's version (default: the latest)"),
    input: z.unknown().optional().describe("the run's input, `$input` in expressions"),
    priority: z.number().int().min(1, 'must be an integer from 1 to 10').max(10, 'must be an integer from 1 to 10').optional(),
  }, { required_error: 'a JSON object body is required', invalid_type_error: 'the body must be a JSON object' })
  .strict();

/** One run of a batch: a single submission's fields, its `Idempotency-Key` among them. */
export const BatchRun = SubmitBody.extend({
  idempotencyKey: z.string().optional().describe('as the `Idempotency-Key` header of a single submission; the same key twice in one batch makes one run'),
}).strict();

const bodyRequired = { required_error: 'a JSON object body is required', invalid_type_error: 'the body must be a JSON object' };
const runsCount = { message: `must hold 1 to ${MAX_BATCH_RUNS} runs` };
/** The batch as documented; it is read in two passes (`BatchEnvelope`, then each run), so one bad run is its own answer. */
export const SubmitBatchBody = z.object({ runs: z.array(BatchRun).min(1, runsCount).max(MAX_BATCH_RUNS, runsCount) }, bodyRequired).strict();
const BatchEnvelope = z.object({ runs: z.array(z.unknown(), { required_error: 'required', invalid_type_error: 'must be an array of runs' }).min(1, runsCount).max(MAX_BATCH_RUNS, runsCount) }, bodyRequired).strict();

const stepId = z.string({ required_error: 'required', invalid_type_error: 'must be a step id' }).min(1).max(64);
export const RerunBody = z.object({ fromStep: stepId, input: z.unknown().optional() }, { required_error: 'a JSON object body is required', invalid_type_error: 'the body must be a JSON object' }).strict();
export const ForkBody = RerunBody.extend({ version: z.number().int().min(1).optional() }).strict();

const single = (name: string) => z.string({ invalid_type_error: `${name} must be given once` });

export const ListRunsQuery = z.object({
  status: z.enum(RUN_STATUSES, {
    errorMap: (issue) => ({ message: issue.code === 'invalid_type' ? 'status must be given once' : `must be one of ${RUN_STATUSES.join(', ')}` }),
  }).optional().describe('only runs in this status'),
  template: single('template').min(1).max(200).optional().describe('only runs of this template'),
  limit: single('limit')
    .regex(/^\d{1,6}$/, 'must be an integer from 1 to 200')
    .transform(Number)
    .pipe(z.number().min(1, 'must be an integer from 1 to 200').max(200, 'must be an integer from 1 to 200'))
    .optional()
    .describe('page size, 1 to 200 (default 50)'),
  cursor: single('cursor').optional().describe('the `nextCursor` of the previous page'),
});

/** A run's own error as its item of a batch's answer: the API.md error shape, its paths under `runs[i]`. */
function errorItem(index: number, err: BatonError): ErrorBody {
  const { body } = toErrorAnswer(err);
  // The single route's header is this item's field.
  const details = body.error.details.map((d) => ({ ...d, path: underField(`runs[${index}]`, d.path === 'Idempotency-Key' ? 'idempotencyKey' : d.path) }));
  return { error: { ...body.error, details: details.length > 0 ? details : [{ path: `runs[${index}]`, message: body.error.message }] } };
}

/** One run of a batch parsed, or the error that refuses it alone. */
function parseRun(run: unknown): z.output<typeof BatchRun> | BatonError {
  try {
    return parseRequest(BatchRun, run, 'run');
  } catch (err) {
    if (err instanceof BatonError) return err;
    throw err;
  }
}

const links = (id: string) => ({ self: `/v1/runs/${id}`, events: `/v1/runs/${id}/events` });

/** The run routes: each parses its request, calls its use case (`@baton/runtime`) and sends the answer. */
export function runRoutes(deps: UseCaseDeps): Router {
  const router = Router();
  // The request's log lines (its access line included) name the run it is about.
  router.param('id', (req, _res, next, id: string) => {
    req.log = req.log.child({ runId: id });
    next();
  });

  router.post('/v1/runs', guard('POST /v1/runs'), allowQuery(), async (req, res) => {
    const body = parseRequest(SubmitBody, await submissionOf(req.body, deps), 'request body');
    const run = await submitRun(deps, principalOf(req), { ...body, idempotencyKey: req.get('idempotency-key'), requestId: req.requestId, traceparent: req.traceparent });
    req.log = req.log.child({ runId: run.id });
    res.setHeader('Location', links(run.id).self);
    res.status(run.created ? 202 : 200).json({ id: run.id, status: run.status, links: links(run.id) });
  });

  router.post('/v1/runs/batch', guard('POST /v1/runs/batch'), allowQuery(), async (req, res) => {
    const { runs } = parseRequest(BatchEnvelope, req.body, 'request body');
    const parsed = runs.map((run) => parseRun(run));
    const valid = parsed.flatMap((p) => (p instanceof BatonError ? [] : [{ ...p, requestId: req.requestId, traceparent: req.traceparent }]));
    const results = await submitRuns(deps, principalOf(req), valid);
    let next = 0;
    const items = parsed.map((p, i) => {
      const result = p instanceof BatonError ? p : results[next++]!;
      return result instanceof BatonError ? errorItem(i, result) : { id: result.id, status: result.status, created: result.created };
    });
    res.status(202).json({ items });
  });

  router.get('/v1/runs', guard('GET /v1/runs'), allowQuery('status', 'template', 'limit', 'cursor'), async (req, res) => {
    res.json(await listRuns(deps, principalOf(req), parseRequest(ListRunsQuery, req.query, 'query', undefined)));
  });

  router.get('/v1/runs/:id', guard('GET /v1/runs/:id'), allowQuery(), async (req, res) => {
    res.json(await getRun(deps, principalOf(req), { id: req.params.id }));
  });

  router.get('/v1/runs/:id/definition', guard('GET /v1/runs/:id/definition'), allowQuery(), async (req, res) => {
    res.json(await getRunDefinition(deps, principalOf(req), { id: req.params.id }));
  });

  router.get('/v1/runs/:id/steps/:key', guard('GET /v1/runs/:id/steps/:key'), allowQuery(), async (req, res) => {
    res.json(await getRunStep(deps, principalOf(req), { id: req.params.id, key: req.params.key }));
  });

  router.post('/v1/runs/:id/retry', guard('POST /v1/runs/:id/retry'), allowQuery(), async (req, res) => {
    res.status(202).json(await retryRun(deps, principalOf(req), { id: req.params.id }));
  });

  router.post('/v1/runs/:id/pause', guard('POST /v1/runs/:id/pause'), allowQuery(), async (req, res) => {
    res.status(202).json(await pauseRun(deps, principalOf(req), { id: req.params.id }));
  });

  router.post('/v1/runs/:id/resume', guard('POST /v1/runs/:id/resume'), allowQuery(), async (req, res) => {
    res.status(202).json(await resumeRun(deps, principalOf(req), { id: req.params.id }));
  });

  router.post('/v1/runs/:id/rerun', guard('POST /v1/runs/:id/rerun'), allowQuery(), async (req, res) => {
    const body = parseRequest(RerunBody, req.body, 'request body');
    res.status(202).json(await rerunRun(deps, principalOf(req), { id: req.params.id, ...body }));
  });

  router.post('/v1/runs/:id/fork', guard('POST /v1/runs/:id/fork'), allowQuery(), async (req, res) => {
    const body = parseRequest(ForkBody, req.body, 'request body');
    const fork = await forkRun(deps, principalOf(req), { id: req.params.id, ...body });
    res.setHeader('Location', links(fork.id).self);
    res.status(202).json({ id: fork.id, status: fork.status, links: links(fork.id) });
  });

  router.post('/v1/runs/:id/cancel', guard('POST /v1/runs/:id/cancel'), allowQuery(), async (req, res) => {
    res.status(202).json(await cancelRun(deps, principalOf(req), { id: req.params.id }));
  });

  return router;
}
