import { RUN_BYTES_LIMIT, jsonBytes, type CompiledStep } from '@baton/workflow';
import { fanOut, skipChildren } from './fan-out';
import type { RunDraft } from './run-draft';
import { LIMIT_EXCEEDED, LIMIT_NAMES } from './run-limits';
import { stepScope, truthy } from './scope';
import { dispatch, expressionFailed, fail, skip } from './step-outcomes';
import { FINAL_STEP_STATUSES, type StepError, type StepState } from './types';

/** Whether a final need lets its dependants run: it succeeded, was skipped by its `when`, or failed with `onFailure: continue`. */
function satisfies(draft: RunDraft, id: string): boolean {
  const entry = draft.entry(id);
  return (
    entry.status === 'succeeded' ||
    (entry.status === 'skipped' && entry.error === undefined) ||
    (entry.status === 'failed' && draft.step(id).def.onFailure === 'continue')
  );
}

/**
 * Looks at a pending top-level step: once every need is final it is skipped (a need failed, was
 * cancelled or was skipped for that reason) or started. Most looks find a need still open, so
 * they stay synchronous: only a start awaits its expressions.
 */
export function consider(draft: RunDraft, id: string): Promise<void> | undefined {
  const entry = draft.entry(id);
  if (entry.status !== 'pending') return undefined;
  const step = draft.step(id);
  const { needs } = step.def;
  // Backwards: needs listed in definition order tend to finish in that order, so the last is the likeliest to be open.
  for (let i = needs.length - 1; i >= 0; i--) {
    if (!FINAL_STEP_STATUSES.has(draft.entry(needs[i]!).status)) return undefined;
  }
  const blocker = needs.find((need) => !satisfies(draft, need));
  if (blocker !== undefined) {
    const message = `need ${blocker} failed`;
    skipStep(draft, entry, message, { code: 'NEED_FAILED', message });
    return undefined;
  }
  return start(draft, entry, step);
}

function skipStep(draft: RunDraft, entry: StepState, reason: string, error?: StepError): void {
  skip(draft, entry, reason, error);
  if (entry.items) skipChildren(draft, entry, reason);
  draft.settled.push(entry.key);
}

/** Starts `entry` with the input a person gave it, counted in the run's bytes like an output. */
function startEdited(draft: RunDraft, entry: StepState, input: unknown): void {
  const bytes = jsonBytes(input);
  if (!draft.receive(bytes)) {
    const message = `step ${entry.key}: its edited input of ${bytes} bytes would make the run hold more than ${draft.limits.maxRunBytes} bytes (${RUN_BYTES_LIMIT})`;
    fail(draft, entry, { code: LIMIT_EXCEEDED, message });
    return;
  }
  dispatch(draft, entry, input, 0);
}

function kind(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

async function start(draft: RunDraft, entry: StepState, step: CompiledStep): Promise<void> {
  // A forEach parent that ran before a re-run carries on over the same items, keeping its succeeded children.
  if (entry.items) return fanOut(draft, entry, entry.items);
  const scope = stepScope(draft, step.def);
  const { maxForEachItems } = draft.limits;
  let value: unknown;
  let bytes: number;
  try {
    if (step.when && !truthy((await draft.evaluate(step.when, scope)).value)) {
      skipStep(draft, entry, 'when was false');
      return;
    }
    if (draft.edited?.step === entry.key && !step.forEach) {
      startEdited(draft, entry, draft.edited.input);
      return;
    }
    const maxItems = step.forEach && { count: maxForEachItems, limit: LIMIT_NAMES.maxForEachItems };
    ({ value, bytes } = await draft.evaluate(step.forEach ?? step.input, scope, maxItems));
  } catch (err) {
    expressionFailed(draft, entry, err);
    return;
  }
  if (!step.forEach) {
    draft.store(bytes);
    dispatch(draft, entry, value, 0);
  } else if (!Array.isArray(value)) {
    fail(draft, entry, { code: 'EXPRESSION', message: `step ${entry.key}: forEach must produce an array, got ${kind(value)}` });
  } else if (draft.entryCount() + value.length > draft.limits.maxRunSteps) {
    const message = `step ${entry.key}: ${value.length} forEach items would make the run hold more than ${draft.limits.maxRunSteps} steps (${LIMIT_NAMES.maxRunSteps})`;
    fail(draft, entry, { code: LIMIT_EXCEEDED, message });
  } else {
    draft.store(bytes);
    await fanOut(draft, entry, value);
  }
}
