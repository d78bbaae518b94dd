import { LiveSettings } from './live-settings';

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

describe('LiveSettings', () => {
  test('applies each new version once, keeps the settings in use when the stored ones are not valid, and survives a failed read', async () => {
    const stored: Array<{ value: unknown; version: number } | Error> = [
      { value: {}, version: 0 }, { value: {}, version: 0 }, { value: { retentionDays: 7 }, version: 1 },
      { value: { retentionDays: 'soon' }, version: 2 }, new Error('postgres is down'), { value: { logLevel: 'debug' }, version: 3 },
    ];
    const applied: unknown[] = [];
    const live = new LiveSettings({
      read: async () => {
        const next = stored.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      logger,
      apply: (s) => void applied.push(s),
    });
    for (let i = 0; i < 6; i++) await live.refresh();
    live.close();
    expect(applied).toEqual([{}, { retentionDays: 7 }, { logLevel: 'debug' }]);
    expect(live.settings).toEqual({ logLevel: 'debug' });
    expect(logger.warn).toHaveBeenCalledWith('stored settings are not valid; keeping the ones in use', { version: 2 });
    expect(logger.warn).toHaveBeenCalledWith('could not read or apply the runtime settings', { error: 'Error: postgres is down' });
  });

  test('a refresh asked while one reads runs once more after it, not in parallel', async () => {
    let reads = 0;
    let release: () => void = () => undefined;
    const live = new LiveSettings({
      read: () => new Promise((resolve) => {
        reads++;
        release = () => resolve({ value: {}, version: reads });
      }),
      logger,
      apply: () => undefined,
    });
    const first = live.refresh();
    const second = live.refresh();
    const third = live.refresh();
    expect(reads).toBe(1);
    release();
    await new Promise((r) => setImmediate(r));
    expect(reads).toBe(2);
    release();
    await Promise.all([first, second, third]);
    expect(reads).toBe(2);
    live.close();
  });
});
