import { ReadThroughCache, type Meter } from '@baton/core';
import { ENGINE_AGENTS, validate, type CompiledWorkflow, type Problem, type WorkflowDefinition } from '@baton/workflow';
import { definitionHash } from './workflow-cache';

/** A template as a sub-workflow step starts it: validated, compiled, with the agents it names. */
export interface ChildWorkflow {
  workflow: WorkflowDefinition;
  compiled: CompiledWorkflow;
  hash: string;
  template: { name: string; version: number };
  /** The agents its own steps name (hand-offs included), those the engine runs itself left out. */
  agents: string[];
}

/**
 * Where the runtime finds the template a `workflow:` step names. Answers undefined when the tenant
 * has no such template (or version), and the problems of a stored version that no longer validates.
 */
export interface ChildWorkflows {
  resolve(tenant: string, name: string, version?: number): Promise<ChildWorkflow | { problems: Problem[] } | undefined>;
}

/** What the resolver reads of stored templates (`KyselyTemplateStore.get`: a version, or the latest). */
export interface StoredTemplates {
  get(tenant: string, name: string, version?: number): Promise<{ name: string; version: number; definition: unknown } | undefined>;
}

/** The agents a definition's steps name, without the engine's own (`wait`). */
export const agentsOf = (workflow: WorkflowDefinition): string[] =>
  [...new Set(workflow.steps.flatMap((s) => [...(s.agent ? [s.agent] : []), ...(s.handoffs ?? [])]))].filter((a) => !ENGINE_AGENTS.has(a));

export interface StoredChildWorkflowsOptions {
  /** How many versions are kept. @defaultValue 500 */
  size?: number;
  /** Where its `baton_cache_*{cache="child_workflows"}` series go. @defaultValue none */
  meter?: Meter;
}

/**
 * Sub-workflows from stored templates. A version never changes, so each is read, validated and
 * compiled once per process (a {@link ReadThroughCache}, without invalidation); "latest" is read
 * each time (a new version may have been put since), its compilation kept like any version's.
 */
export function storedChildWorkflows(store: StoredTemplates, options: StoredChildWorkflowsOptions = {}): ChildWorkflows {
  const versions = new ReadThroughCache<ChildWorkflow | { problems: Problem[] }>({
    name: 'child_workflows', maxEntries: options.size ?? 500, ...(options.meter ? { meter: options.meter } : {}),
  });
  const build = (stored: { name: string; version: number; definition: unknown }): ChildWorkflow | { problems: Problem[] } => {
    const result = validate(stored.definition);
    if (!result.ok) return { problems: result.problems };
    return {
      workflow: result.workflow,
      compiled: result.compiled,
      hash: definitionHash(result.workflow),
      template: { name: stored.name, version: stored.version },
      agents: agentsOf(result.workflow),
    };
  };
  return {
    async resolve(tenant, name, version) {
      if (version !== undefined) {
        return versions.get(`${tenant}/${name}@${version}`, async () => {
          const stored = await store.get(tenant, name, version);
          return stored && build(stored);
        });
      }
      const stored = await store.get(tenant, name);
      return stored && versions.get(`${tenant}/${stored.name}@${stored.version}`, async () => build(stored));
    },
  };
}
