import type { Timers } from './attempt-timers';
import { ProgressStream } from './progress-stream';

/** A manual clock: `tick()` fires the timers that are due. */
function manualTimers(): Timers & { tick(): void; pending(): number } {
  const due = new Set<() => void>();
  return {
    setTimeout: (callback) => {
      due.add(callback);
      return callback;
    },
    clearTimeout: (handle) => void due.delete(handle as () => void),
    tick: () => {
      const now = [...due];
      due.clear();
      for (const callback of now) callback();
    },
    pending: () => due.size,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ProgressStream', () => {
  it('writes what arrived within one interval as one piece, one write at a time', async () => {
    const timers = manualTimers();
    const writes: string[] = [];
    let release: () => void = () => undefined;
    const stream = new ProgressStream({ timers, onError: () => undefined, write: (t) => (writes.push(t), new Promise<void>((r) => (release = r))) });
    stream.push('Hel');
    stream.push('lo');
    expect(writes).toEqual([]);
    timers.tick();
    expect(writes).toEqual(['Hello']);
    stream.push(' wor');
    stream.push('ld');
    // A write is in flight: nothing is armed until it ends.
    expect(timers.pending()).toBe(0);
    release();
    await settle();
    expect(timers.pending()).toBe(1);
    timers.tick();
    expect(writes).toEqual(['Hello', ' world']);
    release();
    await stream.close();
    expect(writes).toEqual(['Hello', ' world']);
  });

  it('writes the rest on close, in pieces of at most maxChars, never splitting a surrogate pair', async () => {
    const timers = manualTimers();
    const writes: string[] = [];
    const stream = new ProgressStream({ timers, maxChars: 4, onError: () => undefined, write: async (t) => void writes.push(t) });
    stream.push('abc😀defgh');
    await stream.close();
    expect(writes).toEqual(['abc', '😀de', 'fgh']);
    expect(timers.pending()).toBe(0);
    stream.push('late');
    expect(timers.pending()).toBe(0);
  });

  it('reports a failed write and goes on', async () => {
    const errors: unknown[] = [];
    const writes: string[] = [];
    const stream = new ProgressStream({
      intervalMs: 5,
      onError: (e) => errors.push(e),
      write: async (t) => {
        writes.push(t);
        if (t === 'a') throw new Error('database down');
      },
    });
    stream.push('a');
    await new Promise((r) => setTimeout(r, 30));
    stream.push('b');
    await stream.close();
    expect(writes).toEqual(['a', 'b']);
    expect(errors).toEqual([new Error('database down')]);
  });
});
