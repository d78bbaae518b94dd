import { sweepFinishedRuns } from './retention';

const silent = { info: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() } as never;

describe('sweepFinishedRuns', () => {
  test('deletes batch after batch until one comes back short, with a cutoff `days` before now', async () => {
    const calls: Array<[string, number]> = [];
    const left = [3, 3, 1];
    const deleted = await sweepFinishedRuns({
      deleteFinishedRuns: async (before, limit) => { calls.push([before.toISOString(), limit]); return left.shift()!; },
      logger: silent, now: () => Date.parse('2026-03-31T00:00:00Z'),
    }, { days: 30, batchSize: 3 });
    expect(deleted).toBe(7);
    expect(calls).toEqual([['2026-03-01T00:00:00.000Z', 3], ['2026-03-01T00:00:00.000Z', 3], ['2026-03-01T00:00:00.000Z', 3]]);
  });

  test('starts no batch past its time budget: the next tick goes on', async () => {
    let clock = 0;
    let batches = 0;
    const deleted = await sweepFinishedRuns({
      deleteFinishedRuns: async (_before, limit) => { batches++; clock += 400; return limit; },
      logger: silent, now: () => clock,
    }, { days: 1, batchSize: 10, budgetMs: 1000 });
    expect(batches).toBe(3);
    expect(deleted).toBe(30);
  });
});
