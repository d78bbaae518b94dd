import type { TokenUsage } from '@baton/engine';
import type { AttemptEvent } from './attempt-log';

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * The tokens each entry spent, every attempt included, read back from its `step.usage` events
 * (like the attempt log): nothing is written beside the run's own total for it.
 */
export function stepUsages(events: Iterable<AttemptEvent>): Map<string, TokenUsage> {
  const usages = new Map<string, TokenUsage>();
  for (const { type, key, data } of events) {
    if (type !== 'step.usage' || key === null) continue;
    const spent = (data ?? {}) as Partial<Record<keyof TokenUsage, unknown>>;
    const sum = usages.get(key) ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    sum.promptTokens += count(spent.promptTokens);
    sum.completionTokens += count(spent.completionTokens);
    sum.totalTokens += count(spent.totalTokens);
    usages.set(key, sum);
  }
  return usages;
}
