import { setOwn } from './own-keys';
import type { Decision, RunState } from './types';

/** Folds a decision into `state` itself: a run field set to `undefined` is removed. */
export function applyDecisionInPlace(state: RunState, decision: Decision): void {
  const run = state as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(decision.run)) {
    if (value === undefined) delete run[field];
    else run[field] = value;
  }
  for (const entry of decision.steps) setOwn(state.steps, entry.key, entry);
}

/** A new state with the decision folded in; `state` is left as it was. */
export function applyDecision(state: RunState, decision: Decision): RunState {
  const next: RunState = { ...state, steps: { ...state.steps } };
  applyDecisionInPlace(next, decision);
  return next;
}
