import type { AgentDirectory, BulkOperationDeps, ReadinessReport, RunQueries, StatsQueries, UseCaseDeps } from '@baton/runtime';
import type { Logger, Metrics } from '@baton/telemetry';
import type { SecretDeps, SettingsDeps } from '@baton/runtime';
import type { Authenticator } from '@baton/auth';
import type { ApiKeyDeps } from '@baton/runtime';
import type { CronSchedules, TemplateCatalog, TemplateDeps } from '@baton/runtime';
import type { BoardQueues } from './bull-board';
import type { Config } from './config';
import type { RateLimits } from './rate-limit';
import type { RunEventHub } from './run-event-hub';

export type { AgentDirectory, AgentInfo } from '@baton/runtime';

/** `/readyz`: each dependency's check with its latency (`readinessCheck` of `@baton/runtime`); never throws, never hangs. */
export interface Readiness {
  check(): Promise<ReadinessReport>;
}

/** Bytes of a `GET /v1/runs/:id` answer when the config does not say (`BATON_RUN_VIEW_BUDGET`). */
export const DEFAULT_RUN_VIEW_BUDGET = 1024 * 1024;

/** Everything `createApp` needs, built by the composition root (`startApi`). */
export interface AppDeps {
  /** `/v1/secrets`: the store, and the cipher when `BATON_SECRET_KEY` is set; absent, those routes answer NOT_CONFIGURED. */
  secrets?: SecretDeps;
  /** `/v1/settings`; absent, those routes answer NOT_CONFIGURED. */
  settings?: SettingsDeps;
  /** Submits, cancels, retries, pauses, resumes and re-runs runs. */
  runtime: UseCaseDeps['runtime'];
  /** Reads runs within the caller's tenant: `KyselyRunQueries` of `@baton/db`. */
  queries: RunQueries;
  /** Parent and child runs of sub-workflows (`KyselyRunLinks` of `@baton/db`), shown on `GET /v1/runs/:id`; absent, no links are shown. */
  runLinks?: UseCaseDeps['runLinks'];
  agents: AgentDirectory;
  readiness: Readiness;
  /** `GET /v1/stats` (`KyselyStatsQueries` of `@baton/db`); absent, it answers 503. */
  stats?: StatsQueries;
  logger: Logger;
  metrics: Metrics;
  /** `runViewBudgetBytes` defaults to {@link DEFAULT_RUN_VIEW_BUDGET}; `limits` to the language's defaults. */
  config: Pick<Config, 'bodyLimit' | 'adminKey'> & Partial<Pick<Config, 'batchBodyLimit' | 'runViewBudgetBytes' | 'limits' | 'trustProxy' | 'sse'>>;
  /**
   * Who the callers are.
   * @defaultValue `adminKeyAuthenticator(config.adminKey)` when an admin key is configured, else `openAuthenticator()`
   */
  authenticator?: Authenticator;
  /**
   * Stored templates (`/v1/templates`), who is told of a new version, the cache runs start them
   * from, and the cron schedules in Redis (`/v1/schedules`); absent, those routes answer NOT_CONFIGURED.
   */
  templates?: Pick<TemplateDeps, 'templates' | 'templateChanges'> & { catalog?: TemplateCatalog; cron?: CronSchedules };
  /** Stored API keys (`/v1/api-keys`); absent, those routes answer NOT_CONFIGURED. */
  apiKeys?: ApiKeyDeps;
  /** Requests per principal (or address) and failed authentications per address; none when absent. */
  rateLimits?: RateLimits;
  /** The agent queues Bull Board shows at `/admin/queues`; none when absent. */
  boardQueues?: BoardQueues;
  /** `/v1/bulk-operations`: the operations' rows and this process's runner; absent, those routes answer NOT_CONFIGURED. */
  bulkOperations?: BulkOperationDeps;
  /** Paused templates (`template_pauses`); absent, the template pause routes answer TEMPLATE_NOT_FOUND. */
  templatePauses?: UseCaseDeps['templatePauses'];
  /** Paused agents (queue pause + `agent_pauses`); absent, the agent pause routes answer NOT_CONFIGURED and `GET /v1/agents` shows none paused. */
  agentPauses?: UseCaseDeps['agentPauses'];
  /** Live run events for `GET /v1/runs/:id/events` (one Redis subscriber per process); absent, that route answers NOT_CONFIGURED. */
  runEvents?: RunEventHub;
  /** The web console's build, served at `/console`. @defaultValue `apps/console/dist` (`DEFAULT_CONSOLE_DIR`) */
  consoleDir?: string;
}
