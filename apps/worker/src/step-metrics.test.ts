import type { RunEvent } from '@baton/engine';
import { queueWaitSeconds, stepStatus } from './step-metrics';

test.each<[RunEvent | undefined, string]>([
  [{ type: 'step.succeeded', key: 'k', attempt: 1, output: 1 }, 'succeeded'],
  [{ type: 'step.failed', key: 'k', attempt: 1, retryable: true, error: { code: 'AGENT_ERROR', message: 'x' } }, 'failed'],
  [{ type: 'step.timedOut', key: 'k', attempt: 1 }, 'timedOut'],
  [undefined, 'cancelled'],
])('stepStatus of %p is %s', (event, status) => {
  expect(stepStatus(event)).toBe(status);
});

test('queueWaitSeconds counts from ready to start, never below zero', () => {
  expect(queueWaitSeconds(1_000, 3_500)).toBe(2.5);
  expect(queueWaitSeconds(5_000, 4_000)).toBe(0);
});
