import { createHash } from 'node:crypto';
import { compileWorkflow, type CompiledWorkflow, type WorkflowDefinition } from '@baton/workflow';
import type { RunStoreAccess } from './run-store';

export function definitionHash(definition: unknown): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex');
}

/** Compiled workflows by definition hash: runs of one workflow share one compilation. Bounded, oldest out. */
export class WorkflowCache {
  private readonly compiled = new Map<string, CompiledWorkflow>();

  constructor(private readonly limit = 500) {}

  get(hash: string): CompiledWorkflow | undefined {
    return this.compiled.get(hash);
  }

  add(hash: string, definition: WorkflowDefinition, compiled = compileWorkflow(definition)): CompiledWorkflow {
    if (this.compiled.size >= this.limit) this.compiled.delete(this.compiled.keys().next().value as string);
    this.compiled.set(hash, compiled);
    return compiled;
  }

  /**
   * The compiled workflow of each run, by run id: those not cached are compiled from the
   * definitions `store` holds (one read for all of them). A run whose definition is gone is absent.
   */
  async forRuns(store: Pick<RunStoreAccess, 'definitions'>, runs: ReadonlyArray<{ id: string; definition_hash: string }>): Promise<Map<string, CompiledWorkflow>> {
    const missing = runs.filter((r) => !this.compiled.has(r.definition_hash));
    const definitions = missing.length > 0 ? await store.definitions(missing.map((r) => r.id)) : new Map<string, unknown>();
    const out = new Map<string, CompiledWorkflow>();
    for (const run of runs) {
      let compiled = this.compiled.get(run.definition_hash);
      const definition = definitions.get(run.id);
      if (!compiled && definition !== undefined) compiled = this.add(run.definition_hash, definition as WorkflowDefinition);
      if (compiled) out.set(run.id, compiled);
    }
    return out;
  }
}
