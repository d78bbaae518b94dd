import type { RunLimits } from '@baton/engine';
import { DEFAULT_LIMITS } from '@baton/workflow';

/** The limit variables api and worker both read (`BATON_MAX_RUN_BYTES`, …). */
export interface LimitSettings {
  maxRunBytes: number;
  maxExpressionBytes: number;
  maxForEachItems: number;
  maxRunSteps: number;
  maxExpressionMs: number;
}

/** The engine's `RunLimits` from the configured variables. */
export function configuredLimits(settings: LimitSettings): RunLimits {
  const { maxRunBytes, maxExpressionBytes, maxForEachItems, maxRunSteps, maxExpressionMs } = settings;
  return { maxRunBytes, maxForEachItems, maxRunSteps, expressions: { ...DEFAULT_LIMITS, maxOutputBytes: maxExpressionBytes, timeoutMs: maxExpressionMs } };
}
