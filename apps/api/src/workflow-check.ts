import { BatonError } from '@baton/runtime';
import { validate, validateInput, type CompiledWorkflow, type WorkflowDefinition } from '@baton/workflow';
import type { AgentDirectory } from './app-deps';
import { underField } from './problem-path';

/**
 * Validates a submitted definition against the language and the agents some worker registered.
 * @throws BatonError VALIDATION_FAILED with every problem, paths under `workflow.`.
 */
export async function checkWorkflow(
  workflow: unknown,
  agents: AgentDirectory,
): Promise<{ workflow: WorkflowDefinition; compiled: CompiledWorkflow }> {
  const result = validate(workflow, { knownAgents: await agents.known(), knownWorkflows: new Set<string>() });
  if (!result.ok) {
    throw new BatonError(
      'VALIDATION_FAILED',
      'the workflow is not valid',
      result.problems.map((p) => ({ path: underField('workflow', p.path), message: p.message })),
    );
  }
  return { workflow: result.workflow, compiled: result.compiled };
}

/**
 * Validates a run's input against the workflow's `input` JSON Schema, when it has one.
 * @throws BatonError VALIDATION_FAILED with every problem (paths rooted at `input`).
 */
export function checkInput(workflow: WorkflowDefinition, input: unknown): void {
  const problems = validateInput(workflow.input, input);
  if (problems.length > 0) {
    throw new BatonError('VALIDATION_FAILED', 'the input does not match the workflow\'s input schema', problems);
  }
}
