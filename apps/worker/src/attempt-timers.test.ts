import { AttemptTimers, type Timers } from './attempt-timers';

function manualTimers() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    setTimeout: (callback, ms) => (pending.set(++next, { callback, ms }), next),
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  const fire = (ms: number) => [...pending].filter(([, t]) => t.ms === ms).forEach(([handle, t]) => (pending.delete(handle), t.callback()));
  return { timers, fire, pending };
}

describe('AttemptTimers', () => {
  it('records the start once: when the delay passes, or at finish', () => {
    const clock = manualTimers();
    let starts = 0;
    const slow = new AttemptTimers({ startDelayMs: 20, recordStart: () => (starts += 1), timers: clock.timers });
    clock.fire(20);
    expect(starts).toBe(1);
    slow.finish();
    expect(starts).toBe(1);

    const quick = new AttemptTimers({ startDelayMs: 20, recordStart: () => (starts += 1), timers: clock.timers });
    quick.finish();
    quick.finish();
    expect(starts).toBe(2);
    expect(clock.pending.size).toBe(0);
  });

  it('aborts the signal at the timeout, and says it timed out', () => {
    const clock = manualTimers();
    const timers = new AttemptTimers({ timeoutMs: 500, startDelayMs: 20, recordStart: () => undefined, timers: clock.timers });
    expect(timers.signal.aborted).toBe(false);
    clock.fire(500);
    expect(timers.signal.aborted).toBe(true);
    expect(timers.timedOut).toBe(true);
    expect((timers.signal.reason as Error).message).toBe('timed out after 500 ms');
  });

  it('aborts without timing out on abort, and arms no timeout without timeoutMs', () => {
    const clock = manualTimers();
    const timers = new AttemptTimers({ startDelayMs: 20, recordStart: () => undefined, timers: clock.timers });
    expect([...clock.pending.values()].map((t) => t.ms)).toEqual([20]);
    timers.abort(new Error('cancelled'));
    expect(timers.signal.aborted).toBe(true);
    expect(timers.timedOut).toBe(false);
  });

  it('clears the timeout at finish', () => {
    const clock = manualTimers();
    const timers = new AttemptTimers({ timeoutMs: 500, startDelayMs: 20, recordStart: () => undefined, timers: clock.timers });
    timers.finish();
    expect(clock.pending.size).toBe(0);
    expect(timers.signal.aborted).toBe(false);
  });
});
