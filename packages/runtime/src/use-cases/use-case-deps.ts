import type { Runtime } from '../runtime';
import type { RunQueries } from '../run-queries';
import type { CheckDeps } from './check-workflow';

/**
 * What the use cases work with, built once by the composition root (the api's `startApi`). Each
 * use case takes the part it needs, so a test gives it only that.
 */
export interface UseCaseDeps extends CheckDeps {
  /** Writes: submissions, cancellations, retries. */
  runtime: Pick<Runtime, 'submit' | 'cancel' | 'retry'>;
  /** Reads, within the caller's tenant. */
  queries: RunQueries;
  /**
   * JSON bytes of one run view or stored value answered whole: stored values beyond it are
   * `{ "$ref": "/v1/payloads/<id>" }` links (`BATON_RUN_VIEW_BUDGET`).
   */
  viewBudgetBytes: number;
}
