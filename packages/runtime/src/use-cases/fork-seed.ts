import type { StepRow } from '@baton/db';
import type { StepState } from '@baton/engine';
import type { WorkflowDefinition } from '@baton/workflow';
import { stepFromRow } from '../state-rows';

/**
 * The entries a fork copies from its origin: those of every step of `workflow` that succeeded in
 * the origin and is neither `fromStep` nor downstream of it (its forEach children and hand-off
 * hops with it), as they are. The fork runs every other step.
 */
export function forkSeed(workflow: WorkflowDefinition, fromStep: string, origin: readonly StepRow[]): StepState[] {
  const dependants = new Map<string, string[]>();
  for (const def of workflow.steps) for (const need of def.needs) dependants.set(need, [...(dependants.get(need) ?? []), def.id]);
  const again = new Set([fromStep]);
  for (const id of again) for (const next of dependants.get(id) ?? []) again.add(next);
  const succeeded = new Set(origin.filter((r) => r.parent_key === null && r.status === 'succeeded').map((r) => r.key));
  const kept = new Set(workflow.steps.filter((def) => !again.has(def.id) && succeeded.has(def.id)).map((def) => def.id));
  return origin.filter((r) => kept.has(r.step_id)).map(stepFromRow);
}
