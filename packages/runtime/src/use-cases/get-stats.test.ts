import type { StatsRow } from '@baton/db';
import { getStats, parseWindow } from './get-stats';
import { callers } from './use-cases-fixture.test-helper';

const p = { p50: 10, p95: 20, p99: 30 };

/** Records what it was asked; answers one row each. */
function recordingStats() {
  const asked: Array<[string, string, Date, Date]> = [];
  const row = (name: string, kind?: 'template'): StatsRow => ({ name, ...(kind ? { kind } : {}), count: 120, succeeded: 90, duration: p, queueWait: p });
  return {
    asked,
    stats: {
      agents: async (tenant: string, since: Date, until: Date) => (asked.push(['agents', tenant, since, until]), [row('echo')]),
      templates: async (tenant: string, since: Date, until: Date) => (asked.push(['templates', tenant, since, until]), [row('nightly', 'template')]),
    },
  };
}

describe('getStats', () => {
  it('asks within the caller\'s tenant over the window, and derives success rate and throughput', async () => {
    const { stats, asked } = recordingStats();
    const now = new Date('2026-03-01T12:00:00Z');
    const answer = await getStats({ stats }, callers.viewer, { window: '1h' }, now);
    expect(asked).toEqual([
      ['agents', 't', new Date('2026-03-01T11:00:00Z'), now],
      ['templates', 't', new Date('2026-03-01T11:00:00Z'), now],
    ]);
    expect(answer).toEqual({
      window: '1h', since: '2026-03-01T11:00:00.000Z', until: '2026-03-01T12:00:00.000Z',
      agents: [{ agent: 'echo', count: 120, successRate: 0.75, throughputPerMinute: 2, durationMs: p, queueWaitMs: p }],
      templates: [{ template: 'nightly', kind: 'template', count: 120, successRate: 0.75, throughputPerMinute: 2, durationMs: p, queueWaitMs: p }],
    });
    expect((await getStats({ stats }, callers.viewer, {}, now)).window).toBe('1h');
  });

  it.each(['15m', '1h', '24h', '7d', '1m'])('accepts %s', (w) => {
    expect(parseWindow(w)).toBeGreaterThan(0);
  });

  it.each(['', '0h', '1w', '8d', '169h', '10081m', '1.5h', 'h', '1 h', '01h', '-1h', '999999999d'])('refuses %j naming window', async (w) => {
    const { stats, asked } = recordingStats();
    await expect(getStats({ stats }, callers.viewer, { window: w })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'window' }] });
    expect(asked).toEqual([]);
  });
});
