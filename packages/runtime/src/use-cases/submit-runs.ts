import { authorize, type Principal } from '@baton/auth';
import { BatonError, httpStatusOf, isErrorCode } from '@baton/core';
import type { SubmitRequest, SubmitResult } from '../admission';
import { checkSubmission, type SubmissionCheckDeps, type SubmitRunInput } from './submit-run';
import type { UseCaseDeps } from './use-case-deps';

/** Most runs one batch may submit (`POST /v1/runs/batch`). */
export const MAX_BATCH_RUNS = 1000;

/** What a batch needs: a single submission's, and a runtime that records many runs at once. */
export type SubmitRunsDeps = SubmissionCheckDeps & { runtime: Pick<UseCaseDeps['runtime'], 'submitMany'> };

/**
 * Submits many runs, each checked and recorded as `submitRun` does one, in one admission: answers
 * each in order, its result or the BatonError that refused it alone (its paths those of the
 * submission). Idempotency keys hold as they do for single runs, and a key given twice in the batch
 * makes one run. An error no submission causes (a dependency down) fails the whole call instead.
 * @throws BatonError FORBIDDEN without `run.submit`; VALIDATION_FAILED for more than MAX_BATCH_RUNS; UNAVAILABLE
 */
export async function submitRuns(deps: SubmitRunsDeps, principal: Principal, submissions: readonly SubmitRunInput[]): Promise<Array<SubmitResult | BatonError>> {
  authorize(principal, 'run.submit');
  if (submissions.length > MAX_BATCH_RUNS) {
    throw new BatonError('VALIDATION_FAILED', `a batch holds at most ${MAX_BATCH_RUNS} runs`, [{ path: 'runs', message: `${submissions.length} runs; at most ${MAX_BATCH_RUNS}` }]);
  }
  const batchDeps = onceEach(deps);
  // One after another, as single submissions would be: the first naming a template reads it, the rest reuse that.
  const checked: Array<SubmitRequest | BatonError> = [];
  for (const s of submissions) checked.push(await checkSubmission(batchDeps, principal, s).catch(ownError));
  const requests = checked.filter((c): c is SubmitRequest => !(c instanceof BatonError));
  const recorded = await deps.runtime.submitMany(requests);
  let next = 0;
  return checked.map((c) => (c instanceof BatonError ? c : ownError(recorded[next++]!)));
}

/** A submission's own error is its answer; anything else (a dependency down, a bug) is the whole batch's. */
function ownError<T>(result: T | Error): T | BatonError {
  if (result instanceof BatonError && isErrorCode(result.code) && httpStatusOf(result.code) < 500) return result;
  if (result instanceof Error) throw result;
  return result;
}

/**
 * The check dependencies for one batch: the registered agents, each template's resolution and its
 * pause read once however many submissions name it, where each would be a read of its own.
 */
function onceEach(deps: SubmissionCheckDeps): SubmissionCheckDeps {
  const memo = <T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = read()));
    return hit;
  };
  const known = new Map<string, Promise<Set<string>>>();
  const resolved = new Map<string, ReturnType<NonNullable<SubmissionCheckDeps['templateCatalog']>['resolve']>>();
  const paused = new Map<string, Promise<string | undefined>>();
  const { templateCatalog: catalog, templatePauses: pauses } = deps;
  return {
    ...deps,
    agents: { known: () => memo(known, '', () => deps.agents.known()) },
    templateCatalog: catalog && {
      resolve: (tenant, name, version, checkDeps) => memo(resolved, JSON.stringify([tenant, name, version ?? null]), () => catalog.resolve(tenant, name, version, checkDeps)),
    },
    templatePauses: pauses && { pausedBy: (tenant, name) => memo(paused, JSON.stringify([tenant, name]), () => pauses.pausedBy(tenant, name)) },
  };
}
