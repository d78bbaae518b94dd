import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { loadRun } from './load-run';
import type { UseCaseDeps } from './use-case-deps';

/**
 * Retries a failed run: its failed and skipped steps run again (steps that succeeded keep their outputs).
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND; RUN_NOT_FAILED when the run is not failed
 */
export async function retryRun(deps: Pick<UseCaseDeps, 'runtime' | 'queries'>, principal: Principal, { id }: { id: string }): Promise<{ id: string; status: string }> {
  authorize(principal, 'run.retry');
  const run = await loadRun(deps.queries, principal, id);
  if (run.status !== 'failed') throw new BatonError('RUN_NOT_FAILED', `only a failed run can be retried; this one is ${run.status}`);
  await deps.runtime.retry(principal.tenant, id);
  const after = await deps.queries.run(principal.tenant, id);
  return { id, status: after?.status ?? 'running' };
}
