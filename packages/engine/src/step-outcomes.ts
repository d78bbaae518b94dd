import { ExpressionError, LimitExceededError, RUN_BYTES_LIMIT, WAIT_AGENT, jsonBytes, parseWaitInput } from '@baton/workflow';
import { backoffDelay } from './backoff';
import { takesStepInput } from './hop-key';
import { setOwn } from './own-keys';
import type { RunDraft } from './run-draft';
import { LIMIT_EXCEEDED } from './run-limits';
import { readableContext } from './scope';
import { isPayloadRef, type StepError, type StepState } from './types';

/** The entry without what belongs to one attempt or one outcome. */
export function identity(entry: StepState): StepState {
  const {
    input: _input,
    output: _output,
    error: _error,
    reason: _reason,
    handoff: _handoff,
    queuedAt: _queuedAt,
    startedAt: _startedAt,
    finishedAt: _finishedAt,
    deadlineAt: _deadlineAt,
    heldUntil: _heldUntil,
    ...rest
  } = entry;
  return rest;
}

/** The entry without its timers: an attempt's deadline, a paused run's hold. */
export function withoutDeadline(entry: StepState): StepState {
  const { deadlineAt: _deadlineAt, heldUntil: _heldUntil, ...rest } = entry;
  return rest;
}

/** Whether a worker (or a child run) holds this entry: a forEach parent or a root waiting on its hand-off chain does not. */
export function hasJob(entry: StepState): boolean {
  return (entry.status === 'queued' || entry.status === 'running') && entry.handoff === undefined && entry.items === undefined;
}

/** The run is `running` from the first sign that a step runs. */
export function markRunStarted(draft: RunDraft): void {
  const { status } = draft;
  if (status === 'queued') {
    draft.setRun({ status: 'running', startedAt: draft.nowIso });
    draft.emit('run.started');
  } else if (status === 'paused' && draft.run('startedAt') === undefined) {
    // An attempt a worker had taken before the pause: the run has started, and stays paused.
    draft.setRun({ startedAt: draft.nowIso });
    draft.emit('run.started');
  }
}

/**
 * Queues the entry's next attempt: an `enqueue` for an agent, a `startChildRun` for a sub-workflow,
 * a suspension for a `wait` step. A paused run only records the attempt, held until its resume.
 */
export function dispatch(draft: RunDraft, entry: StepState, input: unknown, delayMs: number): void {
  const attempt = entry.attempt + 1;
  if (draft.status === 'paused') {
    const heldUntil = new Date(draft.now.getTime() + delayMs).toISOString();
    draft.put({ ...identity(entry), status: 'queued', attempt, input, queuedAt: draft.nowIso, heldUntil });
    draft.emit('step.queued', entry.key, { attempt, held: true, delayMs });
    return;
  }
  if (entry.agent === WAIT_AGENT) {
    suspend(draft, { ...identity(entry), attempt, input, startedAt: draft.nowIso });
    return;
  }
  launch(draft, draft.put({ ...identity(entry), status: 'queued', attempt, input, queuedAt: draft.nowIso }), delayMs, true);
}

/**
 * The command that starts the queued attempt `entry` (its own input and attempt number) after
 * `delayMs`; `announce` records it as queued (a held attempt was recorded when it was held).
 */
export function launch(draft: RunDraft, entry: StepState, delayMs: number, announce: boolean): void {
  const { key, attempt, input } = entry;
  const { def, input: template } = draft.step(entry.stepId);
  // A step's own priority, else its run's.
  const priority = def.priority ?? draft.run('priority');
  if (entry.agent === null) {
    const workflow = def.workflow!;
    const version = def.version === undefined ? {} : { version: def.version };
    draft.command({ type: 'startChildRun', key, attempt, workflow, ...version, input, priority, delayMs });
    if (announce) draft.emit('step.queued', key, { attempt, workflow, delayMs });
    return;
  }
  const context = readableContext(draft.run('context'), def);
  const timeout = def.timeoutMs === undefined ? {} : { timeoutMs: def.timeoutMs };
  const write = def.contextAccess?.write;
  const grant = write === undefined ? {} : { contextWrite: [...write] };
  // A hop's input is an agent's, not the step's template: it reads no secret (a hand-back through `wait` carries the step's input again).
  const names = takesStepInput(draft, entry) ? template.secrets : [];
  const secrets = names.length === 0 ? {} : { secrets: [...names] };
  const limit = draft.workflow.definition.budget?.tokens;
  const budget = limit === undefined ? {} : { tokenBudget: { limit, used: draft.run('usage')?.totalTokens ?? 0 } };
  draft.command({ type: 'enqueue', key, agent: entry.agent, attempt, input, priority, delayMs, ...timeout, context, ...grant, ...secrets, ...budget });
  if (announce) draft.emit('step.queued', key, { attempt, agent: entry.agent, delayMs });
}

/** Outputs up to this many JSON bytes are copied into their `step.succeeded` event; a larger one is named by its size. */
export const EVENT_OUTPUT_BYTES = 1024;

/** `bytes` is the output's JSON size when the caller measured it already (a stored value counts as its reference). */
export function succeed(draft: RunDraft, entry: StepState, output: unknown, bytes?: number): void {
  draft.put({ ...withoutDeadline(entry), status: 'succeeded', output, finishedAt: draft.nowIso });
  draft.emit('step.succeeded', entry.key, { attempt: entry.attempt, ...eventOutput(output, bytes) });
  draft.settled.push(entry.key);
}

