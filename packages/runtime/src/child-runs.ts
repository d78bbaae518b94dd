import type { Command, RunEvent } from '@baton/engine';

/** The step error code of a sub-workflow step: the runtime cannot start child runs yet. */
export const SUBWORKFLOW_UNAVAILABLE = 'SUBWORKFLOW_UNAVAILABLE';

/**
 * Sub-workflow steps (`workflow:`) need templates to name their workflow, and templates do not
 * exist yet: validation refuses such steps, and should a definition that skipped validation hold
 * one anyway, every start of a child run fails its step here, not retried, in the same transaction
 * as the decision that asked for it. Nothing waits on a child that will never come.
 */
export function refuseChildRuns(commands: readonly Command[]): RunEvent[] {
  return commands.flatMap((c): RunEvent[] =>
    c.type === 'startChildRun'
      ? [{
        type: 'step.failed', key: c.key, attempt: c.attempt, retryable: false,
        error: { code: SUBWORKFLOW_UNAVAILABLE, message: `sub-workflows are not available yet: step ${c.key} would start workflow ${c.workflow}` },
      }]
      : [],
  );
}
