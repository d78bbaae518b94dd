import type { Problem } from './problem';
import type { ValidateOptions } from './validate-options';
import { ENGINE_AGENTS, WAIT_AGENT, waitStepProblems } from './wait-step';

/**
 * The rules for one step that the schema cannot state: which fields go together and which names
 * are known. Fields of the wrong type are left to the schema.
 */
export function stepProblems(step: Record<string, unknown>, at: string, options: ValidateOptions): Problem[] {
  const problems: Problem[] = [];
  const has = (key: string): boolean => step[key] !== undefined;

  if (has('agent') && has('workflow')) problems.push({ path: `${at}.workflow`, message: 'a step runs an agent or a workflow, not both' });
  if (!has('agent') && !has('workflow')) problems.push({ path: at, message: 'a step needs an agent or a workflow' });
  if (has('version') && !has('workflow')) problems.push({ path: `${at}.version`, message: 'only a workflow step has a version' });
  for (const key of ['handoffs', 'maxHandoffs']) {
    if (has(key) && !has('agent')) problems.push({ path: `${at}.${key}`, message: 'only an agent step can hand off' });
  }
  if (has('concurrency') && !has('forEach')) problems.push({ path: `${at}.concurrency`, message: 'concurrency applies only with forEach' });

  if (step.agent === WAIT_AGENT) problems.push(...waitStepProblems(step, at));

  const { knownAgents, knownWorkflows } = options;
  if (knownAgents) {
    if (typeof step.agent === 'string' && !knownAgents.has(step.agent) && !ENGINE_AGENTS.has(step.agent)) {
      problems.push({ path: `${at}.agent`, message: `unknown agent '${step.agent}'` });
    }
    if (Array.isArray(step.handoffs)) {
      step.handoffs.forEach((name: unknown, i) => {
        if (typeof name === 'string' && !knownAgents.has(name) && !ENGINE_AGENTS.has(name)) problems.push({ path: `${at}.handoffs[${i}]`, message: `unknown agent '${name}'` });
      });
    }
  }
  if (knownWorkflows && typeof step.workflow === 'string' && !knownWorkflows.has(step.workflow)) {
    problems.push({ path: `${at}.workflow`, message: `unknown workflow '${step.workflow}'` });
  }

  return problems;
}
