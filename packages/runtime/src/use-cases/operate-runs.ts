import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { RunRow } from '@baton/db';
import { FINAL_RUN_STATUSES, type RunStatus } from '@baton/engine';
import type { WorkflowDefinition } from '@baton/workflow';
import { loadRun } from './load-run';
import { refuseUnstorable } from './refuse-unstorable';
import { forkSeed } from './fork-seed';
import { templateSubmission } from './template-runs';
import type { UseCaseDeps } from './use-case-deps';

const isFinal = (status: string): boolean => FINAL_RUN_STATUSES.has(status as RunStatus);

type RunDeps = Pick<UseCaseDeps, 'runtime' | 'queries'>;

/**
 * Pauses a run that has not finished: it starts no new step until resumed; running steps finish
 * and are recorded. Pausing a paused run changes nothing and answers the same (idempotent).
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND; RUN_FINISHED when it had finished
 */
export async function pauseRun(deps: RunDeps, principal: Principal, { id }: { id: string }): Promise<{ id: string; status: string }> {
  authorize(principal, 'run.retry');
  const run = await loadRun(deps.queries, principal, id);
  if (isFinal(run.status)) throw new BatonError('RUN_FINISHED', `run is already ${run.status}`);
  await deps.runtime.pause(principal.tenant, id, principal.subject);
  return { id, status: await statusNow(deps, principal, id, 'paused') };
}

/**
 * Resumes a paused run where it stopped. Resuming a run that is not paused (and has not finished)
 * changes nothing.
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND; RUN_FINISHED when it had finished
 */
export async function resumeRun(deps: RunDeps, principal: Principal, { id }: { id: string }): Promise<{ id: string; status: string }> {
  authorize(principal, 'run.retry');
  const run = await loadRun(deps.queries, principal, id);
  if (isFinal(run.status)) throw new BatonError('RUN_FINISHED', `run is already ${run.status}`);
  await deps.runtime.resume(principal.tenant, id, principal.subject);
  return { id, status: await statusNow(deps, principal, id, 'running') };
}

const statusNow = async (deps: RunDeps, principal: Principal, id: string, fallback: string): Promise<string> =>
  (await deps.queries.run(principal.tenant, id))?.status ?? fallback;

export interface RerunInput {
  id: string;
  fromStep: string;
  /** The input `fromStep` runs with instead of its evaluated one. */
  input?: unknown;
}

/**
 * Re-runs a finished run from `fromStep`: that step and everything downstream of it again (and any
 * other step that did not succeed), upstream outputs kept; with `input`, `fromStep` runs with it.
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND; RUN_NOT_FINISHED; VALIDATION_FAILED (an unknown
 * step, an input for a forEach step, a step whose needs have not all succeeded)
 */
export async function rerunRun(deps: RunDeps, principal: Principal, request: RerunInput): Promise<{ id: string; status: string }> {
  authorize(principal, 'run.retry');
  refuseUnstorable({ input: request.input }, 'the request');
  const run = await loadRun(deps.queries, principal, request.id);
  if (!isFinal(run.status)) throw new BatonError('RUN_NOT_FINISHED', `only a finished run can be re-run; this one is ${run.status} (cancel it first)`);
  const workflow = definitionOf(run);
  checkFromStep(workflow, request, await deps.queries.steps(principal.tenant, run.id));
  await deps.runtime.rerun(principal.tenant, run.id, request.fromStep, request.input, principal.subject);
  return { id: run.id, status: await statusNow(deps, principal, run.id, 'running') };
}

export interface ForkInput extends RerunInput {
  /** The template version the fork runs (a run of a template only); absent, the origin's definition. */
  version?: number;
}

/**
 * Forks a run: a new run of the caller's tenant, submitted by the caller, with the same input,
 * whose steps upstream of `fromStep` (and any other that succeeded and is not downstream of it)
 * keep the origin's outputs, and `fromStep` onwards run again (with `input`, when given). The
 * origin is not touched; the fork names it (`forkedFrom`).
 * @throws BatonError FORBIDDEN, RUN_NOT_FOUND, TEMPLATE_NOT_FOUND, VALIDATION_FAILED (as for a
 * re-run; `version` for a run of no template)
 */
export async function forkRun(
  deps: Pick<UseCaseDeps, 'runtime' | 'queries' | 'agents' | 'readDefinition' | 'limits' | 'templateCatalog' | 'templatePauses'>,
  principal: Principal,
  request: ForkInput,
): Promise<{ id: string; status: string }> {
  authorize(principal, 'run.retry');
  refuseUnstorable({ input: request.input }, 'the request');
  const run = await loadRun(deps.queries, principal, request.id);
  if (request.version !== undefined && run.template === null) {
    throw new BatonError('VALIDATION_FAILED', 'version needs a run of a template', [{ path: 'version', message: 'this run has no template' }]);
  }
  const origin = await deps.queries.steps(principal.tenant, run.id);
  const submission = request.version === undefined
    ? { workflow: definitionOf(run), definitionHash: run.definition_hash, input: run.input, template: run.template === null ? undefined : { name: run.template, version: run.template_version! } }
    : await templateSubmission(deps, principal, { template: run.template!, version: request.version, input: run.input });
  checkFromStep(submission.workflow, request, origin);
  const steps = forkSeed(submission.workflow, request.fromStep, origin);
  const result = await deps.runtime.submit({
    ...submission,
    tenant: principal.tenant,
    priority: run.priority,
    submittedBy: principal.subject,
    allowedAgents: principal.agents,
    fork: { from: run.id, step: request.fromStep, input: request.input, by: principal.subject, steps },
  });
  return { id: result.id, status: result.status };
}

/** A run's definition as it was validated when the run was submitted. */
const definitionOf = (run: RunRow): WorkflowDefinition => run.definition as WorkflowDefinition;

/** `fromStep` names a top-level step; an edited input is for a step that is not forEach and can start at once. */
function checkFromStep(workflow: WorkflowDefinition, { fromStep, input }: RerunInput, rows: ReadonlyArray<{ key: string; status: string }>): void {
  const def = workflow.steps.find((s) => s.id === fromStep);
  if (!def) throw new BatonError('VALIDATION_FAILED', `step ${String(fromStep).slice(0, 100)} is not in the workflow`, [{ path: 'fromStep', message: 'no step with this id' }]);
  if (input === undefined) return;
  if (def.forEach !== undefined) throw new BatonError('VALIDATION_FAILED', 'a forEach step takes no edited input', [{ path: 'input', message: `step ${fromStep} is a forEach step` }]);
  const status = new Map(rows.map((r) => [r.key, r.status]));
  const open = def.needs.filter((need) => status.get(need) !== 'succeeded' && status.get(need) !== 'skipped');
  if (open.length > 0) {
    throw new BatonError('VALIDATION_FAILED', `step ${fromStep} cannot start at once: ${open.join(', ')} did not succeed`, [{ path: 'input', message: 'only for a step whose needs succeeded' }]);
  }
}
