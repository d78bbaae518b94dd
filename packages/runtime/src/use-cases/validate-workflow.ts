import { authorize, type Principal } from '@baton/auth';
import { checkWorkflow } from './check-workflow';
import type { UseCaseDeps } from './use-case-deps';

/**
 * The checks of a submission's definition, recording nothing.
 * @throws BatonError FORBIDDEN; VALIDATION_FAILED listing every problem; UNAVAILABLE
 */
export async function validateWorkflow(
  deps: Pick<UseCaseDeps, 'agents' | 'readDefinition' | 'limits'>,
  principal: Principal,
  { workflow }: { workflow: unknown },
): Promise<{ valid: true }> {
  authorize(principal, 'workflow.validate');
  await checkWorkflow(workflow, deps);
  return { valid: true };
}
