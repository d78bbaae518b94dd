import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it.each([
    ['no retry policy', undefined, 1, 0],
    ['no backoff', { attempts: 3 }, 2, 0],
    ['fixed', { attempts: 3, backoff: { type: 'fixed' as const, delayMs: 250 } }, 1, 250],
    ['fixed, later attempt', { attempts: 3, backoff: { type: 'fixed' as const, delayMs: 250 } }, 5, 250],
    ['exponential, first retry', { attempts: 9, backoff: { type: 'exponential' as const, delayMs: 100 } }, 1, 100],
    ['exponential, third retry', { attempts: 9, backoff: { type: 'exponential' as const, delayMs: 100 } }, 3, 400],
    ['exponential, capped', { attempts: 9, backoff: { type: 'exponential' as const, delayMs: 100, maxDelayMs: 300 } }, 3, 300],
    ['exponential, under the cap', { attempts: 9, backoff: { type: 'exponential' as const, delayMs: 100, maxDelayMs: 300 } }, 2, 200],
  ])('%s', (_name, retry, failedAttempt, expected) => {
    expect(backoffDelay(retry, failedAttempt)).toBe(expected);
  });
});
