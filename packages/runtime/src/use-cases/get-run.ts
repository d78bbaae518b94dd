import { authorize, type Principal } from '@baton/auth';
import { hydrateWithin } from './hydrate-within';
import { loadRun } from './load-run';
import { toRunView, type RunView } from './run-view';
import type { UseCaseDeps } from './use-case-deps';

/**
 * One run of the caller's tenant with its entries, in a stable order. Values stored by reference
 * come back as plain values as long as the answer fits `viewBudgetBytes` (in document order), the
 * rest as links to `GET /v1/payloads/:id`: one read never loads a run's every large value.
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND
 */
export async function getRun(deps: Pick<UseCaseDeps, 'queries' | 'viewBudgetBytes'>, principal: Principal, { id }: { id: string }): Promise<RunView> {
  authorize(principal, 'run.read');
  const run = await loadRun(deps.queries, principal, id);
  const steps = await deps.queries.steps(principal.tenant, id);
  return (await hydrateWithin(toRunView(run, steps), deps.viewBudgetBytes, (ids) => deps.queries.payloads(principal.tenant, ids))) as RunView;
}
