import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import { FINAL_RUN_STATUSES, type RunStatus } from '@baton/engine';
import { SIGNAL_NAME } from '@baton/workflow';
import { refuseUnstorable } from './refuse-unstorable';
import { loadRun } from './load-run';
import type { UseCaseDeps } from './use-case-deps';

export interface SignalRunInput {
  id: string;
  /** The signal's name: a `wait` step's `input.signal`. */
  name: string;
  /** Any JSON value (null for an empty body): the output of the step it resumes. */
  payload: unknown;
}

const signalNotFound = (id: string, name: string, why: string): BatonError =>
  new BatonError('SIGNAL_NOT_FOUND', `no step of run ${id} waits for signal ${name}: ${why}`);

/**
 * Sends a signal to a run of the caller's tenant (any run of it: whoever approves need not be who
 * submitted). The step waiting longest for `name` resumes, the payload its output; with none waiting
 * yet, the signal is kept for the first `wait` step that waits for that name.
 * @throws BatonError FORBIDDEN; VALIDATION_FAILED for a name that is no signal name or a payload
 * holding text that cannot be stored; RUN_NOT_FOUND; SIGNAL_NOT_FOUND when the run has finished, has
 * no unfinished `wait` step that may wait for `name`, already holds a kept signal of that name, or
 * cannot hold the payload (`BATON_MAX_RUN_BYTES`)
 */
export async function signalRun(deps: Pick<UseCaseDeps, 'runtime' | 'queries'>, principal: Principal, { id, name, payload }: SignalRunInput): Promise<{ id: string; signal: string }> {
  authorize(principal, 'run.submit');
  if (!SIGNAL_NAME.test(name)) {
    throw new BatonError('VALIDATION_FAILED', 'invalid signal name', [{ path: 'name', message: 'must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}' }]);
  }
  // Postgres stores no NUL and no lone surrogate: refused before anything is stored, where they are.
  refuseUnstorable(payload, 'the payload', 'payload');
  const run = await loadRun(deps.queries, principal, id);
  if (FINAL_RUN_STATUSES.has(run.status as RunStatus)) throw signalNotFound(id, name, `the run is ${run.status}`);
  if (!(await deps.runtime.signal(principal.tenant, id, name, payload))) {
    throw signalNotFound(id, name, 'it has no unfinished wait step that may wait for it (a signal is taken once, and one kept early must fit in the run)');
  }
  return { id, signal: name };
}
