import { authorize, type Principal } from '@baton/auth';
import { loadRun } from './load-run';
import type { UseCaseDeps } from './use-case-deps';

/** `GET /v1/runs/:id/definition`: the workflow a run follows, as it was recorded at submission. */
export interface RunDefinitionView {
  id: string;
  workflow: string;
  template?: string;
  version?: number;
  definition: unknown;
}

/**
 * The definition of one run of the caller's tenant: what a client needs to draw the run's graph
 * (`needs`, `forEach`, `handoffs`, `workflow:` steps), whatever the run's entries say so far.
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND
 */
export async function getRunDefinition(deps: Pick<UseCaseDeps, 'queries'>, principal: Principal, { id }: { id: string }): Promise<RunDefinitionView> {
  authorize(principal, 'run.read');
  const run = await loadRun(deps.queries, principal, id);
  return {
    id: run.id,
    workflow: run.workflow_name,
    ...(run.template === null ? {} : { template: run.template }),
    ...(run.template_version === null ? {} : { version: run.template_version }),
    definition: run.definition,
  };
}
