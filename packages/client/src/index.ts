export { BatonClient, type ApiAnswer, type BatonClientOptions, type CallOptions, type RequestOptions, type WaitOptions } from './baton-client';
export { BatonApiError, type ErrorDetail } from './baton-api-error';
export type { RunEventsOptions } from './run-events';
export type {
  Agent, AgentPaused, AgentResumed, ApiKey, ApiKeyCreated, BatchRunRequest, BatchSubmitted, BulkAction, BulkFilter, BulkOperation, BulkOperationStarted, CreateApiKeyRequest, ErrorBody,
  EventPosted, ForkRequest, ListRunsFilter, RerunRequest, Run, RunChanged, RunEvent, RunHistory, RunPage, RunStatus, RunSubmitted, RunSummary, Schedule,
  Secret, SignalSent, StartBulkOperationRequest, Stats, Step, SubmitRunBody, SubmitRunRequest, Template, TemplateDiff, TemplatePage, TemplatePaused,
  TemplateResumed, TemplateSummary, TokenUsage,
} from './types';
export type { components, operations, paths } from './generated/openapi';
