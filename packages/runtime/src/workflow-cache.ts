import { createHash } from 'node:crypto';
import { compileWorkflow, type CompiledWorkflow, type WorkflowDefinition } from '@baton/workflow';

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
}