// History stays small: a stored value travels as its reference, a small output as itself, a large one by its size (the run has it).
function eventOutput(output: unknown, bytes: number | undefined): Record<string, unknown> {
  if (output === undefined) return {};
  if (isPayloadRef(output)) return { output };
  const size = bytes ?? jsonBytes(output);
  return size <= EVENT_OUTPUT_BYTES ? { output } : { outputBytes: size };
}

/**
 * A `wait` step's attempt (`tried`: its number, input and start set): `waiting`, held by no worker
 * and no job, until its signal comes or its `deadlineAt` passes (the reconciler's sweep); a signal
 * kept for its name resumes it at once.
 */
export function suspend(draft: RunDraft, tried: StepState): void {
  const { attempt, input } = tried;
  const parsed = parseWaitInput(input);
  if ('problem' in parsed) {
    fail(draft, tried, { code: 'INVALID_INPUT', message: `step ${tried.key}: ${parsed.problem}` });
    return;
  }
  markRunStarted(draft);
  const { signal, timeoutMs } = parsed.input;
  const timeout = timeoutMs === undefined ? {} : { timeoutMs };
  const deadline = timeoutMs === undefined ? {} : { deadlineAt: new Date(draft.now.getTime() + timeoutMs).toISOString() };
  const waiting = draft.put({ ...tried, status: 'waiting', ...deadline });
  draft.emit('step.waiting', tried.key, { attempt, signal, ...timeout });
  const kept = draft.run('signals');
  if (kept === undefined || !Object.hasOwn(kept, signal)) return;
  const rest: Record<string, unknown> = {};
  for (const name of Object.keys(kept)) if (name !== signal) setOwn(rest, name, kept[name]);
  draft.setRun({ signals: Object.keys(rest).length > 0 ? rest : undefined });
  resume(draft, waiting, signal, kept[signal], false);
}

/**
 * A waiting entry's signal came: its payload is the entry's output. `charge` says whether the payload
 * is new to the run (one kept since it arrived early was counted then).
 */
export function resume(draft: RunDraft, entry: StepState, signal: string, payload: unknown, charge: boolean): void {
  const bytes = isPayloadRef(payload) ? payload.bytes : jsonBytes(payload);
  if (charge && !draft.receive(bytes)) {
    const message = `step ${entry.key}: signal ${signal} of ${bytes} bytes would make the run hold more than ${draft.limits.maxRunBytes} bytes (${RUN_BYTES_LIMIT})`;
    fail(draft, entry, { code: LIMIT_EXCEEDED, message });
    return;
  }
  draft.emit('step.signalled', entry.key, { attempt: entry.attempt, signal });
  succeed(draft, entry, payload);
}

/** Fails the entry for good; its owner (root, forEach parent, dependants) hears of it. */
export function fail(draft: RunDraft, entry: StepState, error: StepError): void {
  draft.put({ ...withoutDeadline(entry), status: 'failed', error, finishedAt: draft.nowIso });
  draft.emit('step.failed', entry.key, { attempt: entry.attempt, error });
  draft.settled.push(entry.key);
}

/** A failed attempt: the next one if the error allows it and the retry policy has tries left, else failure. */
export function failAttempt(draft: RunDraft, entry: StepState, error: StepError, retryable: boolean): void {
  const { def } = draft.step(entry.stepId);
  const tries = entry.attempt - (entry.priorAttempts ?? 0);
  if (retryable && tries < (def.retry?.attempts ?? 1)) {
    const delayMs = backoffDelay(def.retry, tries);
    draft.emit('step.retrying', entry.key, { attempt: entry.attempt, error, delayMs });
    dispatch(draft, entry, entry.input, delayMs);
  } else {
    fail(draft, entry, error);
  }
}

/**
 * A failing `input`, `when` or `forEach` expression fails the entry at once (`LIMIT_EXCEEDED` when
 * a configured limit stopped it); anything else is a bug and is thrown.
 */
export function expressionFailed(draft: RunDraft, entry: StepState, err: unknown): void {
  if (!(err instanceof ExpressionError)) throw err;
  fail(draft, entry, { code: err instanceof LimitExceededError ? LIMIT_EXCEEDED : 'EXPRESSION', message: `step ${entry.key}: ${err.message}` });
}

/** Skips the entry; the caller decides who hears of it. */
export function skip(draft: RunDraft, entry: StepState, reason: string, error?: StepError): void {
  const skipped: StepState = { ...identity(entry), status: 'skipped', reason, finishedAt: draft.nowIso };
  if (error) skipped.error = error;
  draft.put(skipped);
  draft.emit('step.skipped', entry.key, { reason });
}

/** Cancels the entry, telling its worker to stop; no one else hears of it. */
export function cancel(draft: RunDraft, entry: StepState, reason: string): void {
  if (hasJob(entry)) draft.command({ type: 'cancel', key: entry.key, attempt: entry.attempt });
  draft.put({ ...withoutDeadline(entry), status: 'cancelled', reason, finishedAt: draft.nowIso });
  draft.emit('step.cancelled', entry.key, { reason });
}
