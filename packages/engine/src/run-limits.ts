import type { ExpressionLimits } from '@baton/workflow';

/**
 * What one run may hold and build. The runtime passes its configuration (the variables named
 * below, identical in api and worker); a limit passed is a step failed with `LIMIT_EXCEEDED` and a
 * message naming the variable.
 */
export interface RunLimits {
  /**
   * JSON bytes a run may hold (`BATON_MAX_RUN_BYTES`): see `RunState.usedBytes`. The evaluations of
   * one decision share what is left, so a decision cannot build more than that either.
   */
  maxRunBytes: number;
  /** Items one `forEach` may produce (`BATON_MAX_FOREACH_ITEMS`); no sequence built on the way may be longer. */
  maxForEachItems: number;
  /** Entries one run may hold: its steps and every forEach child (`BATON_MAX_RUN_STEPS`). */
  maxRunSteps: number;
  /** Limits of each evaluation (`BATON_MAX_EXPRESSION_BYTES`…); those compiled into the workflow when absent. */
  expressions?: ExpressionLimits;
}

export const DEFAULT_RUN_LIMITS: Readonly<RunLimits> = Object.freeze({
  maxRunBytes: 64 * 1024 * 1024,
  maxForEachItems: 10_000,
  maxRunSteps: 20_000,
});

/** The `StepError` code of a failure caused by a limit of `RunLimits`. */
export const LIMIT_EXCEEDED = 'LIMIT_EXCEEDED';

/** The configuration variables behind the limits, named in failures. */
export const LIMIT_NAMES = Object.freeze({ maxForEachItems: 'BATON_MAX_FOREACH_ITEMS', maxRunSteps: 'BATON_MAX_RUN_STEPS' });
