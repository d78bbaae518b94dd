import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RouteKey } from '../route-permissions';
import { CreateApiKeyBody, TenantQuery } from '../routes/api-keys';
import { EventBody } from '../routes/events';
import { EventsQuery, HistoryQuery } from '../routes/run-events';
import { ForkBody, ListRunsQuery, RerunBody, SubmitBatchBody, SubmitBody } from '../routes/runs';
import { StartBulkOperationBody } from '../routes/bulk-operations';
import { PutSecretBody } from '../routes/secrets';
import { StatsQuery } from '../routes/stats';
import { DiffQuery, ListTemplatesQuery } from '../routes/templates';
import { ValidateBody } from '../routes/workflows';
import { runtimeSettingsSchema } from '@baton/config';
import * as A from './answer-schemas';

/** One operation of the document: everything of zod-to-openapi's route but its method and path (the key's). */
export type Operation = Omit<RouteConfig, 'method' | 'path'>;

const jsonAnswer = (description: string, schema: z.ZodTypeAny): ResponseConfig => ({ description, content: { 'application/json': { schema } } });
const noContent = (description: string): ResponseConfig => ({ description });

const ERROR_MEANING: Record<number, string> = {
  400: 'invalid input: every problem in `details`',
  401: 'no or bad credentials',
  403: 'the role may not do this (or an agent outside the caller\'s allow-list)',
  404: 'not found (another tenant\'s resource too)',
  409: 'conflict',
  413: 'body larger than the limit',
  415: 'body is not JSON',
  429: 'rate limited: see Retry-After and RateLimit-* headers',
  501: 'not configured on this api',
  503: 'a dependency (Redis, Postgres) is down',
};

/** The answers of an authenticated operation: `ok`, plus the error shape for 401, 403, 429, 503 and each of `statuses`. */
function answers(ok: Record<number, ResponseConfig>, ...statuses: number[]): Operation['responses'] {
  const errors = [...new Set([...statuses, 401, 403, 429, 503])].sort();
  return { ...ok, ...Object.fromEntries(errors.map((s) => [s, jsonAnswer(ERROR_MEANING[s] ?? 'error', A.ErrorAnswer)])) };
}

const jsonBody = (schema: z.ZodTypeAny, description?: string) => ({ description, required: true, content: { 'application/json': { schema } } });
const definitionBody = (description: string) => ({
  description,
  required: true,
  content: { 'application/json': { schema: z.record(z.unknown()).describe('a workflow definition (docs/workflows.md)') }, 'application/yaml': { schema: z.string() } },
});

// Every setting of a patch may also be null (removes it).
const SettingsPatch = z.object(Object.fromEntries(Object.entries(runtimeSettingsSchema.shape).map(([k, v]) => [k, (v as z.ZodTypeAny).nullable()]))).strict()
  .describe('an RFC 7386 JSON merge patch of the settings: null removes a setting or a map entry');
/** A JSON body that may also come as YAML (docs/api.md, A YAML body): the same fields, or only the workflow. */
const jsonOrYamlBody = (schema: z.ZodTypeAny, description: string) => ({
  description,
  required: true,
  content: { 'application/json': { schema }, 'application/yaml': { schema: z.string().describe('a YAML document: these fields, or only a workflow definition') } },
});

const RunId = z.object({ id: z.string().describe('the run id') });
const TemplateName = z.object({ name: z.string().describe("the template's name") });
const IdempotencyKey = z.object({ 'idempotency-key': z.string().optional().describe('the same key and body again → the same run; another body → 409') });

/**
 * The OpenAPI operation of every route of `ROUTE_PERMISSIONS`, by the same key: the one place to
 * document a route. A route added there and not here fails the typecheck on this object, and
 * `openapi-document.test.ts` fails on a router route missing from the document.
 * A `'USE /path'` router is documented as `GET /path` (its entry page).
 */
