import { WAIT_AGENT } from '@baton/workflow';
import type { RunDraft } from './run-draft';
import type { StepState } from './types';

/** The key of hop `hop` of the chain rooted at `rootKey`. */
export function hopKey(rootKey: string, hop: number): string {
  return `${rootKey}>handoff:${hop}`;
}

/**
 * Whether the entry runs on its step's own input (which may hold the markers of the step's
 * secrets): the step's entry itself, or a hand-back to it through `wait` hops only. A hop given
 * input by another agent does not.
 */
export function takesStepInput(draft: RunDraft, entry: StepState): boolean {
  let hop = entry.hop ?? 0;
  while (hop >= 2 && draft.entry(hopKey(entry.parentKey!, hop - 1)).agent === WAIT_AGENT) hop -= 2;
  return hop === 0;
}
