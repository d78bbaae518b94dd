import type { RunHead, RunHistoryPage, RunListFilter, RunRow, StepRow } from '@baton/db';

/**
 * What clients read of runs, always within one tenant: another tenant's run, entry or stored
 * value is absent, exactly like one that does not exist (the api's 404). An id that is not a UUID
 * is absent too. `KyselyRunQueries` of `@baton/db` is the Postgres adapter.
 */
export interface RunQueries {
  /** The run, definition included. */
  run(tenant: string, id: string): Promise<RunRow | undefined>;
  /** A page of the tenant's runs, newest first (`created_at`, then `id`, descending), after `filter.after`. */
  list(filter: RunListFilter): Promise<RunHead[]>;
  /** Every entry of the run. */
  steps(tenant: string, runId: string): Promise<StepRow[]>;
  /** Stored values by id, those of the tenant's runs only. */
  payloads(tenant: string, ids: readonly string[]): Promise<Map<string, unknown>>;
  /** Up to `limit` events of the run after sequence number `after`, in order, with the run's status and last sequence number read with them. */
  history(tenant: string, runId: string, after: number, limit: number): Promise<RunHistoryPage | undefined>;
}
