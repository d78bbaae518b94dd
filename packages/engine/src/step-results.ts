import { RUN_BYTES_LIMIT, jsonBytes } from '@baton/workflow';
import { applyContextWrites, forbiddenWrites } from './context-access';
import { handOff } from './handoff-chain';
import type { RunDraft } from './run-draft';
import { fail, failAttempt, hasJob, markRunStarted, succeed, withoutDeadline } from './step-outcomes';
import { LIMIT_EXCEEDED } from './run-limits';
import { waitTimedOut } from './signals';
import { isPayloadRef, type RunEvent, type StepState, type TokenUsage } from './types';

type StepEvent<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** The entry a worker's report is about, if the report is for its current attempt; anything else is stale or repeated. */
function current(draft: RunDraft, key: string, attempt: number): StepState | undefined {
  const entry = draft.get(key);
  return entry && hasJob(entry) && entry.attempt === attempt ? entry : undefined;
}

export function stepStarted(draft: RunDraft, event: StepEvent<'step.started'>): void {
  const entry = current(draft, event.key, event.attempt);
  if (entry?.status !== 'queued') return;
  markRunStarted(draft);
  const { timeoutMs } = draft.step(entry.stepId).def;
  const running: StepState = { ...withoutDeadline(entry), status: 'running', startedAt: draft.nowIso };
  if (timeoutMs !== undefined) running.deadlineAt = new Date(draft.now.getTime() + timeoutMs).toISOString();
  draft.put(running);
  draft.emit('step.started', entry.key, event.worker === undefined ? { attempt: entry.attempt } : { attempt: entry.attempt, worker: event.worker });
}

/** Text streamed by the current attempt becomes a history event; the run and the entry stay as they are. */
export function stepProgress(draft: RunDraft, event: StepEvent<'step.progress'>): void {
  const entry = current(draft, event.key, event.attempt);
  if (entry) draft.emit('step.progress', entry.key, { attempt: entry.attempt, text: event.text });
}

/**
 * Adds what the attempt spent to the run's usage, and says so in history (`step.usage`, before the
 * outcome's event): a step's usage is read back from there, a run's from its state.
 */
function charge(draft: RunDraft, entry: StepState, usage: TokenUsage | undefined): void {
  if (usage === undefined) return;
  const run = draft.run('usage');
  draft.setRun({
    usage: {
      promptTokens: (run?.promptTokens ?? 0) + usage.promptTokens,
      completionTokens: (run?.completionTokens ?? 0) + usage.completionTokens,
      totalTokens: (run?.totalTokens ?? 0) + usage.totalTokens,
    },
  });
  draft.emit('step.usage', entry.key, { attempt: entry.attempt, ...usage });
}

export function stepSucceeded(draft: RunDraft, event: StepEvent<'step.succeeded'>): void {
  const entry = current(draft, event.key, event.attempt);
  if (!entry) return;
  markRunStarted(draft);
  charge(draft, entry, event.usage);
  const writes = event.contextWrites ?? {};
  const forbidden = forbiddenWrites(draft.step(entry.stepId).def, writes);
  const outputBytes = receivedSize(event.output);
  const bytes = outputBytes + receivedBytes(event, writes);
  if (forbidden.length > 0) {
    fail(draft, entry, { code: 'CONTEXT_ACCESS', message: `step ${entry.key} may not write context ${forbidden.join(', ')}` });
  } else if (!draft.receive(bytes)) {
    const message = `step ${entry.key}: its result of ${bytes} bytes would make the run hold more than ${draft.limits.maxRunBytes} bytes (${RUN_BYTES_LIMIT})`;
    fail(draft, entry, { code: LIMIT_EXCEEDED, message });
  } else if (event.handoff) {
    handOff(draft, entry, event.handoff, writes);
  } else {
    applyContextWrites(draft, entry, writes);
    succeed(draft, entry, event.output, outputBytes);
  }
}

/** A received value's JSON bytes: a stored one by the size it declares. */
const receivedSize = (value: unknown): number => (isPayloadRef(value) ? value.bytes : jsonBytes(value));

/** The JSON bytes a result brings into the run besides its output: context writes, a hand-off's input. */
function receivedBytes(event: StepEvent<'step.succeeded'>, writes: Record<string, unknown>): number {
  return (Object.keys(writes).length > 0 ? jsonBytes(writes) : 0) + receivedSize(event.handoff?.input);
}

export function stepFailed(draft: RunDraft, event: StepEvent<'step.failed'>): void {
  const entry = current(draft, event.key, event.attempt);
  if (!entry) return;
  markRunStarted(draft);
  charge(draft, entry, event.usage);
  failAttempt(draft, entry, event.error, event.retryable);
}

/** A timed-out attempt is a failed one, and its worker is told to stop; a wait past its `timeoutMs` fails (WAIT_TIMEOUT). */
export function stepTimedOut(draft: RunDraft, event: StepEvent<'step.timedOut'>): void {
  const suspended = draft.get(event.key);
  if (suspended?.status === 'waiting' && suspended.attempt === event.attempt) {
    waitTimedOut(draft, suspended);
    return;
  }
  const entry = current(draft, event.key, event.attempt);
  if (!entry) return;
  markRunStarted(draft);
  draft.command({ type: 'cancel', key: entry.key, attempt: entry.attempt });
  failAttempt(draft, entry, { code: 'TIMEOUT', message: `step ${entry.key}: attempt ${entry.attempt} timed out` }, true);
}
