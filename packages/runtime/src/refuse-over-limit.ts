import { LIMIT_EXCEEDED, type Decision } from '@baton/engine';
import type { CompiledWorkflow } from '@baton/workflow';
import { BatonError } from '@baton/core';

/**
 * A submission whose first decision already passed a limit of the run's (`LIMIT_EXCEEDED`: too
 * many bytes or forEach items) is refused rather than recorded as a failed run: the client asked
 * for too much, and hears so at once.
 * @throws BatonError VALIDATION_FAILED naming the limit, at the step (or `workflow.output`) that passed it
 */
export function refuseOverLimit(workflow: CompiledWorkflow, decision: Decision): void {
  const step = decision.steps.find((s) => s.error?.code === LIMIT_EXCEEDED && s.parentKey === undefined);
  const error = step?.error ?? (decision.run.error?.code === LIMIT_EXCEEDED ? decision.run.error : undefined);
  if (!error) return;
  const index = step && workflow.steps.get(step.stepId)?.index;
  const path = index === undefined ? 'workflow.output' : `workflow.steps[${index}]`;
  throw new BatonError('VALIDATION_FAILED', `the run would pass a limit: ${error.message}`, [{ path, message: error.message }]);
}
