import { attemptLogs, type AttemptEvent } from './attempt-log';

const t = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const iso = (s: number): string => t(s).toISOString();
const ev = (s: number, type: string, key: string | null, data?: Record<string, unknown>): AttemptEvent => ({ type, key, data: data ?? null, at: t(s) });
const boom = (message: string) => ({ code: 'AGENT_ERROR', message });

test('each attempt with its start, end and error, across a retry of the run; entries without attempts have none', () => {
  const logs = attemptLogs([
    ev(0, 'run.queued', null),
    ev(0, 'step.queued', 'a', { attempt: 1, agent: 'fail', delayMs: 0 }),
    ev(1, 'step.started', 'a', { attempt: 1, worker: 'worker-1' }),
    ev(2, 'step.retrying', 'a', { attempt: 1, error: boom('one'), delayMs: 0 }),
    ev(2, 'step.queued', 'a', { attempt: 2 }),
    ev(3, 'step.started', 'a', { attempt: 2 }),
    ev(4, 'step.failed', 'a', { attempt: 2, error: { code: 'TIMEOUT', message: 'two' } }),
    ev(4, 'step.skipped', 'b', { reason: 'need a failed' }),
    ev(4, 'run.failed', null, { error: boom('two') }),
    ev(9, 'run.retried', null),
    ev(9, 'step.queued', 'a', { attempt: 3 }),
    // A start recorded with its result, in the same batch.
    ev(10, 'step.started', 'a', { attempt: 3 }),
    ev(10, 'step.succeeded', 'a', { attempt: 3, output: 'ok' }),
    ev(10, 'step.started', 'each', { items: 2 }),
    ev(11, 'step.failed', 'c', { attempt: 0, error: { code: 'EXPRESSION', message: 'no value' } }),
  ]);
  expect(Object.fromEntries(logs)).toEqual({
    a: [
      { attempt: 1, worker: 'worker-1', startedAt: iso(1), finishedAt: iso(2), error: boom('one') },
      { attempt: 2, startedAt: iso(3), finishedAt: iso(4), error: { code: 'TIMEOUT', message: 'two' } },
      { attempt: 3, startedAt: iso(10), finishedAt: iso(10) },
    ],
  });
});

test('a cancellation ends the attempt in flight; a wait starts one; a repeated end keeps the first; attempts come out in order', () => {
  const logs = attemptLogs([
    ev(1, 'step.started', 'x', { attempt: 2 }),
    ev(0, 'step.queued', 'x', { attempt: 1 }),
    ev(1, 'step.failed', 'x', { attempt: 1, error: boom('first') }),
    ev(2, 'step.cancelled', 'x', { reason: 'run cancelled' }),
    ev(3, 'step.cancelled', 'x', { reason: 'again' }),
    ev(3, 'step.cancelled', 'never-ran', { reason: 'run cancelled' }),
    ev(1, 'step.waiting', 'w', { attempt: 1, signal: 'go' }),
    ev(2, 'step.signalled', 'w', { attempt: 1, signal: 'go' }),
    ev(2, 'step.succeeded', 'w', { attempt: 1 }),
    ev(5, 'step.failed', 'w', { attempt: 1, error: boom('later') }),
    ev(6, 'step.failed', 'v', { attempt: 1 }),
  ]);
  expect(logs.get('x')).toEqual([
    { attempt: 1, finishedAt: iso(1), error: boom('first') },
    { attempt: 2, startedAt: iso(1), finishedAt: iso(2), error: { code: 'CANCELLED', message: 'run cancelled' } },
  ]);
  expect(logs.get('w')).toEqual([{ attempt: 1, startedAt: iso(1), finishedAt: iso(2) }]);
  expect(logs.get('v')).toEqual([{ attempt: 1, finishedAt: iso(6) }]);
  expect(logs.has('never-ran')).toBe(false);
});
