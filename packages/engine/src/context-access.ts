import type { StepDefinition } from '@baton/workflow';
import type { RunDraft } from './run-draft';

/** The keys of `writes` outside the step's `contextAccess.write` (none when it lists no keys). */
export function forbiddenWrites(def: StepDefinition, writes: Record<string, unknown>): string[] {
  const allowed = def.contextAccess?.write;
  if (!allowed) return [];
  return Object.keys(writes).filter((key) => !allowed.includes(key));
}

/** Merges a completed step's writes into the run's context: the last completion wins. */
export function applyContextWrites(draft: RunDraft, writes: Record<string, unknown>): void {
  if (Object.keys(writes).length === 0) return;
  draft.setRun({ context: { ...draft.run('context'), ...writes } });
}
