export { BatonClient, type ApiAnswer, type BatonClientOptions, type CallOptions, type RequestOptions } from './baton-client';
export { BatonApiError, type ErrorDetail } from './baton-api-error';
export type { RunEventsOptions } from './run-events';
export type {
  Agent, ApiKey, ApiKeyCreated, CreateApiKeyRequest, ErrorBody, EventPosted, ListRunsFilter, Run, RunChanged, RunEvent, RunHistory, RunPage, RunStatus,
  BatchRunRequest, BatchSubmitted, RunSubmitted, RunSummary, Schedule, Secret, SignalSent, Stats, Step, SubmitRunBody, SubmitRunRequest, Template, TemplateDiff, TemplatePage,
  TemplateSummary,
} from './types';
export type { components, operations, paths } from './generated/openapi';
