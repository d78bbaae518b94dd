import { authorize, type Principal } from '@baton/auth';
import { BatonError } from '@baton/core';
import type { Percentiles, StatsRow } from '@baton/db';

/** The aggregates `getStats` reads: `KyselyStatsQueries` of `@baton/db`. */
export interface StatsQueries {
  agents(tenant: string, since: Date, until: Date): Promise<StatsRow[]>;
  templates(tenant: string, since: Date, until: Date): Promise<StatsRow[]>;
}

/** One group of the answer. */
export interface StatsGroup {
  count: number;
  /** succeeded / count, 0..1; null when count is 0. */
  successRate: number | null;
  /** count / the window's minutes. */
  throughputPerMinute: number;
  durationMs: Percentiles;
  queueWaitMs: Percentiles;
}

export interface Stats {
  window: string;
  since: string;
  until: string;
  /** Step attempts finished in the window, per agent. */
  agents: Array<{ agent: string } & StatsGroup>;
  /** Runs finished in the window, per template (or inline workflow name: `kind` says which). */
  templates: Array<{ template: string; kind: 'template' | 'workflow' } & StatsGroup>;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** The longest window: a week of steps is what the indexes keep fast. */
export const MAX_STATS_WINDOW_MS = 7 * UNIT_MS.d;

/**
 * A window like `15m`, `1h`, `24h` or `7d` in milliseconds: 1 minute to 7 days.
 * @throws BatonError VALIDATION_FAILED (path `window`) for anything else
 */
export function parseWindow(window: string): number {
  const match = /^([1-9][0-9]{0,5})([mhd])$/.exec(window);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : NaN;
  if (!(ms <= MAX_STATS_WINDOW_MS)) {
    throw new BatonError('VALIDATION_FAILED', `window must be a number and a unit (m, h or d), from 1m to 7d, like 15m, 1h, 24h or 7d; got ${JSON.stringify(window.slice(0, 20))}`, [
      { path: 'window', message: 'from 1m to 7d: a number followed by m, h or d' },
    ]);
  }
  return ms;
}

function group(row: StatsRow, minutes: number): StatsGroup {
  return {
    count: row.count,
    successRate: row.count === 0 ? null : Math.round((row.succeeded / row.count) * 10_000) / 10_000,
    throughputPerMinute: Math.round((row.count / minutes) * 1000) / 1000,
    durationMs: row.duration,
    queueWaitMs: row.queueWait,
  };
}

/**
 * Run analytics of the caller's tenant over the last `window` (`GET /v1/stats`): per agent, the
 * step attempts that finished in it; per template, the runs that finished in it. Each group has
 * its count, success rate, throughput per minute, and p50/p95/p99 of duration and queue wait,
 * computed in Postgres.
 * @throws BatonError FORBIDDEN; VALIDATION_FAILED (path `window`)
 */
export async function getStats(deps: { stats: StatsQueries }, principal: Principal, input: { window?: string }, now = new Date()): Promise<Stats> {
  authorize(principal, 'run.read');
  const window = input.window ?? '1h';
  const ms = parseWindow(window);
  const since = new Date(now.getTime() - ms);
  const [agents, templates] = await Promise.all([deps.stats.agents(principal.tenant, since, now), deps.stats.templates(principal.tenant, since, now)]);
  const minutes = ms / 60_000;
  return {
    window,
    since: since.toISOString(),
    until: now.toISOString(),
    agents: agents.map((r) => ({ agent: r.name, ...group(r, minutes) })),
    templates: templates.map((r) => ({ template: r.name, kind: r.kind ?? 'workflow', ...group(r, minutes) })),
  };
}
