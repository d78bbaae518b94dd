import { jsonBytes } from '@baton/workflow';
import type { RunDraft } from './run-draft';
import { EVENT_OUTPUT_BYTES, cancel, identity } from './step-outcomes';
import { FINAL_RUN_STATUSES, FINAL_STEP_STATUSES, type RunEvent, type RunState, type StepError, type StepState, type StepStatus } from './types';

/**
 * Creates a pending entry per top-level step that has none and offers those that may be ready. A
 * fork comes with the entries it copied from its origin, and may give its first step an input.
 */
export function submitRun(draft: RunDraft, { fork }: Extract<RunEvent, { type: 'run.submitted' }>): void {
  const defs = draft.workflow.definition.steps;
  let created = 0;
  for (const def of defs) {
    if (draft.get(def.id)) continue;
    const agent = def.forEach === undefined ? (def.agent ?? null) : null;
    draft.put({ key: def.id, stepId: def.id, agent, status: 'pending', attempt: 0 });
    created++;
  }
  if (created === 0) return;
  // A new run's ready steps are those without needs; a fork's may be any whose needs it copied.
  for (const def of defs) if (fork ? draft.entry(def.id).status === 'pending' : def.needs.length === 0) draft.candidates.push(def.id);
  draft.emit('run.queued', undefined, { steps: defs.length });
  if (!fork) return;
  const { input, ...origin } = fork;
  draft.emit('run.forked', undefined, { ...origin, ...editedData(input) });
  if (input !== undefined) draft.edited = { step: fork.step, input };
}

/** A person's input in the history: itself when small, else its size. */
function editedData(input: unknown): Record<string, unknown> {
  if (input === undefined) return {};
  const bytes = jsonBytes(input);
  return bytes <= EVENT_OUTPUT_BYTES ? { input } : { inputBytes: bytes };
}

/** Cancels every entry that is not final, telling workers to stop, and ends the run. */
export function cancelRun(draft: RunDraft, reason = 'run cancelled'): void {
  for (const key of Object.keys(draft.base.steps)) {
    const entry = draft.entry(key);
    if (!FINAL_STEP_STATUSES.has(entry.status)) cancel(draft, entry, reason);
  }
  const error: StepError = { code: 'CANCELLED', message: reason };
  draft.setRun({ status: 'cancelled', finishedAt: draft.nowIso, error });
  draft.command({ type: 'finish', status: 'cancelled', error });
  draft.emit('run.cancelled', undefined, { reason });
}

const RERUN: ReadonlySet<StepStatus> = new Set(['failed', 'skipped', 'cancelled']);

/** Retries a failed run: its failed, skipped and cancelled steps run again. */
export function retryRun(draft: RunDraft): void {
  if (draft.base.status !== 'failed') return;
  restart(draft, (entry) => RERUN.has(entry.status));
  draft.emit('run.retried');
}

/**
 * Re-runs a finished run from `fromStep`: that step and every step downstream of it run again,
 * and so does, as in a retry, every step that did not succeed; the others keep their outputs.
 * With `input`, `fromStep` runs with it instead of its evaluated input (when it is ready at once).
 */
export function rerunRun(draft: RunDraft, { fromStep, input, by }: Extract<RunEvent, { type: 'run.rerun' }>): void {
  if (!FINAL_RUN_STATUSES.has(draft.base.status) || !draft.workflow.steps.has(fromStep)) return;
  const forced = downstream(draft, fromStep);
  restart(draft, (entry) => forced.has(entry.stepId) || RERUN.has(entry.status));
  draft.emit('run.rerun', undefined, { fromStep, ...(by === undefined ? {} : { by }), ...editedData(input) });
  if (input !== undefined) draft.edited = { step: fromStep, input };
}

/** `id` and the steps that need it, directly or not. */
function downstream(draft: RunDraft, id: string): Set<string> {
  const found = new Set([id]);
  for (const step of found) for (const dependant of draft.step(step).dependants) found.add(dependant);
  return found;
}

/**
 * Puts the entries `again` picks back to `pending`, their attempt numbers kept and a fresh budget
 * of `retry.attempts` (`priorAttempts`); a forEach parent keeps its items (and the children not
 * picked); the hops of a chain whose root is picked are set aside (`skipped`) so that the chain
 * restarts from its root. The run is `running` again.
 */
function restart(draft: RunDraft, again: (entry: StepState) => boolean): void {
  for (const key of Object.keys(draft.base.steps)) {
    const entry = draft.entry(key);
    if (entry.hop !== undefined) {
      if (again(draft.base.steps[entry.parentKey!]!) && entry.status !== 'skipped') {
        draft.put({ ...identity(entry), status: 'skipped', reason: 'hand-off chain restarted', finishedAt: draft.nowIso });
      }
    } else if (again(entry)) {
      draft.put({ ...identity(entry), status: 'pending', ...(entry.attempt > 0 ? { priorAttempts: entry.attempt } : {}) });
      if (entry.parentKey === undefined) draft.candidates.push(key);
    }
  }
  // A field set to undefined is one to remove (see applyDecisionInPlace).
  const cleared: Partial<RunState> = { status: 'running' };
  for (const field of ['finishedAt', 'error', 'output'] as const) if (field in draft.base) cleared[field] = undefined;
  draft.setRun(cleared);
  // A run whose `output` expression failed has nothing to re-run: look at its outcome again.
  draft.topLevelSettled = true;
}
