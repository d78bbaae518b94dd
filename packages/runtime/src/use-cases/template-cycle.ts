import { BatonError } from '@baton/core';
import type { WorkflowDefinition } from '@baton/workflow';

/** What the cycle check reads of stored templates: a version, or the latest (`KyselyTemplateStore.get`). */
export interface TemplateLookup {
  get(tenant: string, name: string, version?: number): Promise<{ definition: unknown } | undefined>;
}

interface WorkflowSteps {
  steps?: ReadonlyArray<{ workflow?: unknown; version?: unknown }>;
}

const includes = (definition: unknown): Array<{ name: string; version?: number }> => {
  const steps = (definition as WorkflowSteps | null)?.steps;
  if (!Array.isArray(steps)) return [];
  return steps.flatMap((s) => (typeof s?.workflow === 'string'
    ? [{ name: s.workflow, ...(typeof s.version === 'number' ? { version: s.version } : {}) }]
    : []));
};

/**
 * The chain through which template `name`, defined as `workflow`, would include itself: its
 * `workflow:` steps, and theirs, followed through the stored templates of `tenant` (a pinned
 * `version`, else the latest). Any step naming `name` closes the loop, whatever version it pins.
 * Answers undefined when there is none; a template that does not exist ends its branch.
 */
export async function selfInclusion(lookup: TemplateLookup, tenant: string, name: string, workflow: WorkflowDefinition): Promise<string[] | undefined> {
  const seen = new Set<string>();
  const visit = async (definition: unknown, path: string[]): Promise<string[] | undefined> => {
    for (const ref of includes(definition)) {
      if (ref.name === name) return [...path, name];
      const id = `${ref.name}@${ref.version ?? 'latest'}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const stored = await lookup.get(tenant, ref.name, ref.version);
      if (!stored) continue;
      const found = await visit(stored.definition, [...path, ref.name]);
      if (found) return found;
    }
    return undefined;
  };
  return visit(workflow, [name]);
}

/**
 * Refuses a template that includes itself, directly or through others (`PUT /v1/templates/:name`).
 * @throws BatonError VALIDATION_FAILED at the `workflow:` step that starts the loop, naming the chain
 */
export async function refuseSelfInclusion(lookup: TemplateLookup, tenant: string, name: string, workflow: WorkflowDefinition): Promise<void> {
  const chain = await selfInclusion(lookup, tenant, name, workflow);
  if (!chain) return;
  const at = workflow.steps.findIndex((s) => s.workflow === chain[1]);
  throw new BatonError('VALIDATION_FAILED', 'the template includes itself', [
    { path: `steps[${at}].workflow`, message: `template ${name} would include itself: ${chain.join(' → ')}` },
  ]);
}

/**
 * Refuses a template whose `workflow:` steps name templates (or pinned versions) that `tenant` does
 * not have: a typo is caught at PUT rather than when a run reaches the step.
 * @throws BatonError VALIDATION_FAILED at each such step's `workflow`
 */
export async function refuseUnknownTemplates(lookup: TemplateLookup, tenant: string, workflow: WorkflowDefinition): Promise<void> {
  const problems: Array<{ path: string; message: string }> = [];
  for (const [i, step] of workflow.steps.entries()) {
    if (step.workflow === undefined) continue;
    if (await lookup.get(tenant, step.workflow, step.version)) continue;
    problems.push({ path: `steps[${i}].workflow`, message: step.version === undefined ? `unknown template '${step.workflow}'` : `template '${step.workflow}' has no version ${step.version}` });
  }
  if (problems.length > 0) throw new BatonError('VALIDATION_FAILED', 'the template is not valid', problems);
}
