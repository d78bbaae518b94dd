import type { CompiledStep, Scope } from '@baton/workflow';
import type { RunDraft } from './run-draft';
import { stepScope } from './scope';
import { dispatch, expressionFailed, fail, identity, skip, succeed } from './step-outcomes';
import { cancelWithChain } from './handoff-chain';
import type { StepState } from './types';

function childKey(parentKey: string, index: number): string {
  return `${parentKey}[${index}]`;
}

/**
 * Runs a forEach parent over `items`: creates the children that do not exist yet (a re-run keeps
 * the old ones and their succeeded outputs) and starts up to `concurrency` pending ones.
 */
export async function fanOut(draft: RunDraft, parent: StepState, items: unknown[]): Promise<void> {
  const { def } = draft.step(parent.stepId);
  // The parent first, so that a decision lists it before its children.
  const running = draft.put({ ...identity(parent), status: 'running', items, nextChild: 0, childrenSucceeded: 0, startedAt: draft.nowIso });
  draft.emit('step.started', parent.key, { items: items.length });
  let childrenSucceeded = 0;
  for (let index = 0; index < items.length; index++) {
    const key = childKey(parent.key, index);
    const child = draft.get(key);
    if (!child) {
      draft.put({ key, stepId: parent.stepId, agent: def.agent ?? null, status: 'pending', attempt: 0, parentKey: parent.key, index });
    } else if (child.status === 'succeeded') {
      childrenSucceeded++;
    }
  }
  await advance(draft, draft.put({ ...running, childrenSucceeded }), def.concurrency ?? items.length);
}

/** A child ended: a success frees a slot for the next pending child, a failure fails the parent. */
export async function childSettled(draft: RunDraft, child: StepState): Promise<void> {
  const parent = draft.entry(child.parentKey!);
  if (child.status === 'succeeded') {
    // A store that kept no count gets one by counting (the child that just succeeded included).
    const childrenSucceeded = parent.childrenSucceeded === undefined ? countSucceeded(draft, parent) : parent.childrenSucceeded + 1;
    await advance(draft, draft.put({ ...parent, childrenSucceeded }), 1);
    return;
  }
  fail(draft, parent, child.error!);
  const reason = `forEach step ${parent.key} failed at ${child.key}`;
  for (let index = 0; index < parent.items!.length; index++) {
    const sibling = draft.entry(childKey(parent.key, index));
    if (sibling.status === 'pending') skip(draft, sibling, reason);
    else if (sibling.status === 'queued' || sibling.status === 'running' || sibling.status === 'waiting') cancelWithChain(draft, sibling, reason);
  }
}

/** Skips the pending children of a parent that is skipped after it had run (a re-run). */
export function skipChildren(draft: RunDraft, parent: StepState, reason: string): void {
  for (let index = 0; index < parent.items!.length; index++) {
    const child = draft.entry(childKey(parent.key, index));
    if (child.status === 'pending') skip(draft, child, reason);
  }
}

function countSucceeded(draft: RunDraft, parent: StepState): number {
  let count = 0;
  for (let index = 0; index < parent.items!.length; index++) {
    if (draft.entry(childKey(parent.key, index)).status === 'succeeded') count++;
  }
  return count;
}

async function advance(draft: RunDraft, parent: StepState, slots: number): Promise<void> {
  const items = parent.items!;
  if (parent.childrenSucceeded === items.length) {
    succeed(draft, parent, items.map((_, index) => draft.entry(childKey(parent.key, index)).output));
    return;
  }
  // Without a cursor, start from the first child: every child before the cursor has started, so the result is the same.
  let next = parent.nextChild ?? 0;
  const step = draft.step(parent.stepId);
  const scope = stepScope(draft, step.def);
  while (slots > 0 && next < items.length) {
    const child = draft.entry(childKey(parent.key, next));
    next++;
    if (child.status !== 'pending') continue;
    slots--;
    if (!(await startChild(draft, step, { ...scope, item: items[child.index!], index: child.index! }, child))) break;
  }
  if (next !== parent.nextChild) draft.put({ ...parent, nextChild: next });
}

async function startChild(draft: RunDraft, step: CompiledStep, scope: Scope, child: StepState): Promise<boolean> {
  let input: unknown;
  try {
    const evaluated = await draft.evaluate(step.input, scope);
    input = evaluated.value;
    draft.store(evaluated.bytes);
  } catch (err) {
    expressionFailed(draft, child, err);
    return false;
  }
  dispatch(draft, child, input, 0);
  return true;
}
