import type { StepDefinition } from '@baton/workflow';
import type { RunDraft } from './run-draft';
import type { StepState } from './types';

/** The keys of `writes` outside the step's `contextAccess.write` (none when it lists no keys). */
export function forbiddenWrites(def: StepDefinition, writes: Record<string, unknown>): string[] {
  const allowed = def.contextAccess?.write;
  if (!allowed) return [];
  return Object.keys(writes).filter((key) => !allowed.includes(key));
}

/**
 * Merges a completed step's writes into the run's context (the last completion wins), and records
 * them as a `step.context` event naming the entry, its agent and the keys (not the values).
 */
export function applyContextWrites(draft: RunDraft, entry: StepState, writes: Record<string, unknown>): void {
  const keys = Object.keys(writes);
  if (keys.length === 0) return;
  draft.setRun({ context: { ...draft.run('context'), ...writes } });
  draft.emit('step.context', entry.key, { agent: entry.agent, keys });
}
