import { ExpressionError, LimitExceededError } from '@baton/workflow';
import { setOwn } from './own-keys';
import type { RunDraft } from './run-draft';
import { LIMIT_EXCEEDED } from './run-limits';
import { runScope } from './scope';
import { FINAL_STEP_STATUSES, type StepError, type StepState } from './types';

/** The run is over once every top-level entry is final (a final entry's children and hops are final too). */
export async function completeIfDone(draft: RunDraft): Promise<void> {
  const defs = draft.workflow.definition.steps;
  // Backwards: the sinks come last and finish last.
  for (let i = defs.length - 1; i >= 0; i--) {
    if (!FINAL_STEP_STATUSES.has(draft.entry(defs[i]!.id).status)) return;
  }
  const failed = failures(draft);
  if (failed.length > 0) {
    const [first] = failed;
    const all = failed.length > 1 ? { steps: failed.map((e) => ({ step: e.stepId, code: e.error!.code, message: e.error!.message })) } : {};
    finish(draft, 'failed', { error: { ...first!.error!, step: first!.stepId, ...all } });
    return;
  }
  let output: unknown;
  try {
    output = await runOutput(draft);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    finish(draft, 'failed', { error: { code: err instanceof LimitExceededError ? LIMIT_EXCEEDED : 'EXPRESSION', message: err.message } });
    return;
  }
  finish(draft, 'succeeded', { output });
}

/** The steps with `onFailure: fail` that failed, first to fail first (the definition order breaks ties). */
function failures(draft: RunDraft): StepState[] {
  const failed: StepState[] = [];
  for (const def of draft.workflow.definition.steps) {
    const entry = draft.entry(def.id);
    if (entry.status === 'failed' && def.onFailure === 'fail') failed.push(entry);
  }
  // Stable: equal times keep the definition order.
  return failed.sort((a, b) => (a.finishedAt! < b.finishedAt! ? -1 : a.finishedAt! > b.finishedAt! ? 1 : 0));
}

/** `output` if the workflow has one, else the outputs of the sinks (a sink without output is left out). */
async function runOutput(draft: RunDraft): Promise<unknown> {
  if (draft.workflow.output) {
    const { value, bytes } = await draft.evaluate(draft.workflow.output, runScope(draft));
    draft.store(bytes);
    return value;
  }
  const output: Record<string, unknown> = {};
  for (const id of draft.workflow.sinks) {
    const value = draft.entry(id).output;
    if (value !== undefined) setOwn(output, id, value);
  }
  return output;
}

function finish(draft: RunDraft, status: 'succeeded' | 'failed', outcome: { output?: unknown; error?: StepError }): void {
  draft.setRun({ status, finishedAt: draft.nowIso, ...outcome });
  draft.command({ type: 'finish', status, ...outcome });
  draft.emit(`run.${status}`, undefined, outcome.error && { error: outcome.error });
}
