import { WAIT_AGENT, jsonBytes, literalSignal, type WaitInput } from '@baton/workflow';
import { setOwn } from './own-keys';
import type { RunDraft } from './run-draft';
import { fail, resume } from './step-outcomes';
import { FINAL_STEP_STATUSES, isPayloadRef, type RunEvent, type StepState } from './types';

/**
 * A signal for the run: it resumes the entry that has waited longest for its name. With none
 * waiting, it is kept (one per name, counted in the run's bytes) for the first that will, provided
 * some `wait` step that has not finished may still wait for that name; otherwise, or when the run
 * cannot hold it, nothing changes (the caller answers that no step waits for it).
 */
export function signalReceived(draft: RunDraft, { name, payload }: Extract<RunEvent, { type: 'signal.received' }>): void {
  const waiting = longestWaiting(draft, name);
  if (waiting) {
    resume(draft, waiting, name, payload, true);
    return;
  }
  const kept = draft.run('signals') ?? {};
  if (Object.hasOwn(kept, name) || !mayWaitFor(draft, name)) return;
  if (!draft.receive(isPayloadRef(payload) ? payload.bytes : jsonBytes(payload))) return;
  const signals = { ...kept };
  setOwn(signals, name, payload);
  draft.setRun({ signals });
  draft.emit('run.signalled', undefined, { signal: name });
}

/** A wait's `timeoutMs` passed without its signal: the step fails, not retried (a longer wait is a longer `timeoutMs`). */
export function waitTimedOut(draft: RunDraft, entry: StepState): void {
  const { signal, timeoutMs } = entry.input as WaitInput;
  fail(draft, entry, { code: 'WAIT_TIMEOUT', message: `step ${entry.key}: no signal ${signal} came within ${timeoutMs} ms` });
}

function longestWaiting(draft: RunDraft, name: string): StepState | undefined {
  let found: StepState | undefined;
  for (const key of Object.keys(draft.base.steps)) {
    const entry = draft.entry(key);
    if (entry.status !== 'waiting' || (entry.input as WaitInput).signal !== name) continue;
    if (!found || entry.startedAt! < found.startedAt!) found = entry;
  }
  return found;
}

/**
 * Whether a `wait` step that has not finished may yet wait for `name`: its signal is that name as
 * written, or an expression (known only once it runs). One waiting for another name already may not.
 */
function mayWaitFor(draft: RunDraft, name: string): boolean {
  return draft.workflow.definition.steps.some((def) => {
    if (def.agent !== WAIT_AGENT) return false;
    // No entry yet: a run admitted but held for a concurrency slot has not started any step.
    const status = draft.get(def.id)?.status;
    if (status !== undefined && (FINAL_STEP_STATUSES.has(status) || status === 'waiting')) return false;
    const literal = literalSignal(def.input);
    return literal === undefined || literal === name;
  });
}
