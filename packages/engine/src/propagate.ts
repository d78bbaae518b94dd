import { childSettled } from './fan-out';
import { hopSettled } from './handoff-chain';
import { consider } from './readiness';
import { completeIfDone } from './run-completion';
import type { RunDraft } from './run-draft';

/**
 * Carries the consequences of a change through the run: a final hop ends its root, a final child
 * moves its forEach parent along, a final top-level step may make its dependants ready, and the
 * run ends when every top-level entry is final. Only what was touched is looked at.
 */
export async function propagate(draft: RunDraft): Promise<void> {
  let settled = 0;
  let candidates = 0;
  for (;;) {
    if (settled < draft.settled.length) {
      await onSettled(draft, draft.settled[settled++]!);
    } else if (candidates < draft.candidates.length) {
      const starting = consider(draft, draft.candidates[candidates++]!);
      if (starting) await starting;
    } else {
      break;
    }
  }
  if (draft.topLevelSettled) await completeIfDone(draft);
}

async function onSettled(draft: RunDraft, key: string): Promise<void> {
  const entry = draft.entry(key);
  if (entry.hop !== undefined) {
    hopSettled(draft, entry);
  } else if (entry.parentKey !== undefined) {
    await childSettled(draft, entry);
  } else {
    draft.topLevelSettled = true;
    draft.candidates.push(...draft.step(entry.stepId).dependants);
  }
}
