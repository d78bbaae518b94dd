import { authorize, can, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { FINAL_RUN_STATUSES, type RunStatus } from '@baton/engine';
import { loadRun } from './load-run';
import type { UseCaseDeps } from './use-case-deps';

const isFinal = (status: string): boolean => FINAL_RUN_STATUSES.has(status as RunStatus);

/**
 * Cancels a run that has not finished: its waiting steps are removed and its running ones told to
 * stop. An operator (or admin) may cancel any run of the tenant; a submitter only its own.
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND; RUN_FINISHED when it had finished already, or
 * finished on its own while being cancelled
 */
export async function cancelRun(deps: Pick<UseCaseDeps, 'runtime' | 'queries'>, principal: Principal, { id }: { id: string }): Promise<{ id: string; status: 'cancelled' }> {
  authorize(principal, 'run.cancel');
  const run = await loadRun(deps.queries, principal, id);
  if (!can(principal, 'run.cancel', { tenant: run.tenant, submittedBy: run.submitted_by })) {
    throw new BatonError('FORBIDDEN', 'only an operator or the submitter of a run may cancel it');
  }
  if (isFinal(run.status)) throw new BatonError('RUN_FINISHED', `run is already ${run.status}`);
  await deps.runtime.cancel(principal.tenant, id);
  // The run may have finished on its own meanwhile: answer with what actually happened.
  const after = await deps.queries.run(principal.tenant, id);
  if (after && after.status !== 'cancelled' && isFinal(after.status)) throw new BatonError('RUN_FINISHED', `run is already ${after.status}`);
  return { id, status: 'cancelled' };
}
