import { BatonError } from '@baton/core';
import type { Problem, WorkflowDefinition } from '@baton/workflow';
import type { CheckDeps } from './check-workflow';
import type { TemplateCatalog } from './template-catalog';

/** A template a `workflow:` step names: its definition and agents, or why it cannot be used (a message). */
export type ResolveTemplate = (name: string, version?: number) => Promise<{ workflow: WorkflowDefinition; agents: readonly string[] } | string>;

/** How far the agents of nested templates are followed (stored templates cannot include themselves, so this only bounds the work). */
const MAX_NESTING = 32;

/**
 * The templates `workflow`'s `workflow:` steps name: each must be usable (else a problem at that
 * step's `workflow`, under `at`), and the agents of every template reachable from it, through their
 * own `workflow:` steps, are collected so a submitter's agent allow-list can be held to them.
 */
export async function subWorkflowRefs(resolve: ResolveTemplate, workflow: WorkflowDefinition, at = ''): Promise<{ problems: Problem[]; agents: string[] }> {
  const problems: Problem[] = [];
  const agents = new Set<string>();
  const seen = new Set<string>();
  const visit = async (definition: WorkflowDefinition, depth: number, top: boolean): Promise<void> => {
    for (const [i, step] of definition.steps.entries()) {
      if (step.workflow === undefined) continue;
      const id = `${step.workflow}@${step.version ?? 'latest'}`;
      if (!top && seen.has(id)) continue;
      seen.add(id);
      const found = await resolve(step.workflow, step.version);
      if (typeof found === 'string') {
        if (top) problems.push({ path: `${at}steps[${i}].workflow`, message: found });
        continue; // a nested one that is gone fails its step when it would start
      }
      for (const agent of found.agents) agents.add(agent);
      if (depth < MAX_NESTING) await visit(found.workflow, depth + 1, false);
    }
  };
  await visit(workflow, 1, true);
  return { problems, agents: [...agents] };
}

/** Templates of `tenant` as a submission sees them: through the api's catalog, checked against the registered agents. */
export function catalogTemplates(catalog: Pick<TemplateCatalog, 'resolve'> | undefined, tenant: string, deps: CheckDeps): ResolveTemplate {
  return async (name, version) => {
    if (!catalog) return `unknown template '${name}': templates are not available on this deployment`;
    try {
      const { checked } = await catalog.resolve(tenant, name, version, deps);
      return { workflow: checked.workflow, agents: checked.agents };
    } catch (err) {
      if (!(err instanceof BatonError)) throw err;
      if (err.code === 'TEMPLATE_NOT_FOUND') return version === undefined ? `unknown template '${name}'` : `template '${name}' has no version ${version}`;
      if (err.code === 'VALIDATION_FAILED') return `template '${name}' cannot run here: ${err.details.map((d) => `${d.path}: ${d.message}`).join('; ')}`;
      throw err;
    }
  };
}

/**
 * Refuses a submission whose `workflow:` steps name templates it cannot use, and answers the agents
 * of every template it would start, recursively.
 * @throws BatonError VALIDATION_FAILED naming each such step, paths under `workflow`
 */
export async function checkSubWorkflows(resolve: ResolveTemplate, workflow: WorkflowDefinition, at: string): Promise<string[]> {
  if (!workflow.steps.some((s) => s.workflow !== undefined)) return [];
  const { problems, agents } = await subWorkflowRefs(resolve, workflow, at);
  if (problems.length > 0) throw new BatonError('VALIDATION_FAILED', 'the workflow is not valid', problems);
  return agents;
}
