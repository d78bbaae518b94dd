import type { RunDraft } from './run-draft';
import { cancel, identity } from './step-outcomes';
import { FINAL_STEP_STATUSES, type RunState, type StepError, type StepStatus } from './types';

/** Creates a pending entry per top-level step and offers the steps without needs. */
export function submitRun(draft: RunDraft): void {
  const defs = draft.workflow.definition.steps;
  if (draft.get(defs[0]!.id)) return;
  for (const def of defs) {
    const agent = def.forEach === undefined ? (def.agent ?? null) : null;
    draft.put({ key: def.id, stepId: def.id, agent, status: 'pending', attempt: 0 });
    if (def.needs.length === 0) draft.candidates.push(def.id);
  }
  draft.emit('run.queued', undefined, { steps: defs.length });
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

/**
 * Re-runs a failed run: failed, skipped and cancelled entries go back to `pending` with their
 * attempt numbers kept and a fresh budget of `retry.attempts` (`priorAttempts`); a forEach parent keeps its items and succeeded children; the hops of a
 * chain that did not succeed are set aside (`skipped`) so that the chain restarts from its root.
 */
export function retryRun(draft: RunDraft): void {
  if (draft.base.status !== 'failed') return;
  for (const key of Object.keys(draft.base.steps)) {
    const entry = draft.entry(key);
    if (entry.hop !== undefined) {
      const rootRerun = RERUN.has(draft.base.steps[entry.parentKey!]!.status);
      if (rootRerun && entry.status !== 'skipped') {
        draft.put({ ...identity(entry), status: 'skipped', reason: 'hand-off chain restarted', finishedAt: draft.nowIso });
      }
    } else if (RERUN.has(entry.status)) {
      draft.put({ ...identity(entry), status: 'pending', ...(entry.attempt > 0 ? { priorAttempts: entry.attempt } : {}) });
      if (entry.parentKey === undefined) draft.candidates.push(key);
    }
  }
  // A field set to undefined is one to remove (see applyDecisionInPlace).
  const cleared: Partial<RunState> = { status: 'running' };
  for (const field of ['finishedAt', 'error', 'output'] as const) if (field in draft.base) cleared[field] = undefined;
  draft.setRun(cleared);
  draft.emit('run.retried');
  // A run whose `output` expression failed has nothing to re-run: look at its outcome again.
  draft.topLevelSettled = true;
}
