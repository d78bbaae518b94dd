import type { RunLinks } from '../child-runs';
import type { Runtime } from '../runtime';
import type { RunQueries } from '../run-queries';
import type { AgentDirectory } from './agent-directory';
import type { CheckDeps } from './check-workflow';
import type { TemplateCatalog } from './template-catalog';
import type { TemplatePauseStore } from './operate-templates';
import type { AgentPauses } from './operate-agents';

/**
 * What the use cases work with, built once by the composition root (the api's `startApi`). Each
 * use case takes the part it needs, so a test gives it only that.
 */
export interface UseCaseDeps extends CheckDeps {
  /** Writes: submissions, cancellations, retries, signals. */
  runtime: Pick<Runtime, 'submit' | 'submitMany' | 'cancel' | 'retry' | 'signal' | 'pause' | 'resume' | 'rerun'>;
  /** Reads, within the caller's tenant. */
  queries: RunQueries;
  /** The agents workers registered; `list` says which have no live worker (a queued step's `waitingFor`). */
  agents: Pick<AgentDirectory, 'known' | 'list'>;
  /**
   * JSON bytes of one run view or stored value answered whole: stored values beyond it are
   * `{ "$ref": "/v1/payloads/<id>" }` links (`BATON_RUN_VIEW_BUDGET`).
   */
  viewBudgetBytes: number;
  /** Stored templates as runs start them; absent, a run of a template is TEMPLATE_NOT_FOUND. */
  templateCatalog?: Pick<TemplateCatalog, 'resolve'>;
  /** Paused templates (`POST /v1/templates/:name/pause`); absent, none is paused. */
  templatePauses?: TemplatePauseStore;
  /** Paused agents (`POST /v1/agents/:name/pause`); absent, agents cannot be paused. */
  agentPauses?: AgentPauses;
  /** Sub-workflows' parent and child runs, shown on a run's view; absent, none are shown. */
  runLinks?: Pick<RunLinks, 'parents' | 'children'>;
}