export const OPERATIONS = {
  'GET /healthz': {
    operationId: 'health', tags: ['operations'], summary: 'Liveness: the process answers', security: [],
    responses: { 200: jsonAnswer('alive', A.Alive) },
  },
  'GET /readyz': {
    operationId: 'ready', tags: ['operations'], summary: 'Readiness: Redis and Postgres reachable', security: [],
    responses: { 200: jsonAnswer('ready', A.Ready), 503: jsonAnswer('not ready, with every check', A.NotReady) },
  },
  'GET /metrics': {
    operationId: 'metrics', tags: ['operations'], summary: 'Prometheus metrics of this process',
    responses: answers({ 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } }),
  },
  'GET /openapi.json': {
    operationId: 'openApiDocument', tags: ['operations'], summary: 'This document', security: [],
    responses: { 200: jsonAnswer('the OpenAPI 3.1 document', z.record(z.unknown())) },
  },
  'GET /docs': {
    operationId: 'docs', tags: ['operations'], summary: 'Swagger UI over this document (a browser is asked for the key as the Basic password)',
    responses: answers({ 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } }),
  },
  'GET /docs/:file': {
    operationId: 'docsAsset', tags: ['operations'], summary: "A static file of Swagger UI's page",
    request: { params: z.object({ file: z.string() }) },
    responses: answers({ 200: { description: 'the file', content: { '*/*': { schema: z.string() } } } }, 404),
  },
  'USE /admin/queues': {
    operationId: 'queueDashboard', tags: ['operations'], summary: 'Bull Board over the agent queues (operators read, admins change)',
    responses: answers({ 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } }),
  },
  'USE /console': {
    operationId: 'console', tags: ['operations'], summary: 'The web console (static files; its calls to /v1 carry the key)', security: [],
    responses: { 200: { description: 'HTML, or a file of the console', content: { 'text/html': { schema: z.string() } } }, 404: jsonAnswer('no such file, or the console is not built', A.ErrorAnswer) },
  },
  'POST /v1/runs': {
    operationId: 'submitRun', tags: ['runs'], summary: 'Submit a run of a workflow or a template',
    request: { headers: IdempotencyKey, body: jsonOrYamlBody(SubmitBody, 'a `workflow` definition or a `template` name (with `version`), the `input`, a `priority` 1..10') },
    responses: answers({ 202: jsonAnswer('queued', A.RunSubmitted), 200: jsonAnswer('the run this idempotency key made before', A.RunSubmitted) }, 400, 404, 409, 413, 415),
  },
  'POST /v1/runs/batch': {
    operationId: 'submitRunBatch', tags: ['runs'], summary: 'Submit up to 1,000 runs at once, each answered in order',
    request: { body: jsonBody(SubmitBatchBody, 'up to 1,000 runs, each as a single submission\'s body with its own `idempotencyKey`; up to `BATCH_BODY_LIMIT` (16 MiB)') },
    responses: answers({ 202: jsonAnswer('each run admitted or refused on its own', A.BatchSubmitted) }, 400, 413, 415),
  },
  'GET /v1/runs': {
    operationId: 'listRuns', tags: ['runs'], summary: 'Runs of the tenant, newest first, a page at a time',
    request: { query: ListRunsQuery },
    responses: answers({ 200: jsonAnswer('a page', A.RunPageAnswer) }, 400),
  },
  'GET /v1/runs/:id': {
    operationId: 'getRun', tags: ['runs'], summary: 'A run and its steps',
    request: { params: RunId },
    responses: answers({ 200: jsonAnswer('the run', A.RunAnswer) }, 404),
  },
  'GET /v1/runs/:id/definition': {
    operationId: 'getRunDefinition', tags: ['runs'], summary: 'The workflow definition the run recorded (to draw its graph)',
    request: { params: RunId },
    responses: answers({ 200: jsonAnswer('the definition', A.RunDefinitionAnswer) }, 404),
  },
  'GET /v1/runs/:id/steps/:key': {
    operationId: 'getRunStep', tags: ['runs'], summary: 'One entry of a run, with its input',
    request: { params: RunId.extend({ key: z.string().describe('the entry\'s key, URL-encoded (`each%5B3%5D`)') }) },
    responses: answers({ 200: jsonAnswer('the entry', A.StepDetailAnswer) }, 404),
  },
  'GET /v1/runs/:id/history': {
    operationId: 'getRunHistory', tags: ['runs'], summary: "A page of the run's events",
    request: { params: RunId, query: HistoryQuery },
    responses: answers({ 200: jsonAnswer('a page of events', A.RunHistoryAnswer) }, 400, 404),
  },
  'GET /v1/runs/:id/events': {
    operationId: 'streamRunEvents', tags: ['runs'], summary: "The run's events as Server-Sent Events, replayed then live; ends after the final event",
    request: { params: RunId, query: EventsQuery, headers: z.object({ 'last-event-id': z.string().optional().describe('resume after this sequence number (over `after`)') }) },
    responses: answers({
      200: { description: 'SSE: `event:` the type, `id:` the sequence number, `data:` the event as JSON', content: { 'text/event-stream': { schema: A.RunEventAnswer } } },
    }, 400, 404, 501),
  },
  'POST /v1/runs/:id/cancel': {
    operationId: 'cancelRun', tags: ['runs'], summary: 'Cancel a run',
    request: { params: RunId },
    responses: answers({ 202: jsonAnswer('cancelled', A.RunChanged) }, 404, 409),
  },
  'POST /v1/runs/:id/retry': {
    operationId: 'retryRun', tags: ['runs'], summary: 'Re-run the failed and skipped steps of a failed run',
    request: { params: RunId },
    responses: answers({ 202: jsonAnswer('queued again', A.RunChanged) }, 404, 409),
  },
  'POST /v1/runs/:id/signals/:name': {
    operationId: 'signalRun', tags: ['runs'], summary: 'Send a signal: its payload becomes the output of the step waiting for it',
    request: {
      params: RunId.extend({ name: z.string().describe('the signal') }),
      body: { description: 'any JSON value (no body: null)', required: false, content: { 'application/json': { schema: z.unknown() } } },
    },
    responses: answers({ 202: jsonAnswer('delivered', A.SignalSent) }, 404, 409, 415),
  },
  'POST /v1/bulk-operations': {
    operationId: 'startBulkOperation', tags: ['runs'], summary: 'Cancel, retry, pause or resume every run of the tenant a filter matches, in batches',
    request: { body: jsonBody(StartBulkOperationBody) },
    responses: answers({ 202: jsonAnswer('recorded; GET it for progress', A.BulkOperationStarted) }, 400),
  },
  'GET /v1/bulk-operations/:id': {
    operationId: 'getBulkOperation', tags: ['runs'], summary: 'A bulk operation and its progress',
    request: { params: z.object({ id: z.string().describe('the bulk operation id') }) },
    responses: answers({ 200: jsonAnswer('the operation', A.BulkOperationAnswer) }, 404),
  },
  'GET /v1/payloads/:id': {
    operationId: 'getPayload', tags: ['runs'], summary: 'A value too large to return inline (the target of a `$ref` link)',
    request: { params: z.object({ id: z.string() }) },
    responses: answers({ 200: jsonAnswer('the stored value', z.unknown()) }, 404),
  },
  'POST /v1/workflows/validate': {
    operationId: 'validateWorkflow', tags: ['workflows'], summary: 'The checks of a submission, recording nothing',
    request: { body: jsonOrYamlBody(ValidateBody, 'the `workflow` to check') },
    responses: answers({ 200: jsonAnswer('valid', A.Valid) }, 400, 413, 415),
  },
  'POST /v1/events': {
    operationId: 'postEvent', tags: ['runs'], summary: 'Start every template whose `on` lists the event type',
    request: { headers: IdempotencyKey, body: jsonBody(EventBody) },
    responses: answers({ 202: jsonAnswer('the runs started', A.EventPosted) }, 400, 409, 413, 415),
  },
  'GET /v1/agents': {
    operationId: 'listAgents', tags: ['agents'], summary: 'The agents workers serve',
    responses: answers({ 200: jsonAnswer('the agents', A.AgentsAnswer) }),
  },
  'GET /v1/stats': {
    operationId: 'getStats', tags: ['runs'], summary: 'Per agent and per template: count, success rate, durations, queue waits, throughput',
    request: { query: StatsQuery },
    responses: answers({ 200: jsonAnswer('the statistics of the window', A.StatsAnswer) }, 400),
  },
  'PUT /v1/templates/:name': {
    operationId: 'putTemplate', tags: ['templates'], summary: 'Store a template version (a changed definition is a new version)',
    request: { params: TemplateName, body: definitionBody('the workflow definition') },
    responses: answers({ 201: jsonAnswer('a new version', A.TemplatePut), 200: jsonAnswer('the same as the latest version', A.TemplatePut) }, 400, 413, 415),
  },
  'GET /v1/templates': {
    operationId: 'listTemplates', tags: ['templates'], summary: 'Templates of the tenant, by name',
    request: { query: ListTemplatesQuery },
    responses: answers({ 200: jsonAnswer('a page', A.TemplatePageAnswer) }, 400),
  },
  'GET /v1/templates/:name': {
    operationId: 'getTemplate', tags: ['templates'], summary: 'The latest version of a template',
    request: { params: TemplateName },
    responses: answers({ 200: jsonAnswer('the template', A.TemplateAnswer) }, 404),
  },
  'GET /v1/templates/:name/versions/:version': {
    operationId: 'getTemplateVersion', tags: ['templates'], summary: 'A given version of a template',
    request: { params: TemplateName.extend({ version: z.string().regex(/^[1-9]\d{0,8}$/).describe('1, 2, …') }) },
    responses: answers({ 200: jsonAnswer('the version', A.TemplateAnswer) }, 404),
  },
  'GET /v1/templates/:name/diff': {
    operationId: 'diffTemplate', tags: ['templates'], summary: 'What changed between two versions',
    request: { params: TemplateName, query: DiffQuery },
    responses: answers({ 200: jsonAnswer('the changes', A.TemplateDiffAnswer) }, 400, 404),
  },
  'GET /v1/schedules': {
    operationId: 'listSchedules', tags: ['templates'], summary: 'Cron schedules of templates, with their next fire time',
    responses: answers({ 200: jsonAnswer('the schedules', A.SchedulesAnswer) }, 501),
  },
  'POST /v1/api-keys': {
    operationId: 'createApiKey', tags: ['admin'], summary: 'Create an API key (shown once)',
    request: { body: jsonBody(CreateApiKeyBody) },
    responses: answers({ 201: jsonAnswer('the key, with its secret', A.ApiKeyCreated) }, 400, 413, 415, 501),
  },
  'GET /v1/api-keys': {
    operationId: 'listApiKeys', tags: ['admin'], summary: 'API keys of the tenant, without secrets',
    request: { query: TenantQuery },
    responses: answers({ 200: jsonAnswer('the keys', A.ApiKeysAnswer) }, 400, 501),
  },
  'DELETE /v1/api-keys/:id': {
    operationId: 'deleteApiKey', tags: ['admin'], summary: 'Delete an API key: it stops working at once on every api instance',
    request: { params: z.object({ id: z.string() }), query: TenantQuery },
    responses: answers({ 204: noContent('deleted') }, 400, 404, 501),
  },
  'PUT /v1/secrets/:name': {
    operationId: 'putSecret', tags: ['admin'], summary: 'Write a secret (never read back)',
    request: { params: z.object({ name: z.string() }), body: jsonBody(PutSecretBody) },
    responses: answers({ 204: noContent('stored') }, 400, 413, 415, 501),
  },
  'GET /v1/secrets': {
    operationId: 'listSecrets', tags: ['admin'], summary: 'Names of the tenant\'s secrets, never values',
    responses: answers({ 200: jsonAnswer('the secrets', A.SecretsAnswer) }, 501),
  },
  'DELETE /v1/secrets/:name': {
    operationId: 'deleteSecret', tags: ['admin'], summary: 'Delete a secret',
    request: { params: z.object({ name: z.string() }) },
    responses: answers({ 204: noContent('deleted') }, 404, 501),
  },
  'GET /a2a/:template/.well-known/agent-card.json': {
    operationId: 'getAgentCard', tags: ['agent2agent'], summary: 'The Agent2Agent card of a template (protocol v1.0): name, description, skills, security schemes',
    request: { params: z.object({ template: z.string().describe("the template's name") }) },
    responses: answers({ 200: jsonAnswer('the agent card', z.record(z.unknown()).describe('an A2A AgentCard')) }, 404),
  },
  'POST /a2a/:template': {
    operationId: 'a2aJsonRpc', tags: ['agent2agent'],
    summary: 'The Agent2Agent JSON-RPC endpoint of a template: a message starts a run (the task id is the run id); tasks get, cancel and stream (text/event-stream)',
    request: {
      params: z.object({ template: z.string().describe("the template's name") }),
      body: jsonBody(z.object({ jsonrpc: z.literal('2.0'), id: z.union([z.string(), z.number()]).optional(), method: z.string(), params: z.unknown().optional() }), 'a JSON-RPC 2.0 request of the A2A protocol'),
    },
    responses: answers({
      200: {
        description: 'a JSON-RPC response (A2A errors are JSON-RPC errors), or an SSE stream for the streaming methods',
        content: { 'application/json': { schema: z.record(z.unknown()) }, 'text/event-stream': { schema: z.string() } },
      },
    }, 400, 404, 413, 415),
  },
  'GET /v1/settings': {
    operationId: 'getSettings', tags: ['admin'], summary: 'The deployment\'s runtime settings (admins of tenant default)',
    responses: answers({ 200: jsonAnswer('the settings, their version and last change', A.SettingsAnswer) }, 501),
  },
  'PATCH /v1/settings': {
    operationId: 'patchSettings', tags: ['admin'], summary: 'Change runtime settings with a JSON merge patch (null removes); applied by every process without a restart',
    request: {
      body: { required: true, content: { 'application/merge-patch+json': { schema: SettingsPatch }, 'application/json': { schema: SettingsPatch } } },
    },
    responses: answers({ 200: jsonAnswer('the new settings', A.SettingsAnswer) }, 400, 413, 415, 501),
  },
  'POST /v1/runs/:id/pause': {
    operationId: 'pauseRun', tags: ['runs'], summary: 'Pause a run: it starts no new step; running steps finish and are recorded; timers keep their deadlines',
    request: { params: RunId },
    responses: answers({ 202: jsonAnswer('paused (pausing twice changes nothing); `status` is the run\'s now', A.RunChanged) }, 404, 409),
  },
  'POST /v1/runs/:id/resume': {
    operationId: 'resumeRun', tags: ['runs'], summary: 'Resume a paused run where it stopped',
    request: { params: RunId },
    responses: answers({ 202: jsonAnswer('resumed; `status` is the run\'s now', A.RunChanged) }, 404, 409),
  },
  'POST /v1/runs/:id/rerun': {
    operationId: 'rerunRun', tags: ['runs'], summary: 'Re-run a finished run from a step (with an edited input, if given) and everything downstream; upstream outputs kept',
    request: { params: RunId, body: jsonBody(RerunBody) },
    responses: answers({ 202: jsonAnswer('re-running', A.RunChanged) }, 400, 404, 409, 413, 415),
  },
  'POST /v1/runs/:id/fork': {
    operationId: 'forkRun', tags: ['runs'], summary: 'A new run linked to its origin (forkedFrom), upstream outputs copied',
    request: { params: RunId, body: jsonBody(ForkBody) },
    responses: answers({ 202: jsonAnswer('the new run', A.RunSubmitted) }, 400, 404, 409, 413, 415),
  },
  'POST /v1/templates/:name/pause': {
    operationId: 'pauseTemplate', tags: ['templates'], summary: 'New runs of the template are admitted paused until it is resumed',
    request: { params: TemplateName },
    responses: answers({ 202: jsonAnswer('paused (pausing twice changes nothing)', A.TemplatePaused) }, 404),
  },
  'POST /v1/templates/:name/resume': {
    operationId: 'resumeTemplate', tags: ['templates'], summary: 'Resume a template and the runs its pause held',
    request: { params: TemplateName },
    responses: answers({ 202: jsonAnswer('resumed, with the runs its pause held', A.TemplateResumed) }, 404),
  },
  'POST /v1/agents/:name/pause': {
    operationId: 'pauseAgent', tags: ['agents'], summary: 'Pause an agent\'s queue fleet-wide (admins): running jobs finish, no new one starts',
    request: { params: z.object({ name: z.string() }) },
    responses: answers({ 202: jsonAnswer('paused (pausing twice changes nothing)', A.AgentPaused) }, 404),
  },
  'POST /v1/agents/:name/resume': {
    operationId: 'resumeAgent', tags: ['agents'], summary: 'Resume an agent\'s queue',
    request: { params: z.object({ name: z.string() }) },
    responses: answers({ 202: jsonAnswer('resumed', A.AgentResumed) }, 404),
  },
} satisfies Record<RouteKey, Operation>;
