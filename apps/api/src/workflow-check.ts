import { BatonError } from '@baton/core';
import { definitionHash } from '@baton/runtime';
import { BoundedCache, parseWorkflow, validate, validateInput, type CompiledWorkflow, type WorkflowDefinition } from '@baton/workflow';
import type { AgentDirectory } from './app-deps';
import { MAX_DEPTH, nestedDeeperThan } from './json-body';
import { underField } from './problem-path';

/**
 * Validates a submitted definition against the language and the agents some worker registered.
 * @throws BatonError VALIDATION_FAILED with every problem, paths under `workflow.`.
 */
export async function checkWorkflow(
  workflow: unknown,
  agents: AgentDirectory,
): Promise<CheckedWorkflow> {
  const knownAgents = await agents.known();
  // A definition may also come as YAML (or JSON) text.
  if (typeof workflow === 'string') {
    const parsed = parseWorkflow(workflow);
    if (!parsed.ok) {
      throw new BatonError('VALIDATION_FAILED', 'the workflow is not valid', parsed.problems.map((p) => ({ path: underField('workflow', p.path), message: p.message })));
    }
    workflow = parsed.definition;
    if (nestedDeeperThan(workflow, MAX_DEPTH)) {
      throw new BatonError('VALIDATION_FAILED', 'the workflow is not valid', [{ path: 'workflow', message: `nested deeper than ${MAX_DEPTH} levels` }]);
    }
  }
  // Clients submit the same definitions again and again: validate and compile each once.
  const text = JSON.stringify(workflow);
  const hit = valid.get(text);
  if (hit && hit.agents.every((a) => knownAgents.has(a))) return hit;
  const result = validate(workflow, { knownAgents, knownWorkflows: new Set<string>() });
  if (!result.ok) {
    throw new BatonError(
      'VALIDATION_FAILED',
      'the workflow is not valid',
      result.problems.map((p) => ({ path: underField('workflow', p.path), message: p.message })),
    );
  }
  const checked = {
    workflow: result.workflow,
    compiled: result.compiled,
    hash: definitionHash(result.workflow),
    agents: [...new Set(result.workflow.steps.flatMap((s) => [...(s.agent ? [s.agent] : []), ...(s.handoffs ?? [])]))],
  };
  valid.set(text, checked);
  return checked;
}

export interface CheckedWorkflow {
  workflow: WorkflowDefinition;
  compiled: CompiledWorkflow;
  /** The definition's hash, for the runtime's compiled-workflow cache. */
  hash: string;
  /** The agents it names, checked again on a cache hit. */
  agents: string[];
}

const valid = new BoundedCache<CheckedWorkflow>(500);

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
