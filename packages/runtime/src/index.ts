export { Runtime, type AttemptRef, type RuntimeOptions } from './runtime';
export type { SubmitRequest, SubmitResult } from './admission';
export type { QueuedJob } from './queued-job';
export type { RunStore, RunStoreAccess, RunStoreTransaction } from './run-store';
export type { RunQueries } from './run-queries';
export { DEFAULT_MAX_SUBWORKFLOW_DEPTH, SUBWORKFLOW_UNAVAILABLE, childResult, type RunLinks, type SubWorkflowOptions } from './child-runs';
export { agentsOf, storedChildWorkflows, type ChildWorkflow, type ChildWorkflows, type StoredTemplates } from './child-workflows';
export { configuredLimits, type LimitSettings } from './configured-limits';
export { Reconciler, type JobPresence, type ReconcilerOptions } from './reconciler';
export type { StepDispatcher, RuntimeLogger } from './step-dispatcher';
export { definitionHash } from './workflow-cache';
export { createBullmqDispatcher } from './bullmq-dispatcher';
export { unavailableDependency, type Dependency } from './dependency-errors';
export { migrateWhenReachable, whenReachable } from './migrate-when-reachable';
export { readinessCheck, type ReadinessCheck, type ReadinessReport } from './readiness';
export type { AgentDirectory, AgentInfo } from './use-cases/agent-directory';
export { checkInput, checkWorkflow, type CheckDeps, type CheckLimits, type CheckedWorkflow, type DefinitionReader } from './use-cases/check-workflow';
export type { UseCaseDeps } from './use-cases/use-case-deps';
export { submitRun, type SubmitRunInput } from './use-cases/submit-run';
export { getRun } from './use-cases/get-run';
export {
  getRunHistory, historyEnded, readHistory, toHistorySlice, MAX_HISTORY_PAGE, type HistorySlice, type RunEventView, type RunHistory, type RunHistoryInput,
} from './use-cases/run-history';
export { getStats, parseWindow, MAX_STATS_WINDOW_MS, type Stats, type StatsGroup, type StatsQueries } from './use-cases/get-stats';
export { listRuns, DEFAULT_PAGE_SIZE, type ListRunsInput, type RunPage } from './use-cases/list-runs';
export { cancelRun } from './use-cases/cancel-run';
export { createApiKey, deleteApiKey, listApiKeys, type ApiKeyDeps, type ApiKeyRepository, type ApiKeySummary, type CreateApiKeyInput, type KeyRevocations } from './use-cases/api-keys';
export { retryRun } from './use-cases/retry-run';
export { forkRun, pauseRun, rerunRun, resumeRun, type ForkInput, type RerunInput } from './use-cases/operate-runs';
export { pauseTemplate, resumeTemplate, type TemplatePauseDeps, type TemplatePauseStore } from './use-cases/operate-templates';
export { AgentPauses, pauseAgent, resumeAgent, type AgentPause, type AgentPauseDeps, type AgentPauseRecords, type AgentQueuePause } from './use-cases/operate-agents';
export { signalRun, type SignalRunInput } from './use-cases/signal-run';
export { validateWorkflow } from './use-cases/validate-workflow';
export { refuseSelfInclusion, refuseUnknownTemplates, selfInclusion, type TemplateLookup } from './use-cases/template-cycle';
export { catalogTemplates, checkSubWorkflows, subWorkflowRefs, type ResolveTemplate } from './use-cases/sub-workflow-refs';
export {
  DEFAULT_TEMPLATE_PAGE, diffTemplate, getTemplate, listTemplates, putTemplate, storeTemplate, templateHash,
  type PutTemplateInput, type PutTemplateResult, type TemplateChanges, type TemplateDeps, type TemplateDiff, type TemplatePage, type TemplateStore, type TemplateView,
} from './use-cases/templates';
export { diffJson, type JsonChange } from './use-cases/diff-json';
export { TemplateCatalog, type ResolvedTemplate, type TemplateCatalogOptions } from './use-cases/template-catalog';
export { fireSchedule, templateSubmission, type ScheduleFire, type TemplateRunDeps, type TemplateSubmission } from './use-cases/template-runs';
export { postEvent, type EventDeps, type PostEventInput } from './use-cases/post-event';
export { listSchedules, scheduleId, syncAllSchedules, syncSchedule, type CronSchedules, type ScheduleDeps, type ScheduleView } from './use-cases/template-schedules';
export { getPayload } from './use-cases/get-payload';
export { payloadLink, type PayloadLink } from './use-cases/hydrate-within';
export type { RunSummary, RunView, StepView } from './use-cases/run-view';
export { MAX_DEPTH, nestedDeeperThan } from './use-cases/nested-deeper-than';
export { SecretCipher, SecretDecryptError, type Sealed, type SecretKey } from './secrets/secret-cipher';
export { SecretRefusedError, SecretResolver, type SecretResolverOptions } from './secrets/secret-resolver';
export { MASK, maskSecrets, maskText, maskable } from './secrets/mask-secrets';
export type { SecretStore } from './secrets/secret-store';
export { deleteSecret, listSecrets, putSecret, MAX_SECRET_BYTES, type PutSecretInput, type SecretDeps, type SecretSummary } from './use-cases/secrets';
export { within } from './within';
export { sweepFinishedRuns, type RetentionDeps, type RetentionOptions } from './retention';
export { BULK_ACTIONS, BulkOperationRunner, type BulkAction, type BulkFilter, type BulkOperation, type BulkOperationStore, type BulkOperationRunnerOptions } from './bulk-operations';
export { applyBulkAction, getBulkOperation, startBulkOperation, type BulkOperationDeps, type BulkOperationView } from './use-cases/bulk-operations';
export { getSettings, patchSettings, type SettingsDeps, type SettingsView } from './use-cases/settings';
export { LiveSettings, type LiveSettingsOptions } from './live-settings';
