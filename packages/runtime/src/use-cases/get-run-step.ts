import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { hydrateWithin } from './hydrate-within';
import { loadRun } from './load-run';
import { toStepView, type StepView } from './run-view';
import type { UseCaseDeps } from './use-case-deps';

/** One entry as `GET /v1/runs/:id/steps/:key` shows it: its run-view fields and the input it was given. */
export interface StepDetailView extends StepView {
  /** The evaluated input of its latest attempt (secrets as their `{{ $secrets.NAME }}` references); absent before it was queued. */
  input?: unknown;
}

/**
 * One entry of a run of the caller's tenant, with its input, which `GET /v1/runs/:id` leaves out
 * (a run's inputs together could be large). Stored values are inlined within `viewBudgetBytes`.
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND, STEP_NOT_FOUND (no entry of that key)
 */
export async function getRunStep(deps: Pick<UseCaseDeps, 'queries' | 'viewBudgetBytes'>, principal: Principal, { id, key }: { id: string; key: string }): Promise<StepDetailView> {
  authorize(principal, 'run.read');
  await loadRun(deps.queries, principal, id);
  const row = (await deps.queries.steps(principal.tenant, id)).find((s) => s.key === key);
  if (!row) throw new BatonError('STEP_NOT_FOUND', `run ${id} has no entry ${key.slice(0, 200)}`);
  const view: StepDetailView = { ...toStepView(row), ...(row.input === null || row.input === undefined ? {} : { input: row.input }) };
  return (await hydrateWithin(view, deps.viewBudgetBytes, (ids) => deps.queries.payloads(principal.tenant, ids))) as StepDetailView;
}
