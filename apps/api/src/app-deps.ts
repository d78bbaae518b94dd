import type { Db } from '@baton/db';
import type { Runtime } from '@baton/runtime';
import type { Logger, Metrics } from '@baton/telemetry';
import type { Authenticator } from '@baton/auth';
import type { Config } from './config';

/** One registered agent, as `GET /v1/agents` lists it. */
export interface AgentInfo {
  name: string;
  description?: string;
  /** Live workers serving it. */
  workers: number;
  lastSeenAt: string | number | Date | null;
}

/** The agents workers registered; `AgentRegistry` of @baton/queue is the adapter. */
export interface AgentDirectory {
  list(): Promise<AgentInfo[]>;
  /** Every agent some worker has ever registered: a workflow naming another is a 400. */
  known(): Promise<Set<string>>;
}

/** Whether each dependency answers. A check may hang or throw: `/readyz` bounds and catches it. */
export interface Readiness {
  redis(): Promise<boolean>;
  postgres(): Promise<boolean>;
}

/** Bytes of a `GET /v1/runs/:id` answer when the config does not say (`BATON_RUN_VIEW_BUDGET`). */
export const DEFAULT_RUN_VIEW_BUDGET = 1024 * 1024;

/** Everything `createApp` needs, built by the composition root (`startApi`). */
export interface AppDeps {
  runtime: Runtime;
  db: Db;
  agents: AgentDirectory;
  readiness: Readiness;
  logger: Logger;
  metrics: Metrics;
  /** `runViewBudgetBytes` defaults to {@link DEFAULT_RUN_VIEW_BUDGET}. */
  config: Pick<Config, 'bodyLimit' | 'adminKey'> & Partial<Pick<Config, 'runViewBudgetBytes'>>;
  /**
   * Who the callers are.
   * @defaultValue `adminKeyAuthenticator(config.adminKey)` when an admin key is configured, else `openAuthenticator()`
   */
  authenticator?: Authenticator;
}
