import type { StepDefinition } from '@baton/workflow';

/**
 * The delay before the attempt after `failedAttempt`: `delayMs` for a fixed backoff,
 * `delayMs * 2^(failedAttempt - 1)` capped at `maxDelayMs` for an exponential one, 0 without one.
 */
export function backoffDelay(retry: StepDefinition['retry'], failedAttempt: number): number {
  const backoff = retry?.backoff;
  if (!backoff) return 0;
  if (backoff.type === 'fixed') return backoff.delayMs;
  const delay = backoff.delayMs * 2 ** (failedAttempt - 1);
  return Math.min(delay, backoff.maxDelayMs ?? Number.MAX_SAFE_INTEGER);
}
