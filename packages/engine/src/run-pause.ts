import { WAIT_AGENT } from '@baton/workflow';
import { backoffDelay } from './backoff';
import type { RunDraft } from './run-draft';
import { hasJob, launch, suspend, withoutDeadline } from './step-outcomes';
import type { StepState } from './types';

/**
 * Pauses a run that has not finished: it starts no new attempt until resumed. Attempts a worker
 * has not taken yet are withdrawn and held, keeping the time their back-off ends; running attempts,
 * child runs and waits go on, and their results are recorded. Pausing a paused run changes nothing.
 */
export function pauseRun(draft: RunDraft, by: string | undefined): void {
  if (draft.status === 'paused') return;
  draft.setRun(by === undefined ? { status: 'paused' } : { status: 'paused', pausedBy: by });
  draft.emit('run.paused', undefined, by === undefined ? undefined : { by });
  for (const key of Object.keys(draft.base.steps)) {
    const entry = draft.entry(key);
    if (entry.status !== 'queued' || entry.agent === null || !hasJob(entry)) continue;
    draft.put({ ...entry, heldUntil: readyAt(draft, entry) });
    draft.command({ type: 'withdraw', key, attempt: entry.attempt, agent: entry.agent });
  }
}

/** When a queued attempt's job becomes ready: its queueing plus the back-off after the attempt before it. */
function readyAt(draft: RunDraft, entry: StepState): string {
  const failedTries = entry.attempt - 1 - (entry.priorAttempts ?? 0);
  const delayMs = failedTries > 0 ? backoffDelay(draft.step(entry.stepId).def.retry, failedTries) : 0;
  return new Date(Date.parse(entry.queuedAt!) + delayMs).toISOString();
}

/** Resumes a paused run where it stopped: each held attempt starts, once what is left of its back-off has passed. */
export function resumeRun(draft: RunDraft, by: string | undefined): void {
  if (draft.status !== 'paused') return;
  draft.setRun({ status: draft.run('startedAt') === undefined ? 'queued' : 'running', pausedBy: undefined });
  draft.emit('run.resumed', undefined, by === undefined ? undefined : { by });
  for (const key of Object.keys(draft.base.steps)) {
    const entry = draft.entry(key);
    if (entry.heldUntil === undefined) continue;
    const delayMs = Math.max(0, Date.parse(entry.heldUntil) - draft.now.getTime());
    const released = draft.put(withoutDeadline(entry));
    if (entry.agent === WAIT_AGENT) suspend(draft, { ...released, startedAt: draft.nowIso });
    else launch(draft, released, delayMs, false);
  }
}
