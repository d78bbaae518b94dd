import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

/** p50, p95 and p99 of a distribution, in milliseconds; null when nothing was measured. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One group of `GET /v1/stats`: finished step attempts of an agent, or finished runs of a template. */
export interface StatsRow {
  /** The agent, or the template (the workflow's name for a workflow submitted inline). */
  name: string;
  /** Runs only: whether `name` is a template or an inline workflow's name. */
  kind?: 'template' | 'workflow';
  count: number;
  succeeded: number;
  duration: Percentiles;
  queueWait: Percentiles;
}

interface Raw {
  name: string;
  is_template?: boolean;
  count: string | number;
  succeeded: string | number;
  duration: Array<number | null> | null;
  wait: Array<number | null> | null;
}

const percentiles = (values: Array<number | null> | null): Percentiles => {
  const at = (i: number) => (values?.[i] == null ? null : Math.round(values[i]! * 10) / 10);
  return { p50: at(0), p95: at(1), p99: at(2) };
};

const row = (r: Raw): StatsRow => ({
  name: r.name,
  ...(r.is_template === undefined ? {} : { kind: r.is_template ? ('template' as const) : ('workflow' as const) }),
  count: Number(r.count),
  succeeded: Number(r.succeeded),
  duration: percentiles(r.duration),
  queueWait: percentiles(r.wait),
});

// date_part, not extract: extract returns numeric, several times slower to sort than a double.
const MS = (a: string, b: string) => sql.raw(`date_part('epoch', ${a} - ${b}) * 1000`);

/**
 * Aggregates for `GET /v1/stats`, computed in Postgres (`percentile_cont`), always within one
 * tenant, from index-only scans of migration 0006's indexes. Steps carry no tenant: the attempts
 * finished in the window (`steps_finished`) are joined to the tenant's runs that finished in it
 * or have not finished (`runs_tenant_finished`; a step finished in the window belongs to one of
 * those). The two halves are a UNION ALL because an OR would read the runs' rows, not the index.
 */
export class KyselyStatsQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** Per agent: step attempts that started and finished within [since, until). */
  async agents(tenant: string, since: Date, until: Date): Promise<StatsRow[]> {
    const { rows } = await sql<Raw>`
      SELECT s.agent AS name, count(*) AS count, count(*) FILTER (WHERE s.status = 'succeeded') AS succeeded,
        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ${MS('s.finished_at', 's.started_at')}) AS duration,
        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ${MS('s.started_at', 's.queued_at')}) AS wait
      FROM steps s
      JOIN (
        SELECT id FROM runs WHERE tenant = ${tenant} AND finished_at >= ${since}
        UNION ALL SELECT id FROM runs WHERE tenant = ${tenant} AND finished_at IS NULL
      ) r ON r.id = s.run_id
      WHERE s.finished_at >= ${since} AND s.finished_at < ${until} AND s.agent IS NOT NULL AND s.started_at IS NOT NULL
      GROUP BY s.agent ORDER BY s.agent`.execute(this.db);
    return rows.map(row);
  }

  /** Per template (or inline workflow name): runs finished within [since, until); queue wait is creation to start. */
  async templates(tenant: string, since: Date, until: Date): Promise<StatsRow[]> {
    const { rows } = await sql<Raw>`
      SELECT coalesce(template, workflow_name) AS name, template IS NOT NULL AS is_template, count(*) AS count,
        count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ${MS('finished_at', 'coalesce(started_at, created_at)')}) AS duration,
        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ${MS('coalesce(started_at, finished_at)', 'created_at')}) AS wait
      FROM runs
      WHERE tenant = ${tenant} AND finished_at >= ${since} AND finished_at < ${until}
      GROUP BY 1, 2 ORDER BY 1, 2`.execute(this.db);
    return rows.map(row);
  }
}
