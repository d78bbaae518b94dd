import { RunningAttempts, attemptTrace, type RunningAttempt } from './running-attempts';

const TRACE = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: '01' };

function attempt(runId: string, key: string, traced = true) {
  const trace = traced ? attemptTrace(TRACE) : undefined;
  const aborted: string[] = [];
  const entry: RunningAttempt = { runId, key, attempt: 1, trace, abort: (reason) => aborted.push(reason.message) };
  return { entry, aborted };
}

describe('RunningAttempts', () => {
  it('aborts one attempt by its id, or all of them', () => {
    const running = new RunningAttempts();
    const a = attempt('r1', 'a');
    const b = attempt('r2', 'b');
    running.add(a.entry);
    running.add(b.entry);
    running.abort({ runId: 'r1', key: 'a', attempt: 2 }, new Error('cancelled'));
    running.abort({ runId: 'r1', key: 'a', attempt: 1 }, new Error('cancelled'));
    expect([a.aborted, b.aborted]).toEqual([['cancelled'], []]);
    running.abortAll(new Error('worker shutting down'));
    expect([a.aborted, b.aborted]).toEqual([['cancelled', 'worker shutting down'], ['worker shutting down']]);
    running.delete(a.entry);
    running.delete(b.entry);
    expect(running.size).toBe(0);
  });

  it("gives a run's next jobs the span of its attempt that started last, while any runs", () => {
    const running = new RunningAttempts();
    const first = attempt('r', 'a');
    const second = attempt('r', 'b');
    const untraced = attempt('r', 'c', false);
    running.add(first.entry);
    expect(running.traceparentOf('r')).toBe(`00-${TRACE.traceId}-${first.entry.trace!.spanId}-01`);
    running.add(second.entry);
    running.add(untraced.entry);
    expect(running.traceparentOf('r')).toBe(`00-${TRACE.traceId}-${second.entry.trace!.spanId}-01`);
    expect(running.traceparentOf('other')).toBeUndefined();
    running.delete(second.entry);
    expect(running.traceparentOf('r')).toContain(first.entry.trace!.spanId);
    running.delete(first.entry);
    expect(running.traceparentOf('r')).toBeUndefined();
    running.delete(untraced.entry);
    expect(running.size).toBe(0);
  });

  it('keeps a newer delivery of the same attempt when an older one ends', () => {
    const running = new RunningAttempts();
    const older = attempt('r', 'a');
    const newer = attempt('r', 'a');
    running.add(older.entry);
    running.add(newer.entry);
    running.delete(older.entry);
    running.abort({ runId: 'r', key: 'a', attempt: 1 }, new Error('cancelled'));
    expect([older.aborted, newer.aborted]).toEqual([[], ['cancelled']]);
  });
});

test("attemptTrace continues the job's trace with a span of its own, and needs one", () => {
  const [a, b] = [attemptTrace(TRACE), attemptTrace(TRACE)];
  expect(a).toEqual({ traceId: TRACE.traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/), flags: '01' });
  expect([a!.spanId === TRACE.spanId, a!.spanId === b!.spanId]).toEqual([false, false]);
  expect(attemptTrace(undefined)).toBeUndefined();
});
