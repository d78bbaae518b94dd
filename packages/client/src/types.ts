import type { components, operations } from './generated/openapi';

type Schemas = components['schemas'];
type JsonBody<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Query<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

// The api's shapes, named: generated from its OpenAPI document (src/generated/openapi.ts).
export type Run = Schemas['Run'];
export type Step = Schemas['Step'];
export type RunSummary = Schemas['RunSummary'];
export type RunPage = Schemas['RunPage'];
export type RunEvent = Schemas['RunEvent'];
export type RunHistory = Schemas['RunHistory'];
export type RunSubmitted = Schemas['RunSubmitted'];
/** The answer of `POST /v1/runs/batch`: one item per run, in the order sent. */
export type BatchSubmitted = Schemas['BatchSubmitted'];
export type RunChanged = Schemas['RunChanged'];
export type TokenUsage = Schemas['TokenUsage'];
export type TemplatePaused = Schemas['TemplatePaused'];
export type TemplateResumed = Schemas['TemplateResumed'];
export type AgentPaused = Schemas['AgentPaused'];
export type AgentResumed = Schemas['AgentResumed'];
export type BulkOperation = Schemas['BulkOperation'];
export type BulkOperationStarted = Schemas['BulkOperationStarted'];
export type SignalSent = Schemas['SignalSent'];
export type EventPosted = Schemas['EventPosted'];
export type Agent = Schemas['AgentList']['items'][number];
export type Stats = Schemas['Stats'];
export type Template = Schemas['Template'];
export type TemplateSummary = Schemas['TemplatePage']['items'][number];
export type TemplatePage = Schemas['TemplatePage'];
export type TemplateDiff = Schemas['TemplateDiff'];
export type Schedule = Schemas['ScheduleList']['items'][number];
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyCreated = Schemas['ApiKeyCreated'];
export type Secret = Schemas['SecretList']['items'][number];
export type ErrorBody = Schemas['Error'];

/** The body of `POST /v1/runs`: a `workflow` definition or a `template` (and `version`), with `input` and `priority`. */
export type SubmitRunBody = JsonBody<operations['submitRun']>;
/** What {@link BatonClient.submit} takes: the body, and the `Idempotency-Key` to send. */
export type SubmitRunRequest = SubmitRunBody & { idempotencyKey?: string };
/** One run of {@link BatonClient.submitBatch}: a single submission's body and its own `idempotencyKey`. */
export type BatchRunRequest = JsonBody<operations['submitRunBatch']>['runs'][number];
/** Filters and page of `GET /v1/runs` (`limit` up to 200). */
export type ListRunsFilter = Omit<Query<operations['listRuns']>, 'limit'> & { limit?: number };
/** The body of `POST /v1/api-keys`. */
export type CreateApiKeyRequest = JsonBody<operations['createApiKey']>;
/** A run's status, as `list` filters on it. */
export type RunStatus = NonNullable<ListRunsFilter['status']>;
/** The body of `POST /v1/runs/:id/rerun`: the step to re-run from, and the input it runs with instead of its evaluated one. */
export type RerunRequest = JsonBody<operations['rerunRun']>;
/** The body of `POST /v1/runs/:id/fork`: as a re-run's, and the template `version` the fork runs. */
export type ForkRequest = JsonBody<operations['forkRun']>;
/** The body of `POST /v1/bulk-operations`: an action and which runs of the tenant it takes. */
export type StartBulkOperationRequest = JsonBody<operations['startBulkOperation']>;
/** What a bulk operation does to each run it matches. */
export type BulkAction = StartBulkOperationRequest['action'];
/** Which runs a bulk operation takes (an empty filter: every run the action applies to). */
export type BulkFilter = StartBulkOperationRequest['filter'];
