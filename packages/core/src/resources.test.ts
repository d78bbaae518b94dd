import type { Logger, LogMeta } from './logger';
import { Resources } from './resources';

class RecordingLogger implements Logger {
  readonly lines: Array<[string, string, LogMeta | undefined]> = [];
  info(message: string, meta?: LogMeta): void { this.lines.push(['info', message, meta]); }
  warn(message: string, meta?: LogMeta): void { this.lines.push(['warn', message, meta]); }
  error(message: string, meta?: LogMeta): void { this.lines.push(['error', message, meta]); }
}

class Pool {}

describe('Resources', () => {
  test('closes what it owns in reverse order, each after the previous one settled', async () => {
    const events: string[] = [];
    const res = new Resources();
    const slow = (name: string) => async () => {
      events.push(`${name} start`);
      await new Promise<void>((resolve) => setImmediate(resolve));
      events.push(`${name} end`);
    };
    expect(res.own('db', slow('db'))).toBe('db');
    res.own('redis', slow('redis'));
    res.own('server', () => void events.push('server'));
    await res.closeAll();
    expect(events).toEqual(['server', 'redis start', 'redis end', 'db start', 'db end']);
  });

  test('logs a close that throws or rejects, by name, and closes the rest', async () => {
    const logger = new RecordingLogger();
    const closed: string[] = [];
    const res = new Resources(logger);
    res.own(new Pool(), () => void closed.push('pool'));
    res.own({}, () => { throw new Error('boom'); }, 'redis');
    res.own(new Pool(), () => Promise.reject(new Error('gone')));
    res.own('text', () => Promise.reject('plain'));
    res.own(null, () => void closed.push('null'));
    await res.closeAll();
    expect(closed).toEqual(['null', 'pool']);
    expect(logger.lines).toEqual([
      ['error', 'close failed', { resource: 'String', error: 'plain' }],
      ['error', 'close failed', { resource: 'Pool', error: 'gone' }],
      ['error', 'close failed', { resource: 'redis', error: 'boom' }],
    ]);
  });

  test('names an unnamed plain object or primitive by its type', async () => {
    const logger = new RecordingLogger();
    const res = new Resources(logger);
    res.own({}, () => { throw new Error('a'); });
    res.own(undefined, () => { throw new Error('b'); });
    await res.closeAll();
    expect(logger.lines.map(([, , meta]) => meta?.resource)).toEqual(['undefined', 'object']);
  });

  test('closeAll is idempotent: one teardown, shared by every call', async () => {
    let closes = 0;
    const res = new Resources();
    res.own(1, async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      closes += 1;
    });
    const first = res.closeAll();
    expect(res.closeAll()).toBe(first);
    await Promise.all([first, res.closeAll()]);
    await res.closeAll();
    expect(closes).toBe(1);
  });

  test('closes what is owned after closeAll began, before what was owned earlier', async () => {
    const events: string[] = [];
    const res = new Resources();
    res.own('old', () => void events.push('old'));
    res.own('first', async () => {
      events.push('first');
      res.own('during', () => void events.push('during'));
    });
    await res.closeAll();
    res.own('after', () => void events.push('after'));
    await res.closeAll();
    expect(events).toEqual(['first', 'during', 'old', 'after']);
  });
});
